using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using YamlDotNet.RepresentationModel;

namespace Verity.Rl.Config;

/// <summary>
/// YAML file → JsonNode → dotted key=value overrides (verl style, later ones win) → strict deserialization
/// (snake_case keys, unknown members disallowed) → <see cref="RunConfig.Validate"/>.
/// </summary>
public static class ConfigLoader
{
    /// <summary>The one set of JSON options for the config boundary.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        WriteIndented = true,
        Converters = { new DoubleFormat() },
    };

    /// <summary>Loads and validates: <paramref name="path"/> may be null (defaults), overrides are "a.b=value".</summary>
    public static RunConfig Load(string? path, IEnumerable<string>? overrides = null) => Resolve(path, overrides).Validate();

    /// <summary>Loads without cross-field validation (for `config show` of a config that is still being edited).</summary>
    public static RunConfig Resolve(string? path, IEnumerable<string>? overrides = null)
    {
        JsonObject root;
        if (path is null) root = new JsonObject();
        else
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"config file '{path}' not found. HINT: pass an existing YAML file to --config (presets live in configs/)", path);
            root = ToJson(File.ReadAllText(path), path);
        }
        foreach (var item in overrides ?? []) ApplyOverride(root, item);
        return Bind(root, path ?? "(defaults)");
    }

    /// <summary>Parses YAML text (source names it in errors) without overrides or validation.</summary>
    public static RunConfig Parse(string yaml, string source = "(text)") => Bind(ToJson(yaml, source), source);

    private static JsonObject ToJson(string yaml, string source)
    {
        var node = YamlBinding.Parse(yaml, source);
        if (node is null) return new JsonObject();
        return YamlBinding.Convert(node, typeof(RunConfig), false, "", source) as JsonObject
            ?? throw new InvalidDataException($"{source}: the config must be a mapping of sections. HINT: start with e.g. 'algorithm:'");
    }

    private static RunConfig Bind(JsonObject root, string source)
    {
        try
        {
            return root.Deserialize<RunConfig>(JsonOptions) ?? new RunConfig();
        }
        catch (JsonException ex)
        {
            // the binder above has already checked keys and types, so this is a backstop
            throw new InvalidDataException($"{source}: {ex.Message.ReplaceLineEndings(" ")} HINT: see docs/config-reference.md for every key and its type");
        }
    }

    /// <summary>
    /// Applies "dotted.key=value": the key is checked against the schema (closest valid key on a typo), the value
    /// is read as YAML of the key's type (`rollout.stop=["\n\n"]`, `reward=[{name: math_accuracy, weight: 1}]`),
    /// and list items are addressed by index (`reward.0.weight=0.8`).
    /// </summary>
    public static void ApplyOverride(JsonObject root, string item)
    {
        string where = $"{YamlBinding.OverridePrefix}{item}'";
        int eq = item.IndexOf('=');
        if (eq <= 0) throw new ArgumentException($"{where}: expected key=value. HINT: e.g. algorithm.policy_loss=gspo rollout.n=8");
        string key = item[..eq].Trim(), text = item[(eq + 1)..];
        var segments = key.Split('.');

        JsonNode parent = root;
        Type type = typeof(RunConfig);
        string path = "";
        for (int s = 0; s < segments.Length; s++)
        {
            string segment = segments[s];
            bool last = s == segments.Length - 1;
            if (ConfigSchema.ElementOf(type) is Type element)
            {
                var array = parent as JsonArray;
                if (!int.TryParse(segment, out int index) || array is null || index < 0 || index >= array.Count)
                    throw new ArgumentException($"{where}: '{path}' is a list with {array?.Count ?? 0} items and '{segment}' is not one of its indexes. HINT: use {path}.0.<key>, or replace the whole list: {path}=[...]");
                path = $"{path}.{index}";
                if (last) { array[index] = Value(text, element, false, path, where); return; }
                parent = array[index] ?? throw new ArgumentException($"{where}: {path} is null. HINT: replace the whole list instead");
                type = element;
                continue;
            }
            var property = ConfigSchema.Find(type, segment, path, where, last ? null : string.Join('.', segments[(s + 1)..]), suggestFullPath: true);
            path = path.Length == 0 ? segment : $"{path}.{segment}";
            var obj = (JsonObject)parent;
            if (last)
            {
                obj[segment] = Value(text, property.PropertyType, ConfigSchema.IsNullable(property), path, where);
                return;
            }
            type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (!ConfigSchema.IsSection(type) && ConfigSchema.ElementOf(type) is null)
                throw new ArgumentException($"{where}: '{path}' is a {ConfigSchema.TypeName(type)}, not a section. HINT: write {path}=<value>");
            if (obj[segment] is null)
            {
                if (ConfigSchema.ElementOf(type) is not null)
                {
                    // the list still has its default value: materialize it so an index can address it
                    var defaults = JsonSerializer.SerializeToNode(Default(path), JsonOptions);
                    obj[segment] = defaults;
                }
                else obj[segment] = new JsonObject();
            }
            parent = obj[segment]!;
        }
    }

    private static JsonNode? Value(string text, Type type, bool nullable, string path, string where)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (target == typeof(string))
        {
            // strings are taken verbatim (paths, stop strings with ':'), except quoting and null
            string t = text.Trim();
            if (nullable && t is "null" or "~") return null;
            if (t.Length >= 2 && (t[0] == '"' || t[0] == '\'') && t[^1] == t[0]) return Parse(t, type, nullable, path, where);
            return JsonValue.Create(text);
        }
        return Parse(text, type, nullable, path, where);
    }

    private static JsonNode? Parse(string text, Type type, bool nullable, string path, string where)
    {
        var node = YamlBinding.Parse(text, where) ?? new YamlScalarNode("");
        return YamlBinding.Convert(node, type, nullable, path, where);
    }

    /// <summary>The default value at a dotted path (used to extend a default list by index).</summary>
    private static object? Default(string path)
    {
        object? current = new RunConfig();
        foreach (var segment in path.Split('.'))
        {
            var property = ConfigSchema.Keys(current!.GetType()).First(p => ConfigSchema.KeyOf(p) == segment);
            current = property.GetValue(current);
        }
        return current;
    }

    /// <summary>The resolved config as YAML (what `config show` prints and the run dir keeps as config.yaml).</summary>
    public static string ToYaml(RunConfig config) => YamlWriter.Write(JsonSerializer.SerializeToNode(config, JsonOptions)!);
}
