using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Verity.Rl.Config;

/// <summary>
/// Generates docs/config-reference.md from the XML docs of the config records (the compiler writes them to
/// Verity.Rl.xml beside the assembly), the key names and types from reflection, and the defaults from a
/// default <see cref="RunConfig"/>. Each field's text is thus written once, in its record.
/// </summary>
public static partial class ConfigReference
{
    public const string RegenerateHint = "VERITY_REGENERATE_DOCS=1 dotnet test tests/Verity.Rl.Tests --filter ConfigReferenceTests";

    /// <summary>The XML doc file next to this assembly.</summary>
    public static string DefaultXmlPath => Path.ChangeExtension(typeof(RunConfig).Assembly.Location, ".xml");

    public static string Generate(string? xmlPath = null)
    {
        xmlPath ??= DefaultXmlPath;
        if (!File.Exists(xmlPath))
            throw new FileNotFoundException($"XML docs '{xmlPath}' not found. HINT: build Verity.Rl with GenerateDocumentationFile=true (Directory.Build.props sets it)", xmlPath);
        var docs = XDocument.Load(xmlPath).Descendants("member")
            .ToDictionary(m => (string)m.Attribute("name")!, m => Text(m.Element("summary")));
        var defaults = JsonSerializer.SerializeToNode(new RunConfig(), ConfigLoader.JsonOptions)!;

        var sb = new StringBuilder();
        sb.Append("# Configuration reference\n\n");
        sb.Append("Generated from the XML docs of the records in `src/Verity.Rl/Config/` (the single source of truth); do not edit by hand.\n");
        sb.Append($"Regenerate with `{RegenerateHint}`.\n\n");
        sb.Append("A config is a YAML file (`--config FILE`) plus dotted `key=value` overrides (`algorithm.policy_loss=gspo rollout.n=8`); ");
        sb.Append("unknown keys are errors naming the closest valid key; `verity config show` prints the resolved YAML. Presets live in `configs/`.\n");
        WriteSection(typeof(RunConfig), "", defaults, docs, sb);
        return sb.ToString();
    }

    private static void WriteSection(Type section, string path, System.Text.Json.Nodes.JsonNode node, Dictionary<string, string> docs, StringBuilder sb)
    {
        var leaves = ConfigSchema.Keys(section).Where(p => !ConfigSchema.IsSection(p.PropertyType)).ToList();
        if (leaves.Count > 0)
        {
            sb.Append($"\n## {(path.Length == 0 ? "top level" : path)}\n\n");
            if (path.Length > 0) sb.Append(Doc(docs, $"T:{section.FullName}", section.FullName!)).Append("\n\n");
            sb.Append("| key | type | default | description |\n|---|---|---|---|\n");
            foreach (var p in leaves)
            {
                string key = ConfigSchema.KeyOf(p);
                string full = path.Length == 0 ? key : $"{path}.{key}";
                string type = ConfigSchema.TypeName(p.PropertyType) + (ConfigSchema.IsNullable(p) ? " or null" : "");
                string value = node[key]?.ToJsonString(Compact) ?? "null";
                sb.Append($"| `{full}` | {type} | `{value}` | {Escape(Doc(docs, Member(p), full))} |\n");
            }
        }
        foreach (var p in ConfigSchema.Keys(section).Where(p => ConfigSchema.IsSection(p.PropertyType)))
        {
            string key = ConfigSchema.KeyOf(p);
            WriteSection(p.PropertyType, path.Length == 0 ? key : $"{path}.{key}", node[key]!, docs, sb);
        }
    }

    private static readonly JsonSerializerOptions Compact = new(ConfigLoader.JsonOptions) { WriteIndented = false };

    private static string Member(PropertyInfo p) => $"P:{p.DeclaringType!.FullName}.{p.Name}";

    private static string Doc(Dictionary<string, string> docs, string id, string what) =>
        docs.TryGetValue(id, out var text) && text.Length > 0 ? text
            : throw new InvalidDataException($"config key {what} has no XML <summary>. HINT: document it in its record in src/Verity.Rl/Config/ (type, effect, paper, recommended value)");

    /// <summary>Inner text of a summary with &lt;c&gt; kept as code and &lt;see cref&gt; as the short name.</summary>
    private static string Text(XElement? summary)
    {
        if (summary is null) return "";
        var sb = new StringBuilder();
        foreach (var node in summary.Nodes())
        {
            switch (node)
            {
                case XText t: sb.Append(t.Value); break;
                case XElement { Name.LocalName: "c" } c: sb.Append('`').Append(c.Value).Append('`'); break;
                case XElement { Name.LocalName: "see" } see:
                    string cref = (string?)see.Attribute("cref") ?? "";
                    sb.Append('`').Append(cref[(cref.LastIndexOf('.') + 1)..]).Append('`');
                    break;
                case XElement e: sb.Append(e.Value); break;
            }
        }
        return Whitespace().Replace(sb.ToString(), " ").Trim();
    }

    private static string Escape(string s) => s.Replace("|", "\\|");

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
