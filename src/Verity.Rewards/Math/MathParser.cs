using System.Numerics;

namespace Verity.Rewards.Math;

/// <summary>
/// Recursive-descent parser from a cleaned LaTeX / plain-math answer to a <see cref="MathNode"/> tree.
/// Scannerless (works on the string with a position) so that LaTeX's one-character arguments
/// (<c>\frac12</c>, <c>\sqrt3</c>) need no special tokens. Precedence, low to high:
/// <c>;</c>-groups, comma/"and"/"or" lists, relation chains, ratio <c>a:b</c>, <c>\cup</c>, + − ±, × ÷ and
/// implicit products, unary signs, postfix (^, !, %, units, degrees), primaries.
/// Never throws except <see cref="BudgetExceededException"/>; anything it cannot read marks the parse unclean.
/// </summary>
internal sealed class MathParser
{
    private readonly string _s;
    private int _pos;
    private readonly WorkBudget _budget;
    private readonly MathVerifyOptions _opt;
    private int _absDepth;
    private bool _dirty;

    private static readonly HashSet<string> Functions = new(StringComparer.Ordinal)
    {
        "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "ln", "log", "lg", "exp",
        "arcsec", "arccsc", "arccot", "sgn", "gcd", "lcm", "max", "min", "det",
    };

    /// <summary>Single letters read as function names when followed by "(": f(x), P(x), W(n).</summary>
    private const string FunctionLetters = "fghFGHPQWT";

    private static readonly HashSet<string> StopCommands = new(StringComparer.Ordinal)
    {
        "cdot", "times", "div", "ast", "le", "leq", "leqslant", "ge", "geq", "geqslant", "lt", "gt", "ne", "neq", "approx", "in",
        "cup", "cap", "pm", "mp", "end", "to", "rightarrow", "Rightarrow", "implies", "iff", "Longrightarrow", "longrightarrow",
        "circ", "degree", "setminus", "rfloor", "rceil", "equiv", "sim", "simeq", "cong", "mid", "rvert", "colon", "pmod", "bmod", "mod",
        "text", "quad", "qquad", "and", "or", "notin", "subset", "subseteq", "leftrightarrow",
    };

    private static readonly HashSet<string> ShortUnits = new(StringComparer.Ordinal)
    {
        "cm", "mm", "km", "kg", "mg", "ml", "mL", "ft", "yd", "mi", "oz", "lb", "hr", "pm", "am", "cc", "m", "g", "s", "h", "L", "kW", "Hz", "eV",
    };

    private MathParser(string s, MathVerifyOptions opt, WorkBudget budget) { _s = s; _opt = opt; _budget = budget; }

    /// <summary>Parses a cleaned answer; <paramref name="clean"/> is false when some of it was not understood.</summary>
    public static MathNode? Parse(string text, MathVerifyOptions opt, WorkBudget budget, out bool clean)
    {
        var p = new MathParser(text, opt, budget);
        var node = p.ParseTop();
        clean = node != null && !p._dirty && !StrayText(node, 0);
        return node;
    }

    /// <summary>Words are an answer only on their own ("odd", a list of names); inside a formula they mean prose.</summary>
    private static bool StrayText(MathNode n, int level)
    {
        if (n.Kind == NodeKind.Text) return level > 1;
        bool list = n.Kind is NodeKind.Seq or NodeKind.Set or NodeKind.Tuple;
        foreach (var k in n.Kids) if (StrayText(k, list && level <= 1 ? level + 1 : 2)) return true;
        return false;
    }

    private char Peek => _pos < _s.Length ? _s[_pos] : '\0';
    private char PeekAt(int k) => _pos + k < _s.Length ? _s[_pos + k] : '\0';

    private void SkipWs() { while (_pos < _s.Length && (_s[_pos] == ' ' || _s[_pos] == '\n' || _s[_pos] == '\t')) _pos++; }

    private MathNode? ParseTop()
    {
        var groups = new List<MathNode>();
        while (true)
        {
            var g = ParseCommaList(topLevel: true);
            if (g != null) groups.Add(g);
            SkipWs();
            if (Peek == ';') { _pos++; continue; }
            if (_pos < _s.Length)
            {
                // Unreadable leftover: note it and try to continue after it (a trailing "." or a stray bracket).
                _dirty = true;
                _pos++;
                if (groups.Count > 0 && _pos >= _s.Length) break;
                continue;
            }
            break;
        }
        if (groups.Count == 0) return null;
        if (groups.Count == 1) return groups[0];
        foreach (var g in groups) if (g.Kind == NodeKind.Seq) g.Ordered = true;
        return MathNode.Of(NodeKind.Seq, groups.ToArray());
    }

    private bool AtListEnd()
    {
        SkipWs();
        char c = Peek;
        if (c == '\0' || c == ';' || c == ')' || c == ']' || c == '}' || c == '&') return true;
        if (c == '|' && _absDepth > 0) return true;
        if (c == '\\')
        {
            char d = PeekAt(1);
            if (d == '}' || d == '\\') return true;
            if (StartsCommand("end") || StartsCommand("rfloor") || StartsCommand("rceil")) return true;
        }
        return false;
    }

    private bool TrySeparator()
    {
        SkipWs();
        if (Peek == ',') { _pos++; return true; }
        if (TryWord("and") || TryWord("or")) return true;
        return false;
    }

    /// <summary>Consumes the whole word <paramref name="w"/> (case-insensitive) if it stands here alone.</summary>
    private bool TryWord(string w)
    {
        int start = _pos;
        bool marked = Peek == LatexCleaner.WordMark;
        int p = marked ? _pos + 1 : _pos;
        while (p < _s.Length && _s[p] == ' ') p++;
        if (p + w.Length > _s.Length || string.Compare(_s, p, w, 0, w.Length, StringComparison.OrdinalIgnoreCase) != 0) return false;
        int e = p + w.Length;
        // "1orW(x)=-1": a lower-case join word glued between a non-letter and a capital still separates.
        bool glued = e < _s.Length && char.IsUpper(_s[e]) && char.IsLower(_s[p]) && (p == 0 || !char.IsLetter(_s[p - 1]));
        if (e < _s.Length && char.IsLetter(_s[e]) && !glued) return false;
        while (e < _s.Length && _s[e] == ' ') e++;
        if (marked) { if (e < _s.Length && _s[e] == LatexCleaner.WordMark) e++; else return false; }
        _pos = e;
        return start != e;
    }

    private MathNode? ParseCommaList(bool topLevel)
    {
        var items = new List<MathNode>();
        while (true)
        {
            if (TrySeparator()) continue;
            if (AtListEnd()) break;
            int before = _pos;
            var item = ParseRelation();
            if (item == null || _pos == before)
            {
                _dirty = true;
                if (_pos == before) { if (topLevel) break; _pos++; }
                continue;
            }
            items.Add(item);
            if (!TrySeparator()) break;
        }
        if (items.Count == 0) return null;
        return items.Count == 1 ? items[0] : MathNode.Of(NodeKind.Seq, items.ToArray());
    }

    /// <summary>Items inside brackets: separated by commas, semicolons, "and"/"or".</summary>
    private List<MathNode> ParseItems()
    {
        var items = new List<MathNode>();
        while (true)
        {
            SkipWs();
            if (Peek == ';') { _pos++; continue; }
            if (TrySeparator()) continue;
            if (AtListEnd()) break;
            int before = _pos;
            var item = ParseRelation();
            if (item == null || _pos == before) { _dirty = true; if (_pos == before) break; continue; }
            items.Add(item);
            SkipWs();
            if (Peek == ';') { _pos++; continue; }
            if (!TrySeparator()) break;
        }
        return items;
    }

    private MathNode? ParseRelation()
    {
        var first = ParseRatio();
        if (first == null) return null;
        List<MathNode>? parts = null;
        List<RelOp>? ops = null;
        while (TryRelOp(out var op))
        {
            var next = ParseRatio();
            if (next == null) { _dirty = true; break; }
            parts ??= [first];
            ops ??= [];
            parts.Add(next);
            ops.Add(op);
        }
        if (parts == null) return first;
        return new MathNode { Kind = NodeKind.Relation, Kids = parts.ToArray(), Ops = ops!.ToArray() };
    }

    private bool TryRelOp(out RelOp op)
    {
        SkipWs();
        op = RelOp.Eq;
        char c = Peek, d = PeekAt(1);
        if (c == '<' && d == '=') { _pos += 2; op = RelOp.Le; return true; }
        if (c == '>' && d == '=') { _pos += 2; op = RelOp.Ge; return true; }
        if (c == '!' && d == '=') { _pos += 2; op = RelOp.Ne; return true; }
        if (c == '=' && d == '=') { _pos += 2; op = RelOp.Eq; return true; }
        if (c == ':' && d == '=') { _pos += 2; op = RelOp.Eq; return true; }
        if (c == '=') { _pos++; op = RelOp.Eq; return true; }
        if (c == '<') { _pos++; op = RelOp.Lt; return true; }
        if (c == '>') { _pos++; op = RelOp.Gt; return true; }
        if (c != '\\') return false;
        string? name = PeekCommandName();
        if (name == null) return false;
        RelOp? r = name switch
        {
            "le" or "leq" or "leqslant" => RelOp.Le,
            "ge" or "geq" or "geqslant" => RelOp.Ge,
            "lt" => RelOp.Lt,
            "gt" => RelOp.Gt,
            "ne" or "neq" => RelOp.Ne,
            "approx" or "simeq" or "sim" or "cong" => RelOp.Approx,
            "in" => RelOp.In,
            "equiv" => RelOp.Eq,
            _ => null,
        };
        if (r == null) return false;
        _pos += 1 + name.Length;
        op = r.Value;
        return true;
    }

    private string? PeekCommandName()
    {
        if (Peek != '\\') return null;
        int e = _pos + 1;
        while (e < _s.Length && char.IsAsciiLetter(_s[e])) e++;
        return e == _pos + 1 ? null : _s.Substring(_pos + 1, e - _pos - 1);
    }

    private bool StartsCommand(string name)
    {
        if (Peek != '\\' || _pos + 1 + name.Length > _s.Length) return false;
        if (string.CompareOrdinal(_s, _pos + 1, name, 0, name.Length) != 0) return false;
        int e = _pos + 1 + name.Length;
        return e >= _s.Length || !char.IsAsciiLetter(_s[e]);
    }

    private bool TryCommand(string name)
    {
        SkipWs();
        if (!StartsCommand(name)) return false;
        _pos += 1 + name.Length;
        return true;
    }

    private MathNode? ParseRatio()
    {
        var a = ParseUnion();
        if (a == null) return null;
        SkipWs();
        if (Peek == ':' && PeekAt(1) != '=')
        {
            int save = _pos;
            _pos++;
            var b = ParseUnion();
            if (b == null) { _pos = save; return a; }
            return MathNode.Of(NodeKind.Ratio, a, b);
        }
        return a;
    }

    private MathNode? ParseUnion()
    {
        var a = ParseAdditive();
        if (a == null) return null;
        List<MathNode>? parts = null;
        while (TryCommand("cup"))
        {
            var b = ParseAdditive();
            if (b == null) { _dirty = true; break; }
            (parts ??= [a]).Add(b);
        }
        return parts == null ? a : MathNode.Of(NodeKind.Union, parts.ToArray());
    }

    private MathNode? ParseAdditive()
    {
        var first = ParseTerm();
        if (first == null) return null;
        List<MathNode>? terms = null;
        while (true)
        {
            SkipWs();
            char c = Peek;
            if (c == '+' || (c == '-' && PeekAt(1) != '>'))
            {
                _pos++;
                var t = ParseTerm();
                if (t == null) { _dirty = true; break; }
                (terms ??= [first]).Add(c == '-' ? MathNode.Of(NodeKind.Neg, t) : t);
            }
            else if (TryCommand("pm") || TryCommand("mp"))
            {
                var t = ParseTerm();
                if (t == null) { _dirty = true; break; }
                var left = terms == null ? first : MathNode.Of(NodeKind.Add, terms.ToArray());
                first = MathNode.Of(NodeKind.PlusMinus, left, t);
                terms = null;
            }
            else break;
        }
        return terms == null ? first : MathNode.Of(NodeKind.Add, terms.ToArray());
    }

    private MathNode? ParseTerm()
    {
        var first = ParseUnary();
        if (first == null) return null;
        List<MathNode>? factors = null;
        while (true)
        {
            SkipWs();
            char c = Peek;
            MathNode? f;
            bool recip = false;
            if (c == '*' ) { _pos++; f = ParseUnary(); }
            else if (c == '/') { _pos++; f = ParseUnary(); recip = true; }
            else if (TryCommand("cdot") || TryCommand("times") || TryCommand("ast")) f = ParseUnary();
            else if (TryCommand("div")) { f = ParseUnary(); recip = true; }
            else if (StartsImplicitFactor())
            {
                int before = _pos;
                f = ParsePostfix();
                if (f == null || _pos == before) break;
                // "12 13" is two numbers, never a product: do not let a spaced list pass as 156.
                var prev = factors == null ? first : factors[^1];
                if (f.Kind == NodeKind.Number && prev.Kind == NodeKind.Number) _dirty = true;
                // "918\frac12" is a mixed number, 918 + 1/2.
                if (f.IsLiteralFraction && factors == null && first.Kind == NodeKind.Number && first.Value.IsInteger && !first.IsDecimal)
                {
                    first = MathNode.Of(NodeKind.Add, first, f);
                    continue;
                }
            }
            else break;
            if (f == null) { _dirty = true; break; }
            if (f.Kind == NodeKind.Text || first.Kind == NodeKind.Text) _dirty = true;
            (factors ??= [first]).Add(recip ? MathNode.Of(NodeKind.Recip, f) : f);
        }
        return factors == null ? first : MathNode.Of(NodeKind.Mul, factors.ToArray());
    }

    private bool StartsImplicitFactor()
    {
        char c = Peek;
        if (c == '\0') return false;
        if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(PeekAt(1)))) return true;
        if (c == '(' || c == '{') return true;
        if (c == '|') return _absDepth == 0;
        if (c == LatexCleaner.WordMark) return !IsJoinAhead();
        if (char.IsLetter(c)) return !IsJoinAhead();
        if (c == '\\')
        {
            char d = PeekAt(1);
            if (d == '{') return true;
            var name = PeekCommandName();
            return name != null && !StopCommands.Contains(name);
        }
        return false;
    }

    private bool IsJoinAhead()
    {
        int save = _pos;
        bool join = TryWord("and") || TryWord("or");
        _pos = save;
        return join;
    }

    private MathNode? ParseUnary()
    {
        _budget.Enter();
        try
        {
            SkipWs();
            char c = Peek;
            if (c == '-') { _pos++; var x = ParseUnary(); return x == null ? null : MathNode.Of(NodeKind.Neg, x); }
            if (c == '+') { _pos++; return ParseUnary(); }
            if (TryCommand("pm") || TryCommand("mp")) { var x = ParseUnary(); return x == null ? null : MathNode.Of(NodeKind.PlusMinus, x); }
            return ParsePostfix();
        }
        finally { _budget.Leave(); }
    }

    private MathNode? ParsePostfix()
    {
        var x = ParsePrimary();
        if (x == null) return null;
        while (true)
        {
            int save = _pos;
            bool spaced = _pos < _s.Length && _s[_pos] == ' ';
            SkipWs();
            char c = Peek;
            if (c == '^')
            {
                _pos++;
                if (TryDegree()) continue;
                var e = ParseExponent();
                if (e == null) { _dirty = true; break; }
                x = MathNode.Of(NodeKind.Pow, x, e);
            }
            else if (c == '!' && PeekAt(1) != '=') { _pos++; x = MathNode.Fn("factorial", x); }
            else if (c == '%') { _pos++; x = MathNode.Of(NodeKind.Percent, x); }
            else if (c == '°') { _pos++; }
            else if (c == '\'' && x.Kind == NodeKind.Symbol) { _pos++; x = MathNode.Sym(x.Name + "'"); }
            else if (c == '_' && x.Kind == NodeKind.Number) { _pos++; x = NumberBase(x); }
            else if (StartsCommand("circ") || StartsCommand("degree")) { _pos += StartsCommand("circ") ? 5 : 7; }
            else if (c == LatexCleaner.WordMark || char.IsLetter(c))
            {
                if (!TryUnitOrPercent(ref x, spaced || c == LatexCleaner.WordMark)) { _pos = save; break; }
            }
            else { _pos = save; break; }
        }
        return x;
    }

    private bool TryDegree()
    {
        int save = _pos;
        SkipWs();
        if (TryCommand("circ")) return true;
        if (Peek == '{')
        {
            _pos++;
            SkipWs();
            if (TryCommand("circ")) { SkipWs(); if (Peek == '}') { _pos++; return true; } }
        }
        _pos = save;
        return false;
    }

    /// <summary>A word after an operand: "%"-words make a percentage, unit words are dropped.</summary>
    private bool TryUnitOrPercent(ref MathNode x, bool spaced)
    {
        int start = _pos;
        bool marked = Peek == LatexCleaner.WordMark;
        int p = marked ? _pos + 1 : _pos;
        int e = p;
        while (e < _s.Length && char.IsLetter(_s[e])) e++;
        string word = _s.Substring(p, e - p);
        if (word.Length == 0) return false;
        if (word.Equals("and", StringComparison.OrdinalIgnoreCase) || word.Equals("or", StringComparison.OrdinalIgnoreCase)) return false;
        string lower = word.ToLowerInvariant();
        if (lower is "percent" or "percentage" or "pct" or "per")
        {
            if (marked) { int close = _s.IndexOf(LatexCleaner.WordMark, p); e = close < 0 ? _s.Length : close + 1; }
            else if (lower == "per") { int q = e; while (q < _s.Length && _s[q] == ' ') q++; if (string.Compare(_s, q, "cent", 0, 4, StringComparison.OrdinalIgnoreCase) != 0) return false; e = q + 4; }
            _pos = e;
            x = MathNode.Of(NodeKind.Percent, x);
            return true;
        }
        bool nonAscii = !char.IsAscii(word[0]);
        bool unit = marked || nonAscii || (spaced && word.Length >= 3 && !Functions.Contains(word)) || ShortUnits.Contains(word) && (spaced || word.Length >= 2);
        if (!unit || !_opt.StripUnits || HasSymbol(x)) { _pos = start; return false; }
        if (marked) { int close = _s.IndexOf(LatexCleaner.WordMark, p); e = close < 0 ? _s.Length : close + 1; }
        _pos = e;
        // Further unit words and a power ("square centimeters", "cm^2").
        while (true)
        {
            int s2 = _pos;
            SkipWs();
            if (Peek == '^') { _pos++; if (ParseExponent() == null) { _pos = s2; break; } continue; }
            if (Peek == LatexCleaner.WordMark) { int close = _s.IndexOf(LatexCleaner.WordMark, _pos + 1); _pos = close < 0 ? _s.Length : close + 1; continue; }
            if (char.IsLetter(Peek) && _pos > s2 && !IsJoinAhead())
            {
                int q = _pos; while (q < _s.Length && char.IsLetter(_s[q])) q++;
                if (q - _pos >= 3 || !char.IsAscii(_s[_pos])) { _pos = q; continue; }
            }
            _pos = s2;
            break;
        }
        return true;
    }

    private static bool HasSymbol(MathNode n)
    {
        if (n.Kind is NodeKind.Symbol && n.Name is not "pi") return true;
        if (n.Kind is NodeKind.Text or NodeKind.Apply or NodeKind.Indexed) return true;
        foreach (var k in n.Kids) if (HasSymbol(k)) return true;
        return false;
    }

    private MathNode? ParseExponent()
    {
        SkipWs();
        char c = Peek;
        if (c == '{') return ParseBraceGroup();
        if (char.IsAsciiDigit(c)) return ParseNumber();
        if (c == '-') { _pos++; var x = ParseExponent(); return x == null ? null : MathNode.Of(NodeKind.Neg, x); }
        if (char.IsAsciiLetter(c)) { _pos++; return MathNode.Sym(c.ToString()); }
        if (c == '(' || c == '\\') return ParsePrimary();
        return null;
    }

    private MathNode? ParsePrimary()
    {
        SkipWs();
        if (_pos >= _s.Length) return null;
        _budget.Node();
        char c = Peek;
        if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(PeekAt(1)))) return ParseNumber();
        if (char.IsAsciiLetter(c)) return ParseLetters();
        if (char.IsLetter(c) || c == LatexCleaner.WordMark) return ParsePhrase();
        switch (c)
        {
            case '(': case '[': return ParseBracket();
            case '{': _pos++; return FinishGroup(1);
            case '|': return ParseAbs();
            case '\\': return ParseCommand();
        }
        return null;
    }

    private MathNode ParseNumber()
    {
        int start = _pos;
        while (_pos < _s.Length && char.IsAsciiDigit(_s[_pos])) _pos++;
        int intEnd = _pos;
        int fracDigits = 0;
        bool isDecimal = false;
        if (Peek == '.' && char.IsAsciiDigit(PeekAt(1)))
        {
            _pos++;
            isDecimal = true;
            while (_pos < _s.Length && char.IsAsciiDigit(_s[_pos])) { _pos++; fracDigits++; }
        }
        string digits = _s.Substring(start, intEnd - start) + (fracDigits > 0 ? _s.Substring(intEnd + 1, fracDigits) : "");
        int exp = 0;
        if ((Peek == 'e' || Peek == 'E') && (char.IsAsciiDigit(PeekAt(1)) || ((PeekAt(1) == '-' || PeekAt(1) == '+') && char.IsAsciiDigit(PeekAt(2)))))
        {
            int save = _pos;
            _pos++;
            int sign = 1;
            if (Peek == '-' || Peek == '+') { sign = Peek == '-' ? -1 : 1; _pos++; }
            int es = _pos;
            while (_pos < _s.Length && char.IsAsciiDigit(_s[_pos])) _pos++;
            if (_pos - es <= 4) { exp = sign * int.Parse(_s.AsSpan(es, _pos - es)); isDecimal = true; }
            else _pos = save;
        }
        if (digits.Length > 2000) throw new BudgetExceededException("number literal too long");
        var mant = digits.Length == 0 ? BigInteger.Zero : BigInteger.Parse(digits);
        int scale = exp - fracDigits;
        var value = scale >= 0 ? Rational.FromInt(mant * BigInteger.Pow(10, scale)) : new Rational(mant, BigInteger.Pow(10, -scale));
        return MathNode.Num(value, isDecimal);
    }

    /// <summary>"204_5": a numeral in base 5.</summary>
    private MathNode NumberBase(MathNode x)
    {
        string raw = ReadSubscriptRaw();
        if (x.IsDecimal || !x.Value.IsInteger || !int.TryParse(raw, out int b) || b < 2 || b > 36) return x;
        var digits = x.Value.Num.ToString();
        BigInteger v = 0;
        foreach (char ch in digits)
        {
            int d = ch - '0';
            if (d >= b) return x;
            v = v * b + d;
        }
        return MathNode.Num(Rational.FromInt(v), false);
    }

    private string ReadSubscriptRaw()
    {
        SkipWs();
        if (Peek == '{')
        {
            int close = LatexCleaner.MatchBrace(_s, _pos);
            if (close < 0) { _dirty = true; _pos = _s.Length; return ""; }
            string raw = _s.Substring(_pos + 1, close - _pos - 1);
            _pos = close + 1;
            return raw.Trim();
        }
        if (Peek == '\\')
        {
            var name = PeekCommandName();
            if (name != null) { _pos += 1 + name.Length; return name; }
        }
        if (_pos < _s.Length) { _pos++; return _s[_pos - 1].ToString(); }
        return "";
    }

    private MathNode? ParseLetters()
    {
        int start = _pos;
        int e = _pos;
        while (e < _s.Length && char.IsAsciiLetter(_s[e])) e++;
        string word = _s.Substring(start, e - start);
        if (Functions.Contains(word)) { _pos = e; return ParseFunction(word); }
        string lower = word.ToLowerInvariant();
        if (lower == "pi") { _pos = e; return MathNode.Sym("pi"); }
        if (lower is "inf" or "infty" or "infinity") { _pos = e; return MathNode.Sym("oo"); }
        if (lower is "and" or "or") return null;
        bool glued = start > 0 && (char.IsAsciiDigit(_s[start - 1]) || _s[start - 1] == ')' || _s[start - 1] == '}');
        if ((word.Length >= 3 && !glued) || (e < _s.Length && !char.IsAscii(_s[e]) && char.IsLetter(_s[e]))) return ParsePhrase();
        _pos = start + 1;
        return SymbolTail(word[0].ToString());
    }

    /// <summary>After a symbol name: a subscript (a_3, F_{n-1}) and a function call for f, g, P, W.</summary>
    private MathNode SymbolTail(string name)
    {
        MathNode sym = MathNode.Sym(name);
        if (Peek == '_')
        {
            _pos++;
            string raw = ReadSubscriptRaw();
            string compact = raw.Replace(" ", "").Replace("{", "").Replace("}", "");
            if (compact.All(char.IsAsciiLetterOrDigit)) sym = MathNode.Sym(name + "_" + compact);
            else
            {
                var sub = Parse(LatexCleaner.Clean(raw, _opt) ?? "", _opt, _budget, out _);
                sym = sub == null ? MathNode.Sym(name + "_" + compact) : new MathNode { Kind = NodeKind.Indexed, Name = name, Kids = [sub] };
            }
        }
        if (name.Length == 1 && FunctionLetters.Contains(name[0]) && Peek == '(')
        {
            _pos++;
            var args = ParseItems();
            SkipWs();
            if (Peek == ')') _pos++; else _dirty = true;
            return new MathNode { Kind = NodeKind.Apply, Name = sym.Name, Kids = args.ToArray() };
        }
        return sym;
    }

    /// <summary>Words ("odd", "The midpoints form a regular hexagon", a \text{…} phrase) as one text leaf.</summary>
    private MathNode? ParsePhrase()
    {
        var sb = new System.Text.StringBuilder();
        while (_pos < _s.Length)
        {
            char c = _s[_pos];
            if (c == LatexCleaner.WordMark)
            {
                int close = _s.IndexOf(LatexCleaner.WordMark, _pos + 1);
                if (close < 0) close = _s.Length;
                sb.Append(' ').Append(_s, _pos + 1, System.Math.Max(0, close - _pos - 1));
                _pos = System.Math.Min(_s.Length, close + 1);
                continue;
            }
            if (char.IsLetter(c) || c == '\'' || (c == '-' && _pos + 1 < _s.Length && char.IsLetter(_s[_pos + 1]) && sb.Length > 0))
            {
                if (sb.Length > 0 && (sb[^1] == ' ') && IsJoinAhead()) break;
                sb.Append(c);
                _pos++;
                continue;
            }
            if (c == ' ' && sb.Length > 0)
            {
                int q = _pos; while (q < _s.Length && _s[q] == ' ') q++;
                if (q < _s.Length && (char.IsLetter(_s[q]) || _s[q] == LatexCleaner.WordMark)) { _pos = q; if (IsJoinAhead()) { break; } sb.Append(' '); continue; }
            }
            break;
        }
        string text = sb.ToString().Trim();
        return text.Length == 0 ? null : MathNode.Txt(text);
    }

    private MathNode? ParseFunction(string name)
    {
        MathNode? logBase = null, power = null;
        if (name == "log" && Peek == '_') { _pos++; logBase = ParseExponent(); }
        SkipWs();
        if (Peek == '^') { _pos++; power = ParseExponent(); }
        SkipWs();
        MathNode? arg;
        MathNode[] args;
        if (Peek == '(')
        {
            _pos++;
            var items = ParseItems();
            SkipWs();
            if (Peek == ')') _pos++; else _dirty = true;
            args = items.ToArray();
            if (args.Length == 0) { _dirty = true; return MathNode.Sym(name); }
        }
        else
        {
            arg = ParsePostfix();
            if (arg == null) { _dirty = true; return MathNode.Sym(name); }
            args = [arg];
        }
        if (name == "lg") { name = "log"; logBase = MathNode.Num(Rational.FromInt(10), false); }
        var f = logBase != null ? MathNode.Fn("log", args[0], logBase) : MathNode.Fn(name, args);
        return power == null ? f : MathNode.Of(NodeKind.Pow, f, power);
    }

    private MathNode? ParseBracket()
    {
        char open = Peek;
        _pos++;
        var items = ParseItems();
        SkipWs();
        char close = Peek;
        if (close == ')' || close == ']') _pos++;
        else { _dirty = true; close = open == '(' ? ')' : ']'; }
        if (items.Count == 1) return items[0];
        return new MathNode { Kind = NodeKind.Tuple, Open = open, Close = close, Kids = items.ToArray() };
    }

    /// <summary>After an opening '{' (or '\{' when <paramref name="width"/> is 2): a group, or a bare list.</summary>
    private MathNode? FinishGroup(int width)
    {
        var items = ParseItems();
        SkipWs();
        if (width == 1 && Peek == '}') _pos++;
        else if (width == 2 && Peek == '\\' && PeekAt(1) == '}') _pos += 2;
        else _dirty = true;
        if (width == 2) return MathNode.Of(NodeKind.Set, items.ToArray());
        if (items.Count == 0) return null;
        return items.Count == 1 ? items[0] : MathNode.Of(NodeKind.Seq, items.ToArray());
    }

    private MathNode? ParseBraceGroup()
    {
        if (Peek != '{') return null;
        _pos++;
        return FinishGroup(1);
    }

    private MathNode? ParseAbs()
    {
        _pos++;
        _absDepth++;
        var inner = ParseAdditive();
        _absDepth--;
        SkipWs();
        if (Peek == '|') _pos++; else _dirty = true;
        return inner == null ? null : MathNode.Fn("abs", inner);
    }

    /// <summary>A LaTeX argument: a brace group, or one character (\frac12, \sqrt3), or one command.</summary>
    private MathNode? ParseLatexArg()
    {
        SkipWs();
        char c = Peek;
        if (c == '{') return ParseBraceGroup();
        if (char.IsAsciiDigit(c)) { _pos++; return MathNode.Num(Rational.FromInt(c - '0'), false); }
        if (char.IsAsciiLetter(c)) { _pos++; return MathNode.Sym(c.ToString()); }
        if (c == '\\') return ParseCommand();
        return null;
    }

    private MathNode? ParseCommand()
    {
        if (PeekAt(1) == '{') { _pos += 2; return FinishGroup(2); }
        if (PeekAt(1) == '|') { _pos += 2; return ParseAbsAfter(); }
        var name = PeekCommandName();
        if (name == null) return null;
        _pos += 1 + name.Length;
        switch (name)
        {
            case "frac":
            {
                var a = ParseLatexArg();
                var b = ParseLatexArg();
                if (a == null || b == null) { _dirty = true; return a; }
                var node = MathNode.Of(NodeKind.Mul, a, MathNode.Of(NodeKind.Recip, b));
                node.IsLiteralFraction = a.Kind == NodeKind.Number && b.Kind == NodeKind.Number && !a.IsDecimal && !b.IsDecimal;
                return node;
            }
            case "sqrt":
            {
                MathNode? index = null;
                SkipWs();
                if (Peek == '[')
                {
                    int close = _s.IndexOf(']', _pos);
                    if (close > _pos) { index = Parse(_s.Substring(_pos + 1, close - _pos - 1), _opt, _budget, out _); _pos = close + 1; }
                }
                var a = ParseLatexArg();
                if (a == null) { _dirty = true; return null; }
                return index == null ? MathNode.Fn("sqrt", a) : MathNode.Fn("root", a, index);
            }
            case "binom" or "choose":
            {
                var a = ParseLatexArg();
                var b = ParseLatexArg();
                if (a == null || b == null) { _dirty = true; return a; }
                return MathNode.Fn("binom", a, b);
            }
            case "pi": return MathNode.Sym("pi");
            case "infty" or "infin": return MathNode.Sym("oo");
            case "emptyset" or "varnothing" or "empty": return MathNode.Of(NodeKind.Set);
            case "ldots" or "cdots" or "dots" or "dotsc" or "dotsb" or "vdots" or "ddots": return new MathNode { Kind = NodeKind.Ellipsis };
            case "lfloor" or "lceil":
            {
                var inner = ParseAdditive();
                if (!TryCommand(name == "lfloor" ? "rfloor" : "rceil")) _dirty = true;
                return inner == null ? null : MathNode.Fn(name == "lfloor" ? "floor" : "ceil", inner);
            }
            case "lvert" or "vert" or "mid": return ParseAbsAfter();
            case "overline" or "vec" or "hat" or "bar" or "widehat" or "tilde" or "widetilde" or "overrightarrow" or "underline"
                or "dot" or "ddot" or "overleftrightarrow" or "mathring":
                return ParseLatexArg();
            case "begin": return ParseEnvironment();
            case "sum" or "prod": return ParseBigOperator(name);
            case "sin" or "cos" or "tan" or "sec" or "csc" or "cot" or "arcsin" or "arccos" or "arctan" or "sinh" or "cosh" or "tanh"
                or "ln" or "log" or "lg" or "exp" or "arcsec" or "arccsc" or "arccot" or "sgn" or "gcd" or "lcm" or "max" or "min" or "det":
                return ParseFunction(name);
            case "circ" or "degree": return null;
            default:
                if (StopCommands.Contains(name)) { _pos -= 1 + name.Length; return null; }
                return SymbolTail(name);
        }
    }

    private MathNode? ParseAbsAfter()
    {
        _absDepth++;
        var inner = ParseAdditive();
        _absDepth--;
        SkipWs();
        if (Peek == '|') _pos++;
        else if (TryCommand("rvert") || TryCommand("vert") || TryCommand("mid")) { }
        else if (Peek == '\\' && PeekAt(1) == '|') _pos += 2;
        else _dirty = true;
        return inner == null ? null : MathNode.Fn("abs", inner);
    }

    private MathNode? ParseBigOperator(string name)
    {
        MathNode? lower = null, upper = null;
        for (int k = 0; k < 2; k++)
        {
            SkipWs();
            if (Peek == '_') { _pos++; lower = ParseExponent(); }
            else if (Peek == '^') { _pos++; upper = ParseExponent(); }
        }
        var body = ParseTerm();
        if (body == null) { _dirty = true; return null; }
        return MathNode.Fn(name, lower ?? MathNode.Sym("?"), upper ?? MathNode.Sym("?"), body);
    }

    private MathNode? ParseEnvironment()
    {
        string env = ReadSubscriptRaw().Replace("*", "");
        bool matrix = env is "pmatrix" or "bmatrix" or "Bmatrix" or "vmatrix" or "Vmatrix" or "matrix" or "smallmatrix" or "array";
        if (env == "array") { SkipWs(); if (Peek == '{') ReadSubscriptRaw(); }
        var rows = new List<List<MathNode>>();
        var row = new List<MathNode>();
        while (true)
        {
            SkipWs();
            if (_pos >= _s.Length) { _dirty = true; break; }
            if (StartsCommand("end")) { _pos += 4; ReadSubscriptRaw(); if (row.Count > 0) rows.Add(row); break; }
            if (Peek == '&') { _pos++; continue; }
            if (Peek == '\\' && PeekAt(1) == '\\') { _pos += 2; if (row.Count > 0) rows.Add(row); row = []; continue; }
            int before = _pos;
            var cell = ParseCommaList(topLevel: false);
            if (cell == null || _pos == before) { _dirty = true; if (_pos == before) _pos++; continue; }
            row.Add(cell);
        }
        if (!matrix)
        {
            var all = rows.SelectMany(r => r).ToArray();
            return all.Length == 1 ? all[0] : MathNode.Of(NodeKind.Seq, all);
        }
        if (rows.Count == 0) return null;
        int cols = rows[0].Count;
        if (rows.Any(r => r.Count != cols)) { _dirty = true; return null; }
        return new MathNode { Kind = NodeKind.Matrix, Rows = rows.Count, Cols = cols, Kids = rows.SelectMany(r => r).ToArray() };
    }
}
