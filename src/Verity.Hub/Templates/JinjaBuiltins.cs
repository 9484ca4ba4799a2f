using System.Globalization;
using System.Net;
using System.Text;

namespace Verity.Hub.Templates;

/// <summary>Globals, filters, tests and str/dict/list methods. Each registry's unknown-name error lists its names.</summary>
internal sealed partial class JinjaInterpreter
{
    private static readonly Dictionary<string, Func<JinjaInterpreter, object?>> Globals = new()
    {
        ["range"] = _ => new JinjaFunction("range", (a, _) =>
        {
            long start = 0, stop, step = 1;
            if (a.Count == 1) stop = (long)a[0]!;
            else { start = (long)a[0]!; stop = (long)a[1]!; if (a.Count > 2) step = (long)a[2]!; }
            var list = new List<object?>();
            for (long i = start; step > 0 ? i < stop : i > stop; i += step) list.Add(i);
            return list;
        }),
        ["namespace"] = _ => new JinjaFunction("namespace", (a, kw) =>
        {
            var ns = new JinjaNamespace();
            if (a.Count > 0 && a[0] is OrderedDictionary<string, object?> init) foreach (var p in init) ns.Attributes[p.Key] = p.Value;
            foreach (var p in kw) ns.Attributes[p.Key] = p.Value;
            return ns;
        }),
        ["dict"] = _ => new JinjaFunction("dict", (_, kw) => new OrderedDictionary<string, object?>(kw)),
        ["raise_exception"] = _ => new JinjaFunction("raise_exception", (a, _) =>
            throw new InvalidDataException($"chat template raised an error: {(a.Count > 0 ? JinjaValues.Str(a[0]) : "")}. HINT: the messages do not fit what this model's template accepts.")),
        ["strftime_now"] = it => new JinjaFunction("strftime_now", (a, _) => Strftime(it._now, a.Count > 0 ? JinjaValues.Str(a[0]) : "")),
    };

    /// <summary>Python strftime for the codes chat templates use (%d %b %Y etc.).</summary>
    private static string Strftime(DateTime t, string format)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length) { sb.Append(format[i]); continue; }
            char c = format[++i];
            sb.Append(c switch
            {
                'd' => t.ToString("dd", CultureInfo.InvariantCulture),
                'm' => t.ToString("MM", CultureInfo.InvariantCulture),
                'Y' => t.ToString("yyyy", CultureInfo.InvariantCulture),
                'y' => t.ToString("yy", CultureInfo.InvariantCulture),
                'b' => t.ToString("MMM", CultureInfo.InvariantCulture),
                'B' => t.ToString("MMMM", CultureInfo.InvariantCulture),
                'a' => t.ToString("ddd", CultureInfo.InvariantCulture),
                'A' => t.ToString("dddd", CultureInfo.InvariantCulture),
                'H' => t.ToString("HH", CultureInfo.InvariantCulture),
                'M' => t.ToString("mm", CultureInfo.InvariantCulture),
                'S' => t.ToString("ss", CultureInfo.InvariantCulture),
                'j' => t.DayOfYear.ToString("000", CultureInfo.InvariantCulture),
                '%' => "%",
                _ => "%" + c,
            });
        }
        return sb.ToString();
    }

    // ---------------- methods
    private static readonly string[] StringMethods = ["startswith", "endswith", "split", "strip", "lstrip", "rstrip", "upper", "lower", "title", "capitalize", "replace", "find", "count", "join", "splitlines", "format"];
    private static readonly string[] DictMethods = ["items", "keys", "values", "get"];
    private static readonly string[] ListMethods = ["index", "count"];

    private static IEnumerable<string> KnownMethods(object? owner) => owner switch
    {
        string => StringMethods,
        OrderedDictionary<string, object?> => DictMethods,
        List<object?> => ListMethods,
        _ => [],
    };

    private static JinjaFunction? BoundMethod(object? target, string name)
    {
        switch (target)
        {
            case string s when StringMethods.Contains(name):
                return new JinjaFunction(name, (a, kw) => StringMethod(s, name, a));
            case OrderedDictionary<string, object?> d when DictMethods.Contains(name):
                return new JinjaFunction(name, (a, _) => name switch
                {
                    "items" => Items(d),
                    "keys" => d.Keys.Cast<object?>().ToList(),
                    "values" => d.Values.ToList(),
                    _ => a.Count > 0 && a[0] is string k && d.TryGetValue(k, out var v) ? v : a.Count > 1 ? a[1] : null,
                });
            case List<object?> l when ListMethods.Contains(name):
                return new JinjaFunction(name, (a, _) => name == "index"
                    ? (object)(long)l.FindIndex(x => ValuesEqual(x, a[0]))
                    : (long)l.Count(x => ValuesEqual(x, a[0])));
            default: return null;
        }
    }

    private static List<object?> Items(OrderedDictionary<string, object?> d) => d.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList();

    private static object? StringMethod(string s, string name, List<object?> a)
    {
        string? Arg(int i) => i < a.Count && a[i] is string x ? x : null;
        switch (name)
        {
            case "startswith": return a[0] is List<object?> ps ? ps.Any(p => s.StartsWith((string)p!, StringComparison.Ordinal)) : s.StartsWith(Arg(0)!, StringComparison.Ordinal);
            case "endswith": return a[0] is List<object?> es ? es.Any(p => s.EndsWith((string)p!, StringComparison.Ordinal)) : s.EndsWith(Arg(0)!, StringComparison.Ordinal);
            case "split":
            {
                string? sep = Arg(0);
                int max = a.Count > 1 && a[1] is long m && m >= 0 ? (int)m + 1 : int.MaxValue;
                string[] parts = sep == null
                    ? s.Split((char[]?)null, max, StringSplitOptions.RemoveEmptyEntries)
                    : s.Split(sep, max, StringSplitOptions.None);
                if (sep == null && parts.Length > 0) parts[^1] = parts[^1].TrimStart();  // Python: remainder keeps no leading space
                return parts.Select(p => (object?)p).ToList();
            }
            case "strip": return Arg(0) is string c ? s.Trim(c.ToCharArray()) : s.Trim();
            case "lstrip": return Arg(0) is string lc ? s.TrimStart(lc.ToCharArray()) : s.TrimStart();
            case "rstrip": return Arg(0) is string rc ? s.TrimEnd(rc.ToCharArray()) : s.TrimEnd();
            case "upper": return s.ToUpperInvariant();
            case "lower": return s.ToLowerInvariant();
            case "title": return Title(s);
            case "capitalize": return s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();
            case "replace": return s.Replace(Arg(0)!, Arg(1)!, StringComparison.Ordinal);
            case "find": return (long)s.IndexOf(Arg(0)!, StringComparison.Ordinal);
            case "count": return (long)(Arg(0)!.Length == 0 ? s.Length + 1 : (s.Length - s.Replace(Arg(0)!, "", StringComparison.Ordinal).Length) / Arg(0)!.Length);
            case "join": return string.Join(s, ((List<object?>)a[0]!).Select(JinjaValues.Str));
            case "splitlines":
            {
                var lines = s.ReplaceLineEndings("\n").Split('\n').Select(x => (object?)x).ToList();
                if (s.EndsWith('\n') || s.EndsWith('\r')) lines.RemoveAt(lines.Count - 1);  // Python drops the empty tail
                return lines;
            }
            case "format": return FormatBraces(s, a);
            default: return null;
        }
    }

    private static string FormatBraces(string s, List<object?> a)
    {
        var sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '{' && i + 1 < s.Length && s[i + 1] == '{') { sb.Append('{'); i++; continue; }
            if (s[i] == '}' && i + 1 < s.Length && s[i + 1] == '}') { sb.Append('}'); i++; continue; }
            if (s[i] == '{')
            {
                int close = s.IndexOf('}', i);
                string field = s[(i + 1)..close];
                int idx = field.Length == 0 ? auto++ : int.Parse(field, CultureInfo.InvariantCulture);
                sb.Append(JinjaValues.Str(idx < a.Count ? a[idx] : Undefined.Instance));
                i = close;
                continue;
            }
            sb.Append(s[i]);
        }
        return sb.ToString();
    }

    private static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool prevLetter = false;
        foreach (char c in s)
        {
            sb.Append(prevLetter ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            prevLetter = char.IsLetter(c);
        }
        return sb.ToString();
    }

    // ---------------- filters
    private static readonly HashSet<string> FilterNames =
    [
        "trim", "length", "count", "tojson", "string", "lower", "upper", "title", "capitalize", "default", "d", "first", "last",
        "join", "replace", "list", "items", "reverse", "sort", "unique", "map", "select", "reject", "selectattr", "rejectattr",
        "int", "float", "abs", "round", "indent", "safe", "e", "escape", "dictsort", "sum", "min", "max", "wordcount", "batch",
    ];

    private object? ApplyFilter(FilterExpr f, object? v, Scope scope)
    {
        var a = f.Args.Select(x => Eval(x, scope)).ToList();
        var kw = f.Kwargs.ToDictionary(k => k.Name, k => Eval(k.Value, scope));
        object? Arg(int i, string name, object? dflt = null) => i < a.Count ? a[i] : kw.TryGetValue(name, out var x) ? x : dflt;
        switch (f.Name)
        {
            case "trim": return Arg(0, "chars") is string tc ? JinjaValues.Str(v).Trim(tc.ToCharArray()) : JinjaValues.Str(v).Trim();
            case "length":
            case "count":
                return v switch
                {
                    string s => (long)s.EnumerateRunes().Count(),
                    List<object?> l => (long)l.Count,
                    OrderedDictionary<string, object?> d => (long)d.Count,
                    Undefined or null => 0L,
                    _ => throw TemplateErrors.At(f, $"{JinjaValues.TypeName(v)} has no length", "use |length on strings, lists and dicts"),
                };
            case "tojson": return JinjaValues.ToJson(v, Arg(0, "indent") is long ind ? (int)ind : null);
            case "string": return JinjaValues.Str(v);
            case "lower": return JinjaValues.Str(v).ToLowerInvariant();
            case "upper": return JinjaValues.Str(v).ToUpperInvariant();
            case "title": return Title(JinjaValues.Str(v));
            case "capitalize": return StringMethod(JinjaValues.Str(v), "capitalize", []);
            case "default":
            case "d":
                bool boolean = JinjaValues.Truthy(Arg(1, "boolean", false));
                return v is Undefined || (boolean && !JinjaValues.Truthy(v)) ? Arg(0, "default_value", "") : v;
            case "first": { var l = Iterate(v, f); return l.Count > 0 ? l[0] : Undefined.Instance; }
            case "last": { var l = Iterate(v, f); return l.Count > 0 ? l[^1] : Undefined.Instance; }
            case "join":
            {
                var items = Iterate(v, f);
                if (Arg(1, "attribute") is string attr) items = items.Select(x => GetAttr(x, attr, f)).ToList();
                return string.Join(JinjaValues.Str(Arg(0, "d", "")), items.Select(JinjaValues.Str));
            }
            case "replace": return JinjaValues.Str(v).Replace(JinjaValues.Str(a[0]), JinjaValues.Str(a[1]), StringComparison.Ordinal);
            case "list": return Iterate(v, f).ToList();
            case "items": return v is OrderedDictionary<string, object?> dict ? Items(dict) : v is Undefined or null ? new List<object?>() : throw TemplateErrors.At(f, $"|items needs a dict, got {JinjaValues.TypeName(v)}", "apply it to a mapping");
            case "reverse": return v is string rs ? string.Concat(rs.EnumerateRunes().Reverse().Select(r => r.ToString())) : Enumerable.Reverse(Iterate(v, f)).ToList();
            case "sort":
            {
                var items = Iterate(v, f).ToList();
                string? attr = Arg(2, "attribute") as string;
                items.Sort((x, y) => Compare(attr == null ? x : GetAttr(x, attr, f), attr == null ? y : GetAttr(y, attr, f), f));
                if (JinjaValues.Truthy(Arg(0, "reverse", false))) items.Reverse();
                return items;
            }
            case "unique":
            {
                var result = new List<object?>();
                foreach (var x in Iterate(v, f)) if (!result.Any(r => ValuesEqual(r, x))) result.Add(x);
                return result;
            }
            case "map":
                if (kw.TryGetValue("attribute", out var mattr)) return Iterate(v, f).Select(x => GetAttr(x, JinjaValues.Str(mattr), f)).ToList();
                if (a.Count > 0 && a[0] is string fname)
                    return Iterate(v, f).Select(x => ApplyFilter(new FilterExpr(new Literal(x, f.Line, f.Column), fname, f.Args.Skip(1).ToList(), [], f.Line, f.Column), x, scope)).ToList();
                throw TemplateErrors.At(f, "|map needs attribute=... or a filter name", "write |map(attribute='name')");
            case "select":
            case "reject":
            {
                bool keep = f.Name == "select";
                string test = a.Count > 0 ? JinjaValues.Str(a[0]) : "truthy";
                return Iterate(v, f).Where(x => RunTest(f, test, x, a.Skip(1).ToList()) == keep).ToList();
            }
            case "selectattr":
            case "rejectattr":
            {
                bool keep = f.Name == "selectattr";
                string attr = JinjaValues.Str(a[0]);
                string test = a.Count > 1 ? JinjaValues.Str(a[1]) : "truthy";
                return Iterate(v, f).Where(x => RunTest(f, test, GetAttr(x, attr, f), a.Skip(2).ToList()) == keep).ToList();
            }
            case "int":
                return v switch
                {
                    long l => l,
                    double dd => (long)dd,
                    bool bb => bb ? 1L : 0L,
                    string s when long.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long p) => p,
                    string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double pd) => (long)pd,
                    _ => Arg(0, "default", 0L),
                };
            case "float":
                return v switch
                {
                    long l => (double)l,
                    double dd => dd,
                    string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double pd) => pd,
                    _ => Arg(0, "default", 0.0),
                };
            case "abs": return v switch { long l => (object)Math.Abs(l), double dd => Math.Abs(dd), _ => throw TemplateErrors.At(f, "|abs needs a number", "apply it to a number") };
            case "round":
            {
                int digits = Arg(0, "precision") is long p ? (int)p : 0;
                return Math.Round(ToDouble(v, f), digits, MidpointRounding.ToEven);
            }
            case "indent":
            {
                int width = Arg(0, "width", 4L) is long w ? (int)w : 4;
                bool first = JinjaValues.Truthy(Arg(1, "first", false));
                string pad = new(' ', width);
                var lines = JinjaValues.Str(v).Split('\n');
                for (int i = 0; i < lines.Length; i++)
                    if ((i > 0 || first) && lines[i].Length > 0) lines[i] = pad + lines[i];
                return string.Join('\n', lines);
            }
            case "safe": return v;
            case "e":
            case "escape": return WebUtility.HtmlEncode(JinjaValues.Str(v));
            case "dictsort": return v is OrderedDictionary<string, object?> dd2 ? Items(dd2).OrderBy(x => (string)((List<object?>)x!)[0]!, StringComparer.Ordinal).ToList() : throw TemplateErrors.At(f, "|dictsort needs a dict", "apply it to a mapping");
            case "sum": return Iterate(v, f).Aggregate((object?)0L, (acc, x) => Arith(acc, x, f, (p, q) => p + q, (p, q) => p + q));
            case "min": return Iterate(v, f).Aggregate((x, y) => Compare(x, y, f) <= 0 ? x : y);
            case "max": return Iterate(v, f).Aggregate((x, y) => Compare(x, y, f) >= 0 ? x : y);
            case "wordcount": return (long)JinjaValues.Str(v).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
            case "batch":
            {
                int size = (int)(long)a[0]!;
                return Iterate(v, f).Chunk(size).Select(c => (object?)c.ToList()).ToList();
            }
            default: throw TemplateErrors.Unsupported(f, "filter", f.Name, FilterNames);
        }
    }

    // ---------------- tests
    private static readonly HashSet<string> TestNames =
    [
        "defined", "undefined", "none", "string", "number", "integer", "float", "boolean", "true", "false", "mapping",
        "iterable", "sequence", "callable", "equalto", "eq", "==", "sameas", "ne", "!=", "odd", "even", "divisibleby", "in",
        "lower", "upper", "gt", "lt", "ge", "le", "truthy",
    ];

    private bool ApplyTest(TestExpr t, Expr target, Scope scope)
        => RunTest(t, t.Name, Eval(target, scope), t.Args.Select(x => Eval(x, scope)).ToList());

    private static bool RunTest(Node at, string name, object? v, List<object?> a)
    {
        switch (name)
        {
            case "defined": return v is not Undefined;
            case "undefined": return v is Undefined;
            case "none": return v is null;
            case "string": return v is string;
            case "number": return v is long or double;
            case "integer": return v is long;
            case "float": return v is double;
            case "boolean": return v is bool;
            case "true": return v is true;
            case "false": return v is false;
            case "mapping": return v is OrderedDictionary<string, object?> or JinjaNamespace;
            case "iterable": return v is string or List<object?> or OrderedDictionary<string, object?>;
            case "sequence": return v is string or List<object?> or OrderedDictionary<string, object?>;
            case "callable": return v is JinjaFunction;
            case "equalto" or "eq" or "==" or "sameas": return ValuesEqual(v, a[0]);
            case "ne" or "!=": return !ValuesEqual(v, a[0]);
            case "odd": return v is long o && o % 2 != 0;
            case "even": return v is long e && e % 2 == 0;
            case "divisibleby": return v is long x && a[0] is long y && y != 0 && x % y == 0;
            case "in": return Contains(a[0], v, at);
            case "lower": return v is string ls && ls == ls.ToLowerInvariant();
            case "upper": return v is string us && us == us.ToUpperInvariant();
            case "gt": return Compare(v, a[0], at) > 0;
            case "lt": return Compare(v, a[0], at) < 0;
            case "ge": return Compare(v, a[0], at) >= 0;
            case "le": return Compare(v, a[0], at) <= 0;
            case "truthy": return JinjaValues.Truthy(v);
            default: throw TemplateErrors.Unsupported(at, "test", name, TestNames);
        }
    }
}
