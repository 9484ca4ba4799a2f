using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Verity.Hub.Templates;

/// <summary>The 'undefined' value: missing variables, keys and attributes. Falsy, prints as "".</summary>
public sealed class Undefined
{
    public static readonly Undefined Instance = new();
    private Undefined() { }
    public override string ToString() => "";
}

/// <summary>Result of namespace(...): the one mutable object templates may assign attributes on.</summary>
internal sealed class JinjaNamespace
{
    public readonly Dictionary<string, object?> Attributes = new();
}

/// <summary>A callable value: global function, bound method or macro.</summary>
internal sealed class JinjaFunction(string name, Func<List<object?>, Dictionary<string, object?>, object?> invoke)
{
    public string Name { get; } = name;
    public object? Invoke(List<object?> args, Dictionary<string, object?> kwargs) => invoke(args, kwargs);
}

/// <summary>
/// Template values are plain objects: null (None), <see cref="Undefined"/>, bool, long, double, string,
/// List&lt;object?&gt; (lists and tuples), OrderedDictionary&lt;string, object?&gt; (dicts), plus namespaces,
/// loop objects and functions. This class converts and prints them with Python's conventions.
/// </summary>
public static class JinjaValues
{
    /// <summary>Converts parsed JSON (e.g. a messages list) into template values.</summary>
    public static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => ToDict(e),
        JsonValueKind.Array => e.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out long l) ? l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static OrderedDictionary<string, object?> ToDict(JsonElement e)
    {
        var d = new OrderedDictionary<string, object?>();
        foreach (var p in e.EnumerateObject()) d[p.Name] = FromJson(p.Value);
        return d;
    }

    internal static bool Truthy(object? v) => v switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> l => l.Count > 0,
        OrderedDictionary<string, object?> d => d.Count > 0,
        _ => true,
    };

    /// <summary>Python str().</summary>
    internal static string Str(object? v) => v switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(v, topLevel: true),
    };

    /// <summary>Python repr() (strings quoted inside containers).</summary>
    internal static string Repr(object? v, bool topLevel = false) => v switch
    {
        null => "None",
        Undefined => "",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatDouble(d),
        string s => topLevel ? s : "'" + s.Replace("\\", "\\\\").Replace("'", "\\'").Replace("\n", "\\n") + "'",
        List<object?> l => "[" + string.Join(", ", l.Select(x => Repr(x))) + "]",
        OrderedDictionary<string, object?> d => "{" + string.Join(", ", d.Select(p => Repr(p.Key) + ": " + Repr(p.Value))) + "}",
        JinjaNamespace => "<Namespace>",
        JinjaFunction f => $"<function {f.Name}>",
        _ => v.ToString() ?? "",
    };

    internal static string FormatDouble(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        if (d == Math.Floor(d) && Math.Abs(d) < 1e16) return d.ToString("0.0", CultureInfo.InvariantCulture);
        return d.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// JSON as HF's tojson filter writes it (Python json.dumps, ensure_ascii=False): ", " and ": "
    /// separators, or newline + indent and ": " when indent is given.
    /// </summary>
    internal static string ToJson(object? v, int? indent)
    {
        var sb = new StringBuilder();
        WriteJson(sb, v, indent, 0);
        return sb.ToString();
    }

    private static void WriteJson(StringBuilder sb, object? v, int? indent, int depth)
    {
        switch (v)
        {
            case null or Undefined: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: sb.Append(FormatDouble(d) switch { "nan" => "NaN", "inf" => "Infinity", "-inf" => "-Infinity", var x => x }); break;
            case string s: WriteJsonString(sb, s); break;
            case List<object?> list:
                WriteContainer(sb, '[', ']', list.Count, indent, depth, i => WriteJson(sb, list[i], indent, depth + 1));
                break;
            case OrderedDictionary<string, object?> dict:
                WriteContainer(sb, '{', '}', dict.Count, indent, depth, i =>
                {
                    var p = dict.GetAt(i);
                    WriteJsonString(sb, p.Key);
                    sb.Append(": ");
                    WriteJson(sb, p.Value, indent, depth + 1);
                });
                break;
            case JinjaNamespace ns:
                WriteJson(sb, new OrderedDictionary<string, object?>(ns.Attributes), indent, depth);
                break;
            default: WriteJsonString(sb, Str(v)); break;
        }
    }

    private static void WriteContainer(StringBuilder sb, char open, char close, int count, int? indent, int depth, Action<int> item)
    {
        sb.Append(open);
        if (count == 0) { sb.Append(close); return; }
        for (int i = 0; i < count; i++)
        {
            if (i > 0) sb.Append(indent == null ? ", " : ",");
            if (indent != null) sb.Append('\n').Append(' ', indent.Value * (depth + 1));
            item(i);
        }
        if (indent != null) sb.Append('\n').Append(' ', indent.Value * depth);
        sb.Append(close);
    }

    private static void WriteJsonString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }

    internal static string TypeName(object? v) => v switch
    {
        null => "NoneType",
        Undefined => "Undefined",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        OrderedDictionary<string, object?> => "dict",
        JinjaNamespace => "Namespace",
        JinjaFunction => "function",
        _ => v.GetType().Name,
    };
}
