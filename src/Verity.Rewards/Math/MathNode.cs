namespace Verity.Rewards.Math;

internal enum NodeKind
{
    Number, Symbol, Text, Ellipsis,
    Add, Mul, Neg, Recip, Pow,
    Func,       // known function: sqrt, root, sin, log, abs, factorial, binom, sum, ...
    Apply,      // unknown function applied to arguments: f(x)
    Indexed,    // symbol with a variable subscript: F_{n-k-1}
    Percent, PlusMinus, Ratio,
    Relation,   // chain a op b op c
    Seq,        // bare list "1, 2, 3" (unordered unless Ordered)
    Tuple,      // bracketed list: (a,b), [a,b), (a;b;c)
    Set,        // \{a, b\}
    Union, Matrix,
}

internal enum RelOp { Eq, Lt, Le, Gt, Ge, Ne, Approx, In }

/// <summary>
/// One node of a parsed answer. A single class with a kind tag (rather than a class per kind) keeps the
/// parser and the comparer short and the allocations few; fields unused by a kind stay default.
/// </summary>
internal sealed class MathNode
{
    public NodeKind Kind;
    public MathNode[] Kids = [];
    public Rational Value;          // Number
    public bool IsDecimal;          // Number written with a decimal point or exponent
    public bool IsLiteralFraction;  // \frac{int}{int}: lets "918\frac12" read as a mixed number
    public string Name = "";        // Symbol, Text, Func, Apply, Indexed
    public char Open, Close;        // Tuple brackets
    public bool Ordered;            // Seq: a ';'-group, compared in order
    public RelOp[] Ops = [];        // Relation
    public int Rows, Cols;          // Matrix (Kids row-major)

    public static MathNode Num(Rational v, bool isDecimal) => new() { Kind = NodeKind.Number, Value = v, IsDecimal = isDecimal };
    public static MathNode Sym(string name) => new() { Kind = NodeKind.Symbol, Name = name };
    public static MathNode Txt(string text) => new() { Kind = NodeKind.Text, Name = text };
    public static MathNode Of(NodeKind kind, params MathNode[] kids) => new() { Kind = kind, Kids = kids };
    public static MathNode Fn(string name, params MathNode[] kids) => new() { Kind = NodeKind.Func, Name = name, Kids = kids };

    public bool IsCollection => Kind is NodeKind.Seq or NodeKind.Tuple or NodeKind.Set or NodeKind.Union or NodeKind.Matrix;

    /// <summary>A canonical-ish rendering for debugging, reports and symbol keys.</summary>
    public override string ToString() => Kind switch
    {
        NodeKind.Number => Value.ToString() + (IsDecimal ? "d" : ""),
        NodeKind.Symbol => Name,
        NodeKind.Text => "\"" + Name + "\"",
        NodeKind.Ellipsis => "...",
        NodeKind.Add => "(" + string.Join(" + ", Kids.Select(k => k.ToString())) + ")",
        NodeKind.Mul => "(" + string.Join(" * ", Kids.Select(k => k.ToString())) + ")",
        NodeKind.Neg => "-" + Kids[0],
        NodeKind.Recip => "1/" + Kids[0],
        NodeKind.Pow => Kids[0] + "^" + Kids[1],
        NodeKind.Func or NodeKind.Apply => Name + "(" + string.Join(", ", Kids.Select(k => k.ToString())) + ")",
        NodeKind.Indexed => Name + "_{" + Kids[0] + "}",
        NodeKind.Percent => Kids[0] + "%",
        NodeKind.PlusMinus => (Kids.Length == 2 ? Kids[0] + " ± " + Kids[1] : "±" + Kids[0]),
        NodeKind.Ratio => Kids[0] + ":" + Kids[1],
        NodeKind.Relation => RelationString(),
        NodeKind.Seq => (Ordered ? "<" : "") + string.Join(", ", Kids.Select(k => k.ToString())) + (Ordered ? ">" : ""),
        NodeKind.Tuple => Open + string.Join(", ", Kids.Select(k => k.ToString())) + Close,
        NodeKind.Set => "{" + string.Join(", ", Kids.Select(k => k.ToString())) + "}",
        NodeKind.Union => string.Join(" ∪ ", Kids.Select(k => k.ToString())),
        NodeKind.Matrix => "[" + string.Join("; ", Enumerable.Range(0, Rows).Select(r => string.Join(" ", Kids.Skip(r * Cols).Take(Cols)))) + "]",
        _ => Kind.ToString(),
    };

    private string RelationString()
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < Kids.Length; i++)
        {
            if (i > 0) sb.Append(' ').Append(Ops[i - 1] switch
            {
                RelOp.Eq => "=", RelOp.Lt => "<", RelOp.Le => "<=", RelOp.Gt => ">", RelOp.Ge => ">=",
                RelOp.Ne => "!=", RelOp.Approx => "≈", _ => "∈",
            }).Append(' ');
            sb.Append(Kids[i]);
        }
        return sb.ToString();
    }
}
