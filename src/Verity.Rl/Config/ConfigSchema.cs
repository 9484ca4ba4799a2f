using System.Reflection;
using System.Text.Json;

namespace Verity.Rl.Config;

/// <summary>
/// The shape of <see cref="RunConfig"/> seen through reflection: snake_case keys, property types, nullability,
/// and the closest valid key for a typo. Both the YAML binder and the reference generator walk it, so the
/// records stay the only place a key is declared.
/// </summary>
public static class ConfigSchema
{
    /// <summary>NullabilityInfoContext caches in a plain Dictionary and is not thread-safe (parallel tests loading configs
    /// failed with "an item with the same key has already been added"), so each thread gets its own.</summary>
    [ThreadStatic] private static NullabilityInfoContext? _nullability;

    public static string KeyOf(PropertyInfo property) => JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);

    /// <summary>Settable public properties of a section record, in declaration order.</summary>
    public static IReadOnlyList<PropertyInfo> Keys(Type section) =>
        section.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.MetadataToken).ToList();

    /// <summary>A nested record of this namespace (a mapping in YAML), as opposed to a scalar or a list.</summary>
    public static bool IsSection(Type type) => type.IsClass && type.Namespace == typeof(RunConfig).Namespace;

    /// <summary>The element type of a List&lt;T&gt;, or null.</summary>
    public static Type? ElementOf(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) ? type.GetGenericArguments()[0] : null;

    public static bool IsNullable(PropertyInfo property) =>
        Nullable.GetUnderlyingType(property.PropertyType) is not null || (_nullability ??= new()).Create(property).WriteState == NullabilityState.Nullable;

    /// <summary>
    /// The property for <paramref name="key"/> in <paramref name="section"/>; unknown → error naming the closest
    /// key. <paramref name="rest"/> is what the user wrote below the unknown key (the rest of a dotted override,
    /// or the first child key in YAML), which pins down a mistyped section: algo.policy_loss → algorithm.policy_loss.
    /// With <paramref name="suggestFullPath"/> the hint names the whole corrected key (for overrides).
    /// </summary>
    public static PropertyInfo Find(Type section, string key, string path, string where, string? rest = null, bool suggestFullPath = false)
    {
        var property = Keys(section).FirstOrDefault(p => KeyOf(p) == key);
        if (property is not null) return property;
        string full = path.Length == 0 ? key : $"{path}.{key}";
        throw new InvalidDataException($"{where}: unknown key '{full}'. HINT: did you mean '{Suggest(full, rest, suggestFullPath)}'? (valid keys here: {string.Join(", ", Keys(section).Select(KeyOf))})");
    }

    /// <summary>Every dotted leaf path of the config (lists count as leaves).</summary>
    public static IEnumerable<string> Paths(Type section, string prefix = "")
    {
        foreach (var p in Keys(section))
        {
            string path = prefix.Length == 0 ? KeyOf(p) : $"{prefix}.{KeyOf(p)}";
            if (IsSection(p.PropertyType)) foreach (var child in Paths(p.PropertyType, path)) yield return child;
            else yield return path;
        }
    }

    private static string Suggest(string full, string? rest, bool suggestFullPath)
    {
        string closest = Closest(full, rest);
        bool isHolder = rest is not null && Paths(typeof(RunConfig)).Concat(Sections(typeof(RunConfig))).Contains($"{closest}.{rest}");
        return suggestFullPath && isHolder ? $"{closest}.{rest}" : closest;
    }

    /// <summary>Every dotted section path (model, algorithm, algorithm.kl, ...).</summary>
    public static IEnumerable<string> Sections(Type section, string prefix = "")
    {
        foreach (var p in Keys(section).Where(p => IsSection(p.PropertyType)))
        {
            string path = prefix.Length == 0 ? KeyOf(p) : $"{prefix}.{KeyOf(p)}";
            yield return path;
            foreach (var child in Sections(p.PropertyType, path)) yield return child;
        }
    }

    /// <summary>
    /// The valid path nearest to a mistyped one: a section that has <paramref name="rest"/> below it
    /// (algo + policy_loss → algorithm), then the same last segment under another section (algorithm.n →
    /// rollout.n), else the smallest edit distance over all keys and sections.
    /// </summary>
    public static string Closest(string path, string? rest = null)
    {
        var all = Paths(typeof(RunConfig)).Concat(Sections(typeof(RunConfig))).ToList();
        if (rest is not null)
        {
            var holders = all.Where(p => p.EndsWith("." + rest, StringComparison.Ordinal) || p == rest)
                .Select(p => p[..Math.Max(0, p.Length - rest.Length - 1)]).ToList();
            if (holders.Count > 0) return holders.OrderBy(h => EditDistance(h, path)).ThenBy(h => h, StringComparer.Ordinal).First();
        }
        string leaf = path[(path.LastIndexOf('.') + 1)..];
        var sameLeaf = all.FirstOrDefault(p => p.EndsWith("." + leaf, StringComparison.Ordinal) || p == leaf);
        if (sameLeaf is not null) return sameLeaf;
        return all.OrderBy(p => EditDistance(p, path)).ThenBy(p => p, StringComparer.Ordinal).First();
    }

    /// <summary>Levenshtein distance (insert, delete, substitute each cost 1).</summary>
    public static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>Human name of a key's type, for errors and the reference.</summary>
    public static string TypeName(Type type)
    {
        var inner = Nullable.GetUnderlyingType(type) ?? type;
        if (ElementOf(inner) is Type element) return $"list of {TypeName(element)}";
        if (IsSection(inner)) return "mapping";
        return inner == typeof(double) ? "float" : inner == typeof(int) ? "int" : inner == typeof(bool) ? "bool" : inner == typeof(string) ? "string" : inner.Name;
    }
}
