using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Verity.Rl.Config;

/// <summary>
/// Writes a JsonNode tree as block-style YAML with keys in record order. Strings are quoted only when YAML
/// would read them as something else, so the output reads like a hand-written config and loads back equal.
/// </summary>
internal static class YamlWriter
{
    public static string Write(JsonNode root)
    {
        var sb = new StringBuilder();
        WriteMapping((JsonObject)root, 0, sb);
        return sb.ToString();
    }

    private static void WriteMapping(JsonObject obj, int indent, StringBuilder sb)
    {
        foreach (var (key, value) in obj)
        {
            sb.Append(' ', indent).Append(key).Append(':');
            WriteValue(value, indent, sb);
        }
    }

    private static void WriteValue(JsonNode? value, int indent, StringBuilder sb)
    {
        switch (value)
        {
            case JsonObject child when child.Count == 0:
                sb.Append(" {}\n");
                break;
            case JsonObject child:
                sb.Append('\n');
                WriteMapping(child, indent + 2, sb);
                break;
            case JsonArray array when array.Count == 0:
                sb.Append(" []\n");
                break;
            case JsonArray array when array.All(x => x is not JsonObject and not JsonArray):
                sb.Append(" [").Append(string.Join(", ", array.Select(Scalar))).Append("]\n");
                break;
            case JsonArray array:
                sb.Append('\n');
                foreach (var item in array)
                {
                    if (item is JsonObject o && o.Count > 0)
                    {
                        // "- first: x" then the other keys aligned under it
                        var inner = new StringBuilder();
                        WriteMapping(o, indent + 4, inner);
                        sb.Append(' ', indent + 2).Append("- ").Append(inner.ToString()[(indent + 4)..]);
                    }
                    else
                    {
                        sb.Append(' ', indent + 2).Append('-');
                        WriteValue(item, indent + 2, sb);
                    }
                }
                break;
            default:
                sb.Append(' ').Append(Scalar(value)).Append('\n');
                break;
        }
    }

    private static string Scalar(JsonNode? node)
    {
        if (node is null) return "null";
        var element = node.GetValue<JsonElement>();
        return element.ValueKind switch
        {
            JsonValueKind.String => Quote(element.GetString()!),
            JsonValueKind.Number => Number(element),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => "null",
        };
    }

    // numbers arrive already formatted by the serializer (DoubleFormat for floats): valid YAML as they are
    private static string Number(JsonElement element) => element.GetRawText();

    private static string Quote(string s)
    {
        bool plain = s.Length > 0
            && !char.IsWhiteSpace(s[0]) && !char.IsWhiteSpace(s[^1])
            && s.IndexOfAny(['#', ':', '{', '}', '[', ']', ',', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', '\n', '\r', '\t', '\\']) < 0
            && s[0] is not ('-' or '?')
            && s is not ("null" or "Null" or "NULL" or "~" or "true" or "false" or "True" or "False" or "TRUE" or "FALSE" or "yes" or "no" or "on" or "off")
            && !double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
        return plain ? s : JsonSerializer.Serialize(s, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }
}
