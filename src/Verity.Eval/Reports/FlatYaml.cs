using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Verity.Eval.Reports;

/// <summary>
/// A YAML file as flat <c>dotted.key → value</c> pairs (lists as <c>key[0]</c>), which is all a config diff needs:
/// two runs differ exactly where a flat key's value differs.
/// </summary>
public static class FlatYaml
{
    public static SortedDictionary<string, string> Load(string path)
    {
        var flat = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new InvalidDataException($"{path}:{ex.Start.Line}: not valid YAML ({ex.Message.ReplaceLineEndings(" ")}). HINT: the report reads the config.yaml that `verity train` writes; restore it or remove it to skip the config table");
        }
        if (stream.Documents.Count > 0) Flatten(stream.Documents[0].RootNode, "", flat);
        return flat;
    }

    private static void Flatten(YamlNode node, string prefix, SortedDictionary<string, string> into)
    {
        switch (node)
        {
            case YamlMappingNode map:
                foreach (var (key, value) in map.Children)
                {
                    string name = key is YamlScalarNode s ? s.Value ?? "" : key.ToString();
                    Flatten(value, prefix.Length == 0 ? name : $"{prefix}.{name}", into);
                }
                if (map.Children.Count == 0 && prefix.Length > 0) into[prefix] = "{}";
                break;
            case YamlSequenceNode seq:
                for (int i = 0; i < seq.Children.Count; i++) Flatten(seq.Children[i], $"{prefix}[{i}]", into);
                if (seq.Children.Count == 0) into[prefix] = "[]";
                break;
            case YamlScalarNode scalar:
                into[prefix] = scalar.Value ?? "";
                break;
        }
    }
}
