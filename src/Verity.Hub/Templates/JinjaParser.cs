namespace Verity.Hub.Templates;

/// <summary>
/// Recursive-descent parser for the Jinja subset chat templates use. Precedence, lowest first (as in
/// Jinja2): if-else, or, and, not, comparisons/in/is, + -, ~, * / // %, **, unary -, then postfix
/// (. [] () | filters, is tests).
/// </summary>
internal sealed class JinjaParser
{
    private readonly List<Tok> _t;
    private int _p;

    private JinjaParser(List<Tok> tokens) { _t = tokens; }

    public static List<Node> Parse(string source)
    {
        var parser = new JinjaParser(JinjaLexer.Tokenize(source));
        var body = parser.ParseBody(out string? end);
        if (end != null) throw parser.Error($"unexpected '{{% {end} %}}'", "check that every block tag is opened before it is closed");
        return body;
    }

    private Tok Peek(int k = 0) => _t[Math.Min(_p + k, _t.Count - 1)];
    private Tok Next() => _t[_p++];
    private bool IsOp(string op, int k = 0) => Peek(k).Kind == TokKind.Op && Peek(k).Value == op;
    private bool IsName(string name, int k = 0) => Peek(k).Kind == TokKind.Name && Peek(k).Value == name;

    private FormatException Error(string what, string hint)
    {
        var t = Peek();
        return new FormatException($"chat template line {t.Line} column {t.Column}: {what}. HINT: {hint}.");
    }

    private void Expect(TokKind kind, string? value = null)
    {
        var t = Peek();
        if (t.Kind != kind || (value != null && t.Value != value))
            throw Error($"expected {(value ?? kind.ToString())} but found '{Describe(t)}'", "fix the template syntax");
        _p++;
    }

    private static string Describe(Tok t) => t.Kind switch
    {
        TokKind.Close => "end of tag",
        TokKind.End => "end of template",
        TokKind.Text => "text",
        _ => t.Value,
    };

    private string ExpectName()
    {
        var t = Peek();
        if (t.Kind != TokKind.Name) throw Error($"expected a name but found '{Describe(t)}'", "fix the template syntax");
        _p++;
        return t.Value;
    }

    /// <summary>Parses nodes until an unmatched block keyword (returned in end, with the tag's opening consumed).</summary>
    private List<Node> ParseBody(out string? end, params string[] enders)
    {
        var nodes = new List<Node>();
        while (true)
        {
            var t = Peek();
            switch (t.Kind)
            {
                case TokKind.End:
                    if (enders.Length > 0) throw Error($"template ended inside a block; expected {{% {enders[^1]} %}}", "close every block");
                    end = null;
                    return nodes;
                case TokKind.Text:
                    _p++;
                    nodes.Add(new TextNode(t.Value, t.Line, t.Column));
                    break;
                case TokKind.ExprOpen:
                    _p++;
                    var e = ParseExpression();
                    Expect(TokKind.Close);
                    nodes.Add(new OutputNode(e, t.Line, t.Column));
                    break;
                case TokKind.StmtOpen:
                    var kw = Peek(1);
                    if (kw.Kind == TokKind.Name && enders.Contains(kw.Value))
                    {
                        _p += 2;
                        end = kw.Value;
                        return nodes;
                    }
                    _p++;
                    var stmt = ParseStatement(t);
                    if (stmt != null) nodes.Add(stmt);
                    break;
                default:
                    throw Error($"unexpected '{Describe(t)}'", "fix the template syntax");
            }
        }
    }

    private Node? ParseStatement(Tok open)
    {
        var kw = Peek();
        if (kw.Kind != TokKind.Name) throw Error("expected a statement keyword after '{%'", "use if, for, set, macro, break or continue");
        _p++;
        switch (kw.Value)
        {
            case "if": return ParseIf(kw);
            case "for": return ParseFor(kw);
            case "set": return ParseSet(kw);
            case "macro": return ParseMacro(kw);
            case "break": Expect(TokKind.Close); return new BreakNode(kw.Line, kw.Column);
            case "continue": Expect(TokKind.Close); return new ContinueNode(kw.Line, kw.Column);
            case "generation":
            case "endgeneration":
                Expect(TokKind.Close);  // HF training-mask markers: no output of their own
                return null;
            default:
                _p--;
                throw new NotSupportedException($"chat template line {kw.Line} column {kw.Column}: statement '{{% {kw.Value} %}}' is not supported. HINT: Verity's Jinja subset has if/elif/else, for (with loop.*, break, continue), set (incl. block set and namespace attributes), macro.");
        }
    }

    private IfNode ParseIf(Tok kw)
    {
        var branches = new List<(Expr, List<Node>)>();
        List<Node>? elseBody = null;
        var test = ParseExpression();
        Expect(TokKind.Close);
        while (true)
        {
            var body = ParseBody(out string? end, "elif", "else", "endif");
            branches.Add((test, body));
            if (end == "elif") { test = ParseExpression(); Expect(TokKind.Close); continue; }
            if (end == "else")
            {
                Expect(TokKind.Close);
                elseBody = ParseBody(out _, "endif");
            }
            Expect(TokKind.Close);
            return new IfNode(branches, elseBody, kw.Line, kw.Column);
        }
    }

    private ForNode ParseFor(Tok kw)
    {
        var targets = new List<string> { ExpectName() };
        while (IsOp(",")) { _p++; targets.Add(ExpectName()); }
        if (!IsName("in")) throw Error("expected 'in' in for loop", "write {% for x in items %}");
        _p++;
        var iterable = ParseOr();  // no if-else here: 'if' filters the loop
        Expr? filter = null;
        if (IsName("if")) { _p++; filter = ParseOr(); }
        if (IsName("recursive")) throw new NotSupportedException($"chat template line {kw.Line} column {kw.Column}: recursive for loops are not supported. HINT: unroll the recursion.");
        Expect(TokKind.Close);
        var body = ParseBody(out string? end, "else", "endfor");
        List<Node>? elseBody = null;
        if (end == "else") { Expect(TokKind.Close); elseBody = ParseBody(out _, "endfor"); }
        Expect(TokKind.Close);
        return new ForNode(targets, iterable, filter, body, elseBody, kw.Line, kw.Column);
    }

    private SetNode ParseSet(Tok kw)
    {
        var nameTok = Peek();
        Expr target = new NameExpr(ExpectName(), nameTok.Line, nameTok.Column);
        if (IsOp(".")) { _p++; target = new AttrExpr(target, ExpectName(), nameTok.Line, nameTok.Column); }
        else if (IsOp(","))
        {
            var items = new List<Expr> { target };
            while (IsOp(",")) { _p++; var t = Peek(); items.Add(new NameExpr(ExpectName(), t.Line, t.Column)); }
            target = new ListExpr(items, true, nameTok.Line, nameTok.Column);
        }
        if (Peek().Kind == TokKind.Close)
        {
            _p++;
            var body = ParseBody(out _, "endset");
            Expect(TokKind.Close);
            return new SetNode(target, null, body, kw.Line, kw.Column);
        }
        Expect(TokKind.Op, "=");
        var value = ParseTupleOrExpression();
        Expect(TokKind.Close);
        return new SetNode(target, value, null, kw.Line, kw.Column);
    }

    private MacroNode ParseMacro(Tok kw)
    {
        string name = ExpectName();
        var parameters = new List<(string, Expr?)>();
        Expect(TokKind.Op, "(");
        while (!IsOp(")"))
        {
            string p = ExpectName();
            Expr? def = null;
            if (IsOp("=")) { _p++; def = ParseExpression(); }
            parameters.Add((p, def));
            if (!IsOp(")")) Expect(TokKind.Op, ",");
        }
        _p++;
        Expect(TokKind.Close);
        var body = ParseBody(out _, "endmacro");
        Expect(TokKind.Close);
        return new MacroNode(name, parameters, body, kw.Line, kw.Column);
    }

    private Expr ParseTupleOrExpression()
    {
        var first = ParseExpression();
        if (!IsOp(",")) return first;
        var items = new List<Expr> { first };
        while (IsOp(",")) { _p++; items.Add(ParseExpression()); }
        return new ListExpr(items, true, first.Line, first.Column);
    }

    public Expr ParseExpression()
    {
        var e = ParseOr();
        if (IsName("if"))
        {
            var t = Next();
            var test = ParseOr();
            Expr? otherwise = null;
            if (IsName("else")) { _p++; otherwise = ParseExpression(); }
            return new CondExpr(test, e, otherwise, t.Line, t.Column);
        }
        return e;
    }

    private Expr ParseOr()
    {
        var e = ParseAnd();
        while (IsName("or")) { var t = Next(); e = new BinaryExpr("or", e, ParseAnd(), t.Line, t.Column); }
        return e;
    }

    private Expr ParseAnd()
    {
        var e = ParseNot();
        while (IsName("and")) { var t = Next(); e = new BinaryExpr("and", e, ParseNot(), t.Line, t.Column); }
        return e;
    }

    private Expr ParseNot()
    {
        if (IsName("not")) { var t = Next(); return new UnaryExpr("not", ParseNot(), t.Line, t.Column); }
        return ParseCompare();
    }

    private static readonly string[] CompareOps = ["==", "!=", "<", "<=", ">", ">="];

    private Expr ParseCompare()
    {
        var e = ParseAdd();
        while (true)
        {
            var t = Peek();
            if (t.Kind == TokKind.Op && CompareOps.Contains(t.Value)) { _p++; e = new BinaryExpr(t.Value, e, ParseAdd(), t.Line, t.Column); }
            else if (IsName("in")) { _p++; e = new BinaryExpr("in", e, ParseAdd(), t.Line, t.Column); }
            else if (IsName("not") && IsName("in", 1)) { _p += 2; e = new UnaryExpr("not", new BinaryExpr("in", e, ParseAdd(), t.Line, t.Column), t.Line, t.Column); }
            else return e;
        }
    }

    private Expr ParseAdd()
    {
        var e = ParseConcat();
        while (IsOp("+") || IsOp("-")) { var t = Next(); e = new BinaryExpr(t.Value, e, ParseConcat(), t.Line, t.Column); }
        return e;
    }

    private Expr ParseConcat()
    {
        var e = ParseMul();
        while (IsOp("~")) { var t = Next(); e = new BinaryExpr("~", e, ParseMul(), t.Line, t.Column); }
        return e;
    }

    private Expr ParseMul()
    {
        var e = ParsePow();
        while (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%")) { var t = Next(); e = new BinaryExpr(t.Value, e, ParsePow(), t.Line, t.Column); }
        return e;
    }

    private Expr ParsePow()
    {
        var e = ParseUnary();
        while (IsOp("**")) { var t = Next(); e = new BinaryExpr("**", e, ParseUnary(), t.Line, t.Column); }
        return e;
    }

    /// <summary>As Jinja2: '-x|f' is (-x)|f — filters and tests apply after unary minus.</summary>
    private Expr ParseUnary(bool withFilters = true)
    {
        Expr e;
        if (IsOp("-")) { var t = Next(); e = new UnaryExpr("-", ParseUnary(false), t.Line, t.Column); }
        else if (IsOp("+")) { _p++; e = ParseUnary(false); }
        else e = ParsePostfix(ParsePrimary());
        return withFilters ? ParseFiltersAndTests(e) : e;
    }

    private Expr ParsePrimary()
    {
        var t = Next();
        switch (t.Kind)
        {
            case TokKind.String:
                string s = t.Value;
                while (Peek().Kind == TokKind.String) s += Next().Value;  // adjacent literals concatenate
                return new Literal(s, t.Line, t.Column);
            case TokKind.Int: return new Literal(long.Parse(t.Value, System.Globalization.CultureInfo.InvariantCulture), t.Line, t.Column);
            case TokKind.Float: return new Literal(double.Parse(t.Value, System.Globalization.CultureInfo.InvariantCulture), t.Line, t.Column);
            case TokKind.Name:
                return t.Value switch
                {
                    "true" or "True" => new Literal(true, t.Line, t.Column),
                    "false" or "False" => new Literal(false, t.Line, t.Column),
                    "none" or "None" => new Literal(null, t.Line, t.Column),
                    _ => new NameExpr(t.Value, t.Line, t.Column),
                };
            case TokKind.Op when t.Value == "(":
            {
                if (IsOp(")")) { _p++; return new ListExpr([], true, t.Line, t.Column); }
                var e = ParseExpression();
                if (IsOp(","))
                {
                    var items = new List<Expr> { e };
                    while (IsOp(",")) { _p++; if (IsOp(")")) break; items.Add(ParseExpression()); }
                    e = new ListExpr(items, true, t.Line, t.Column);
                }
                Expect(TokKind.Op, ")");
                return e;
            }
            case TokKind.Op when t.Value == "[":
            {
                var items = new List<Expr>();
                while (!IsOp("]")) { items.Add(ParseExpression()); if (!IsOp("]")) Expect(TokKind.Op, ","); }
                _p++;
                return new ListExpr(items, false, t.Line, t.Column);
            }
            case TokKind.Op when t.Value == "{":
            {
                var items = new List<(Expr, Expr)>();
                while (!IsOp("}"))
                {
                    var k = ParseExpression();
                    Expect(TokKind.Op, ":");
                    items.Add((k, ParseExpression()));
                    if (!IsOp("}")) Expect(TokKind.Op, ",");
                }
                _p++;
                return new DictExpr(items, t.Line, t.Column);
            }
            default:
                _p--;
                throw Error($"unexpected '{Describe(t)}' in an expression", "fix the template syntax");
        }
    }

    /// <summary>Attribute, subscript and call suffixes.</summary>
    private Expr ParsePostfix(Expr e)
    {
        while (true)
        {
            var t = Peek();
            if (IsOp("."))
            {
                _p++;
                var name = Peek();
                if (name.Kind == TokKind.Int) { _p++; e = new IndexExpr(e, new Literal(long.Parse(name.Value), name.Line, name.Column), t.Line, t.Column); }
                else e = new AttrExpr(e, ExpectName(), t.Line, t.Column);
            }
            else if (IsOp("[")) { _p++; e = ParseSubscript(e, t); }
            else if (IsOp("(")) { _p++; var (args, kwargs) = ParseArgs(); e = new CallExpr(e, args, kwargs, t.Line, t.Column); }
            else return e;
        }
    }

    /// <summary>'| filter(args)' and 'is [not] test(args)' chains; a filter result may take postfix again.</summary>
    private Expr ParseFiltersAndTests(Expr e)
    {
        while (true)
        {
            var t = Peek();
            if (IsOp("|"))
            {
                _p++;
                string name = ExpectName();
                List<Expr> args = [];
                List<(string, Expr)> kwargs = [];
                if (IsOp("(")) { _p++; (args, kwargs) = ParseArgs(); }
                e = ParsePostfix(new FilterExpr(e, name, args, kwargs, t.Line, t.Column));
            }
            else if (IsName("is"))
            {
                _p++;
                bool negated = false;
                if (IsName("not")) { _p++; negated = true; }
                var nameTok = Next();
                string name = nameTok.Value;  // a name, or the literal words none/true/false, or '=='
                var args = new List<Expr>();
                if (IsOp("(")) { _p++; args = ParseArgs().Args; }
                else if (Peek().Kind is TokKind.String or TokKind.Int or TokKind.Float) args.Add(ParsePrimary());
                e = new TestExpr(e, name, negated, args, t.Line, t.Column);
            }
            else return e;
        }
    }

    private Expr ParseSubscript(Expr target, Tok t)
    {
        Expr? start = null, stop = null, step = null;
        if (!IsOp(":")) start = ParseExpression();
        if (IsOp("]")) { _p++; return new IndexExpr(target, start!, t.Line, t.Column); }
        Expect(TokKind.Op, ":");
        if (!IsOp(":") && !IsOp("]")) stop = ParseExpression();
        if (IsOp(":")) { _p++; if (!IsOp("]")) step = ParseExpression(); }
        Expect(TokKind.Op, "]");
        return new SliceExpr(target, start, stop, step, t.Line, t.Column);
    }

    private (List<Expr> Args, List<(string, Expr)> Kwargs) ParseArgs()
    {
        var args = new List<Expr>();
        var kwargs = new List<(string, Expr)>();
        while (!IsOp(")"))
        {
            if (Peek().Kind == TokKind.Name && IsOp("=", 1)) { string n = Next().Value; _p++; kwargs.Add((n, ParseExpression())); }
            else args.Add(ParseExpression());
            if (!IsOp(")")) Expect(TokKind.Op, ",");
        }
        _p++;
        return (args, kwargs);
    }
}
