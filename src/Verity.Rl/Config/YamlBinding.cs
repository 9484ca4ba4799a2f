using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Verity.Rl.Config;

/// <summary>
/// YAML → JsonNode, directed by the target record types: each scalar is converted to the type of the key it
/// lands on (so "8" under a string key stays text, and "abc" under an int key is an error with its line),
/// and an unknown key is reported with the closest valid one. Strict JSON deserialization then fills the records.
/// </summary>
internal static class YamlBinding
{
    public static YamlNode? Parse(string text, string source)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException ex)
        {
            throw new InvalidDataException($"{Where(source, ex.Start.Line)}: invalid YAML: {Flat(ex.InnerException?.Message ?? ex.Message).TrimEnd('.')}. HINT: check indentation and quoting near that line");
        }
        return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
    }

    /// <summary>Converts <paramref name="node"/> to a JSON node shaped like <paramref name="type"/>.</summary>
    public static JsonNode? Convert(YamlNode node, Type type, bool nullable, string path, string source)
    {
        string where = Where(source, node.Start.Line);
        if (node is YamlScalarNode scalar && IsNull(scalar))
        {
            if (nullable) return null;
            throw new InvalidDataException($"{where}: '{path}' may not be null. HINT: give a {ConfigSchema.TypeName(type)} or delete the line to keep the default");
        }
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (ConfigSchema.IsSection(target))
        {
            if (node is not YamlMappingNode mapping)
                throw new InvalidDataException($"{where}: '{Display(path)}' must be a mapping of keys. HINT: valid keys: {string.Join(", ", ConfigSchema.Keys(target).Select(ConfigSchema.KeyOf))}");
            var obj = new JsonObject();
            foreach (var (keyNode, valueNode) in mapping.Children)
            {
                string key = ((YamlScalarNode)keyNode).Value ?? "";
                string? rest = valueNode is YamlMappingNode m && m.Children.Count > 0 ? ((YamlScalarNode)m.Children[0].Key).Value : null;
                var property = ConfigSchema.Find(target, key, path, Where(source, keyNode.Start.Line), rest);
                string childPath = path.Length == 0 ? key : $"{path}.{key}";
                if (obj.ContainsKey(key)) throw new InvalidDataException($"{source}:{keyNode.Start.Line}: duplicate key '{childPath}'. HINT: keep one of them");
                obj[key] = Convert(valueNode, property.PropertyType, ConfigSchema.IsNullable(property), childPath, source);
            }
            return obj;
        }
        if (ConfigSchema.ElementOf(target) is Type element)
        {
            if (node is not YamlSequenceNode sequence)
                throw new InvalidDataException($"{where}: '{path}' must be a list. HINT: write [a, b] or one '- item' per line");
            var array = new JsonArray();
            int i = 0;
            foreach (var item in sequence.Children) array.Add(Convert(item, element, false, $"{path}[{i++}]", source));
            return array;
        }
        if (node is not YamlScalarNode value)
            throw new InvalidDataException($"{where}: '{path}' must be a single {ConfigSchema.TypeName(target)}, not a {(node is YamlMappingNode ? "mapping" : "list")}. HINT: write '{path[(path.LastIndexOf('.') + 1)..]}: <value>'");
        return Scalar(value.Value ?? "", target, path, where);
    }

    /// <summary>A scalar given as text (from YAML or a key=value override) converted to the key's type.</summary>
    public static JsonNode Scalar(string text, Type target, string path, string where)
    {
        if (target == typeof(string)) return JsonValue.Create(text);
        if (target == typeof(bool))
        {
            if (bool.TryParse(text, out bool b)) return JsonValue.Create(b);
            throw Bad(where, path, text, "true or false");
        }
        if (target == typeof(int))
        {
            if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n)) return JsonValue.Create(n);
            throw Bad(where, path, text, "a whole number");
        }
        if (target == typeof(double))
        {
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d)) return JsonValue.Create(d);
            throw Bad(where, path, text, "a finite number such as 0.2 or 1e-6");
        }
        throw new NotSupportedException($"config key '{path}' has unsupported type {target.Name}");
    }

    private static InvalidDataException Bad(string where, string path, string text, string expected) =>
        new($"{where}: '{path}' expected {expected}, got '{text}'. HINT: fix the value of {path}");

    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style is ScalarStyle.Plain or ScalarStyle.Any && (scalar.Value is null or "" or "~" or "null" or "Null" or "NULL");

    /// <summary>file:line for files; an override is one line, so it is named by itself.</summary>
    private static string Where(string source, long line) => source.StartsWith(OverridePrefix, StringComparison.Ordinal) ? source : $"{source}:{line}";

    public const string OverridePrefix = "override '";

    private static string Display(string path) => path.Length == 0 ? "(root)" : path;

    private static string Flat(string s) => s.ReplaceLineEndings(" ");
}
