using System.Text;

namespace Verity.Hub.Templates;

/// <summary>Runtime failure inside a template (bad types, raise_exception); the message names line/column.</summary>
internal static class TemplateErrors
{
    public static InvalidDataException At(Node n, string what, string hint)
        => new($"chat template line {n.Line} column {n.Column}: {what}. HINT: {hint}.");

    public static NotSupportedException Unsupported(Node n, string kind, string name, IEnumerable<string> known)
        => new($"chat template line {n.Line} column {n.Column}: {kind} '{name}' is not supported (known: {string.Join(", ", known.Order(StringComparer.Ordinal))}). HINT: rewrite the template with a supported {kind} or extend Verity.Hub.Templates.");
}

/// <summary>Scopes: for-loop bodies and macros get a child scope; if-blocks share their parent's (as in Jinja).</summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, object?> _vars = new();

    public bool TryGet(string name, out object? value)
    {
        for (var s = this; s != null; s = s.Parent)
            if (s._vars.TryGetValue(name, out value)) return true;
        value = null;
        return false;
    }

    public void Set(string name, object? value) => _vars[name] = value;
    public Scope? Parent { get; } = parent;
}

/// <summary>The loop variable: index, index0, revindex, revindex0, first, last, length, previtem, nextitem.</summary>
internal sealed class LoopInfo(List<object?> items)
{
    public int Index0;

    public object? Get(string name) => name switch
    {
        "index" => (long)(Index0 + 1),
        "index0" => (long)Index0,
        "revindex" => (long)(items.Count - Index0),
        "revindex0" => (long)(items.Count - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == items.Count - 1,
        "length" => (long)items.Count,
        "previtem" => Index0 > 0 ? items[Index0 - 1] : Undefined.Instance,
        "nextitem" => Index0 + 1 < items.Count ? items[Index0 + 1] : Undefined.Instance,
        _ => Undefined.Instance,
    };
}

/// <summary>Executes a parsed template against a variable scope.</summary>
internal sealed partial class JinjaInterpreter
{
    private enum Flow { Normal, Break, Continue }

    private readonly StringBuilder _out = new();
    private readonly DateTime _now;

    public JinjaInterpreter(DateTime now) { _now = now; }

    public string Run(List<Node> nodes, Scope scope)
    {
        Exec(nodes, scope, _out);
        return _out.ToString();
    }

    private Flow Exec(List<Node> nodes, Scope scope, StringBuilder output)
    {
        foreach (var node in nodes)
        {
            var flow = ExecOne(node, scope, output);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow ExecOne(Node node, Scope scope, StringBuilder output)
    {
        switch (node)
        {
            case TextNode t: output.Append(t.Text); return Flow.Normal;
            case OutputNode o: output.Append(JinjaValues.Str(Eval(o.Value, scope))); return Flow.Normal;
            case IfNode i:
                foreach (var (test, body) in i.Branches)
                    if (JinjaValues.Truthy(Eval(test, scope))) return Exec(body, scope, output);
                return i.Else != null ? Exec(i.Else, scope, output) : Flow.Normal;
            case ForNode f: ExecFor(f, scope, output); return Flow.Normal;
            case SetNode s: ExecSet(s, scope); return Flow.Normal;
            case MacroNode m: scope.Set(m.Name, MakeMacro(m, scope)); return Flow.Normal;
            case BreakNode: return Flow.Break;
            case ContinueNode: return Flow.Continue;
            default: throw TemplateErrors.At(node, $"cannot execute {node.GetType().Name}", "this is a bug in Verity's template engine; please report it");
        }
    }

    private void ExecFor(ForNode f, Scope scope, StringBuilder output)
    {
        var source = Iterate(Eval(f.Iterable, scope), f);
        var loopScope = new Scope(scope);
        List<object?> items = source;
        if (f.Filter != null)
        {
            items = new List<object?>();
            foreach (var item in source)
            {
                Bind(f, loopScope, item);
                if (JinjaValues.Truthy(Eval(f.Filter, loopScope))) items.Add(item);
            }
        }
        if (items.Count == 0)
        {
            if (f.Else != null) Exec(f.Else, scope, output);
            return;
        }
        var loop = new LoopInfo(items);
        loopScope.Set("loop", loop);
        for (int i = 0; i < items.Count; i++)
        {
            loop.Index0 = i;
            Bind(f, loopScope, items[i]);
            if (Exec(f.Body, loopScope, output) == Flow.Break) break;
        }
    }

    private static void Bind(ForNode f, Scope scope, object? item)
    {
        if (f.Targets.Count == 1) { scope.Set(f.Targets[0], item); return; }
        if (item is not List<object?> tuple || tuple.Count != f.Targets.Count)
            throw TemplateErrors.At(f, $"cannot unpack {JinjaValues.TypeName(item)} into {f.Targets.Count} loop variables", "iterate over pairs, e.g. dict.items()");
        for (int k = 0; k < tuple.Count; k++) scope.Set(f.Targets[k], tuple[k]);
    }

    internal static List<object?> Iterate(object? v, Node at) => v switch
    {
        List<object?> l => l,
        OrderedDictionary<string, object?> d => d.Keys.Cast<object?>().ToList(),
        string s => s.EnumerateRunes().Select(r => (object?)r.ToString()).ToList(),
        Undefined or null => [],
        _ => throw TemplateErrors.At(at, $"{JinjaValues.TypeName(v)} is not iterable", "loop over a list, dict or string"),
    };

    private void ExecSet(SetNode s, Scope scope)
    {
        object? value;
        if (s.Body != null)
        {
            var sb = new StringBuilder();
            Exec(s.Body, scope, sb);
            value = sb.ToString();
        }
        else value = Eval(s.Value!, scope);
        switch (s.Target)
        {
            case NameExpr n: scope.Set(n.Name, value); break;
            case AttrExpr { Target: NameExpr ns } a:
                if (!scope.TryGet(ns.Name, out var obj) || obj is not JinjaNamespace space)
                    throw TemplateErrors.At(s, $"cannot set attribute '{a.Name}' on '{ns.Name}', which is not a namespace", "create it with {% set ns = namespace(...) %}");
                space.Attributes[a.Name] = value;
                break;
            case ListExpr { IsTuple: true } t:
                var parts = value as List<object?>;
                if (parts == null || parts.Count != t.Items.Count)
                    throw TemplateErrors.At(s, $"cannot unpack {JinjaValues.TypeName(value)} into {t.Items.Count} names", "assign a list or tuple of the same length");
                for (int i = 0; i < parts.Count; i++) scope.Set(((NameExpr)t.Items[i]).Name, parts[i]);
                break;
            default: throw TemplateErrors.At(s, "unsupported assignment target", "assign to a name or namespace attribute");
        }
    }

    private JinjaFunction MakeMacro(MacroNode m, Scope defining)
    {
        return new JinjaFunction(m.Name, (args, kwargs) =>
        {
            var scope = new Scope(defining);
            for (int i = 0; i < m.Parameters.Count; i++)
            {
                var (name, def) = m.Parameters[i];
                object? v = i < args.Count ? args[i] : kwargs.TryGetValue(name, out var kv) ? kv : def != null ? Eval(def, defining) : Undefined.Instance;
                scope.Set(name, v);
            }
            var sb = new StringBuilder();
            Exec(m.Body, scope, sb);
            return sb.ToString();
        });
    }

    internal object? Eval(Expr e, Scope scope)
    {
        switch (e)
        {
            case Literal l: return l.Value;
            case NameExpr n:
                if (scope.TryGet(n.Name, out var v)) return v;
                return Globals.TryGetValue(n.Name, out var g) ? g(this) : Undefined.Instance;
            case ListExpr l: return l.Items.Select(x => Eval(x, scope)).ToList();
            case DictExpr d:
                var dict = new OrderedDictionary<string, object?>();
                foreach (var (k, val) in d.Items) dict[JinjaValues.Str(Eval(k, scope))] = Eval(val, scope);
                return dict;
            case AttrExpr a: return GetAttr(Eval(a.Target, scope), a.Name, a);
            case IndexExpr i: return GetItem(Eval(i.Target, scope), Eval(i.Index, scope), i);
            case SliceExpr s: return Slice(Eval(s.Target, scope), s.Start == null ? null : Eval(s.Start, scope), s.Stop == null ? null : Eval(s.Stop, scope), s.Step == null ? null : Eval(s.Step, scope), s);
            case CallExpr c: return Call(c, scope);
            case FilterExpr f: return ApplyFilter(f, Eval(f.Target, scope), scope);
            case TestExpr t:
                bool result = ApplyTest(t, t.Target, scope);
                return t.Negated ? !result : result;
            case UnaryExpr u:
                var x = Eval(u.Operand, scope);
                return u.Op switch
                {
                    "not" => !JinjaValues.Truthy(x),
                    "-" => x switch { long l => (object)(-l), double d => -d, _ => throw TemplateErrors.At(u, $"cannot negate {JinjaValues.TypeName(x)}", "negate a number") },
                    _ => throw TemplateErrors.At(u, $"unknown operator {u.Op}", "fix the template"),
                };
            case BinaryExpr b: return Binary(b, scope);
            case CondExpr c:
                return JinjaValues.Truthy(Eval(c.Test, scope)) ? Eval(c.Then, scope) : c.Else != null ? Eval(c.Else, scope) : Undefined.Instance;
            default: throw TemplateErrors.At(e, $"cannot evaluate {e.GetType().Name}", "this is a bug in Verity's template engine");
        }
    }

    private object? Call(CallExpr c, Scope scope)
    {
        var target = Eval(c.Target, scope);
        var args = c.Args.Select(a => Eval(a, scope)).ToList();
        var kwargs = c.Kwargs.ToDictionary(k => k.Name, k => Eval(k.Value, scope));
        if (target is JinjaFunction f) return f.Invoke(args, kwargs);
        string name = c.Target switch { NameExpr n => n.Name, AttrExpr a => a.Name, _ => "expression" };
        if (target is Undefined && c.Target is AttrExpr attr)
        {
            var owner = Eval(attr.Target, scope);
            if (owner is Undefined or null)
                throw TemplateErrors.At(c, $"cannot call '{name}' on an undefined or none value", "check that the variable or key exists before calling its methods");
            throw TemplateErrors.Unsupported(c, $"method of {JinjaValues.TypeName(owner)}", name, KnownMethods(owner));
        }
        if (target is Undefined) throw TemplateErrors.Unsupported(c, "function", name, Globals.Keys);
        throw TemplateErrors.At(c, $"'{name}' is a {JinjaValues.TypeName(target)}, not a function", "call only functions, macros and methods");
    }

    private object? Binary(BinaryExpr b, Scope scope)
    {
        if (b.Op == "and") { var l = Eval(b.Left, scope); return JinjaValues.Truthy(l) ? Eval(b.Right, scope) : l; }
        if (b.Op == "or") { var l = Eval(b.Left, scope); return JinjaValues.Truthy(l) ? l : Eval(b.Right, scope); }
        var a = Eval(b.Left, scope);
        var c = Eval(b.Right, scope);
        switch (b.Op)
        {
            case "==": return ValuesEqual(a, c);
            case "!=": return !ValuesEqual(a, c);
            case "<": return Compare(a, c, b) < 0;
            case "<=": return Compare(a, c, b) <= 0;
            case ">": return Compare(a, c, b) > 0;
            case ">=": return Compare(a, c, b) >= 0;
            case "in": return Contains(c, a, b);
            case "~": return JinjaValues.Str(a) + JinjaValues.Str(c);
            case "+":
                if (a is string sa && c is string sc) return sa + sc;
                if (a is List<object?> la && c is List<object?> lc) return la.Concat(lc).ToList();
                return Arith(a, c, b, (x, y) => x + y, (x, y) => x + y);
            case "-": return Arith(a, c, b, (x, y) => x - y, (x, y) => x - y);
            case "*":
                if (a is string rs && c is long n) return string.Concat(Enumerable.Repeat(rs, (int)Math.Max(0, n)));
                return Arith(a, c, b, (x, y) => x * y, (x, y) => x * y);
            case "/": return ToDouble(a, b) / ToDouble(c, b);
            case "//":
                if (a is long ia && c is long ic) return (long)Math.Floor((double)ia / ic);
                return Math.Floor(ToDouble(a, b) / ToDouble(c, b));
            case "%":
                if (a is long ma && c is long mc) return ((ma % mc) + mc) % mc;
                return Arith(a, c, b, (x, y) => ((x % y) + y) % y, (x, y) => x % y);
            case "**": return Arith(a, c, b, (x, y) => (long)Math.Pow(x, y), Math.Pow);
            default: throw TemplateErrors.At(b, $"unknown operator {b.Op}", "fix the template");
        }
    }

    private static object Arith(object? a, object? c, Node at, Func<long, long, long> ints, Func<double, double, double> doubles)
    {
        if (a is long x && c is long y) return ints(x, y);
        if (a is long or double && c is long or double) return doubles(ToDouble(a, at), ToDouble(c, at));
        throw TemplateErrors.At(at, $"unsupported operand types {JinjaValues.TypeName(a)} and {JinjaValues.TypeName(c)}", "convert with |string or |int first");
    }

    private static double ToDouble(object? v, Node at) => v switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw TemplateErrors.At(at, $"expected a number, got {JinjaValues.TypeName(v)}", "convert with |int or |float"),
    };

    internal static bool ValuesEqual(object? a, object? b)
    {
        if (a is long or double && b is long or double) return Convert.ToDouble(a) == Convert.ToDouble(b);
        return (a, b) switch
        {
            (null, null) => true,
            (Undefined, Undefined) => true,
            (bool x, bool y) => x == y,
            (string x, string y) => string.Equals(x, y, StringComparison.Ordinal),
            (List<object?> x, List<object?> y) => x.Count == y.Count && x.Zip(y).All(p => ValuesEqual(p.First, p.Second)),
            (OrderedDictionary<string, object?> x, OrderedDictionary<string, object?> y) => x.Count == y.Count && x.All(p => y.TryGetValue(p.Key, out var v) && ValuesEqual(p.Value, v)),
            _ => ReferenceEquals(a, b),
        };
    }

    internal static int Compare(object? a, object? b, Node at)
    {
        if (a is long or double or bool && b is long or double or bool) return ToDouble(a, at).CompareTo(ToDouble(b, at));
        if (a is string x && b is string y) return string.CompareOrdinal(x, y);
        throw TemplateErrors.At(at, $"cannot compare {JinjaValues.TypeName(a)} with {JinjaValues.TypeName(b)}", "compare numbers with numbers and strings with strings");
    }

    private static bool Contains(object? container, object? item, Node at) => container switch
    {
        string s => item is string sub ? s.Contains(sub, StringComparison.Ordinal) : throw TemplateErrors.At(at, $"'in <string>' needs a string on the left, got {JinjaValues.TypeName(item)}", "test substrings with strings"),
        List<object?> l => l.Any(x => ValuesEqual(x, item)),
        OrderedDictionary<string, object?> d => item is string k && d.ContainsKey(k),
        Undefined or null => false,
        _ => throw TemplateErrors.At(at, $"'in' needs a string, list or dict on the right, got {JinjaValues.TypeName(container)}", "fix the operand"),
    };

    internal object? GetAttr(object? target, string name, Node at)
    {
        switch (target)
        {
            case OrderedDictionary<string, object?> d:
                if (d.TryGetValue(name, out var v)) return v;
                return BoundMethod(target, name) ?? (object?)Undefined.Instance;
            case JinjaNamespace ns: return ns.Attributes.TryGetValue(name, out var nv) ? nv : Undefined.Instance;
            case LoopInfo loop: return loop.Get(name);
            case null or Undefined: return Undefined.Instance;  // lenient like @huggingface/jinja
            default: return BoundMethod(target, name) ?? (object?)Undefined.Instance;
        }
    }

    internal object? GetItem(object? target, object? key, Node at)
    {
        switch (target)
        {
            case OrderedDictionary<string, object?> d:
                return key is string k && d.TryGetValue(k, out var v) ? v : Undefined.Instance;
            case List<object?> l when key is long i:
                if (i < 0) i += l.Count;
                return i >= 0 && i < l.Count ? l[(int)i] : Undefined.Instance;
            case string s when key is long i:
                var runes = s.EnumerateRunes().ToList();
                if (i < 0) i += runes.Count;
                return i >= 0 && i < runes.Count ? runes[(int)i].ToString() : Undefined.Instance;
            case null or Undefined: return Undefined.Instance;
            default:
                return key is string name ? GetAttr(target, name, at) : Undefined.Instance;
        }
    }

    private static object? Slice(object? target, object? start, object? stop, object? step, Node at)
    {
        long st = step is long s ? s : 1;
        if (st == 0) throw TemplateErrors.At(at, "slice step cannot be zero", "use a non-zero step such as -1");
        List<object?> items = target switch
        {
            List<object?> l => l,
            string str => str.EnumerateRunes().Select(r => (object?)r.ToString()).ToList(),
            _ => throw TemplateErrors.At(at, $"cannot slice {JinjaValues.TypeName(target)}", "slice lists and strings"),
        };
        int n = items.Count;
        // Python slice bounds
        long Clamp(object? v, long dflt)
        {
            if (v is not long x) return dflt;
            if (x < 0) x += n;
            return st > 0 ? Math.Clamp(x, 0, n) : Math.Clamp(x, -1, n - 1);
        }
        long from = Clamp(start, st > 0 ? 0 : n - 1), to = Clamp(stop, st > 0 ? n : -1);
        var result = new List<object?>();
        for (long i = from; st > 0 ? i < to : i > to; i += st) result.Add(items[(int)i]);
        return target is string ? string.Concat(result.Select(x => (string)x!)) : result;
    }
}
