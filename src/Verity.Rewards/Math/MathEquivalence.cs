using System.Numerics;

namespace Verity.Rewards.Math;

/// <summary>
/// Decides whether a response's answer tree equals the reference's. Steps, in order: structural equality
/// (commutative sums/products as multisets); percent handling; relations (an equation with a bare-name left
/// side reduces to its right side; inequalities compare as normalized lhs−rhs up to a positive factor; a
/// reference inequality may match an interval by membership tests); collections (sets and bare lists
/// unordered, tuples/intervals ordered with their brackets, matrices cell by cell); scalars (exact rationals
/// compared exactly, decimals with a tolerance, symbolic expressions at seeded random points).
/// Not symmetric: the first argument is the reference.
/// </summary>
internal sealed class MathEquivalence(MathVerifyOptions options, WorkBudget budget)
{
    private readonly MathVerifyOptions _o = options;
    private readonly WorkBudget _b = budget;
    private Dictionary<string, string>? _rename;

    public bool Equivalent(MathNode gold, MathNode pred) => Equal(Normalize(gold, true), Normalize(pred, true));

    // ---------------------------------------------------------------- normalization

    private MathNode Normalize(MathNode n, bool top)
    {
        _b.Step();
        switch (n.Kind)
        {
            case NodeKind.Relation:
            {
                var r = CutApprox(n);
                if (r.Kind != NodeKind.Relation) return Normalize(r, top);
                if (r.Kids.Length == 2 && r.Ops[0] == RelOp.In && NameLike(r.Kids[0])) return Normalize(r.Kids[1], top);
                if (ContainsPm(r))
                {
                    var ex = ExpandPm(r);
                    if (ex.Count > 1) return MathNode.Of(NodeKind.Seq, ex.ToArray());
                }
                return r;
            }
            case NodeKind.Seq or NodeKind.Set:
            {
                if (n.Kind == NodeKind.Seq && !n.Ordered && ChunkAssignments(n) is { } chunked) return Normalize(chunked, top);
                var items = new List<MathNode>(n.Kids.Length);
                foreach (var kid in n.Kids)
                {
                    var k = Normalize(kid, false);
                    if (k.Kind == NodeKind.Relation && k.Kids.Length == 2 && k.Ops[0] is RelOp.Eq or RelOp.In && NameLike(k.Kids[0])) k = k.Kids[1];
                    if (k.Kind == NodeKind.Seq && !k.Ordered && n.Kind == NodeKind.Seq && !n.Ordered) items.AddRange(k.Kids);
                    else if (!k.IsCollection && ContainsPm(k)) items.AddRange(ExpandPm(k));
                    else items.Add(k);
                }
                return new MathNode { Kind = n.Kind, Kids = items.ToArray(), Ordered = n.Ordered };
            }
            case NodeKind.Tuple or NodeKind.Union or NodeKind.Matrix:
            {
                var kids = new MathNode[n.Kids.Length];
                for (int i = 0; i < kids.Length; i++) kids[i] = Normalize(n.Kids[i], false);
                return new MathNode { Kind = n.Kind, Kids = kids, Open = n.Open, Close = n.Close, Rows = n.Rows, Cols = n.Cols };
            }
            default:
                if (top && ContainsPm(n))
                {
                    var ex = ExpandPm(n);
                    if (ex.Count > 1) return MathNode.Of(NodeKind.Set, ex.ToArray());
                }
                return n;
        }
    }

    /// <summary>"p=5, q=2, p=7, q=2" → groups (5,2), (7,2): a repeated name starts a new solution.</summary>
    private static MathNode? ChunkAssignments(MathNode seq)
    {
        if (seq.Kids.Length < 4) return null;
        var names = new List<string>();
        foreach (var k in seq.Kids)
        {
            if (k.Kind != NodeKind.Relation || k.Kids.Length != 2 || k.Ops[0] != RelOp.Eq || !NameLike(k.Kids[0])) return null;
            names.Add(k.Kids[0].ToString());
        }
        if (names.Distinct().Count() == names.Count) return null;
        var groups = new List<MathNode>();
        var current = new List<MathNode>();
        var seen = new HashSet<string>();
        for (int i = 0; i < names.Count; i++)
        {
            if (!seen.Add(names[i]))
            {
                groups.Add(new MathNode { Kind = NodeKind.Seq, Ordered = true, Kids = current.ToArray() });
                current = [];
                seen = [names[i]];
            }
            current.Add(seq.Kids[i]);
        }
        groups.Add(new MathNode { Kind = NodeKind.Seq, Ordered = true, Kids = current.ToArray() });
        return MathNode.Of(NodeKind.Seq, groups.ToArray());
    }

    /// <summary>"x ≈ 11" → 11; "1/3 ≈ 0.33" → 1/3 (an approximation never replaces an exact value).</summary>
    private static MathNode CutApprox(MathNode r)
    {
        int k = Array.IndexOf(r.Ops, RelOp.Approx);
        if (k < 0) return r;
        if (k == 0 && NameLike(r.Kids[0]))
        {
            if (r.Kids.Length == 2) return r.Kids[1];
            return CutApprox(new MathNode { Kind = NodeKind.Relation, Kids = r.Kids[1..], Ops = r.Ops[1..] });
        }
        if (k == 0) return r.Kids[0];
        return new MathNode { Kind = NodeKind.Relation, Kids = r.Kids[..(k + 1)], Ops = r.Ops[..k] };
    }

    private static bool ContainsPm(MathNode n)
    {
        if (n.Kind == NodeKind.PlusMinus) return true;
        foreach (var k in n.Kids) if (ContainsPm(k)) return true;
        return false;
    }

    /// <summary>All sign choices of ± in a node (at most 16).</summary>
    private List<MathNode> ExpandPm(MathNode n)
    {
        _b.Step();
        if (n.Kind == NodeKind.PlusMinus)
        {
            if (n.Kids.Length == 1)
            {
                var res = new List<MathNode>();
                foreach (var x in ExpandPm(n.Kids[0])) { res.Add(x); res.Add(MathNode.Of(NodeKind.Neg, x)); }
                return res;
            }
            var outList = new List<MathNode>();
            foreach (var a in ExpandPm(n.Kids[0]))
                foreach (var b in ExpandPm(n.Kids[1]))
                {
                    outList.Add(MathNode.Of(NodeKind.Add, a, b));
                    outList.Add(MathNode.Of(NodeKind.Add, a, MathNode.Of(NodeKind.Neg, b)));
                    if (outList.Count >= 16) return outList;
                }
            return outList;
        }
        if (n.Kids.Length == 0 || !ContainsPm(n)) return [n];
        var combos = new List<MathNode[]> { new MathNode[n.Kids.Length] };
        for (int i = 0; i < n.Kids.Length; i++)
        {
            var options = ExpandPm(n.Kids[i]);
            var next = new List<MathNode[]>();
            foreach (var c in combos)
                foreach (var o in options)
                {
                    if (next.Count >= 16) break;
                    var copy = (MathNode[])c.Clone();
                    copy[i] = o;
                    next.Add(copy);
                }
            combos = next;
        }
        return combos.Select(kids => new MathNode
        {
            Kind = n.Kind, Kids = kids, Name = n.Name, Ops = n.Ops, Open = n.Open, Close = n.Close, Rows = n.Rows, Cols = n.Cols,
            Value = n.Value, IsDecimal = n.IsDecimal, Ordered = n.Ordered,
        }).ToList();
    }

    /// <summary>A left side that names the answer rather than computing it: x, a_3, f(x), |AB|, A:B, NO/BO, (p,q).</summary>
    internal static bool NameLike(MathNode n) => n.Kind switch
    {
        NodeKind.Symbol => n.Name is not ("pi" or "oo"),
        NodeKind.Text or NodeKind.Indexed or NodeKind.Apply => true,
        NodeKind.Func => n.Name == "abs" && n.Kids.Length == 1 && NameLike(n.Kids[0]),
        NodeKind.Mul or NodeKind.Recip or NodeKind.Ratio or NodeKind.Tuple => n.Kids.Length > 0 && n.Kids.All(NameLike),
        _ => false,
    };

    // ---------------------------------------------------------------- comparison

    private bool Equal(MathNode g, MathNode p)
    {
        _b.Enter();
        try
        {
            _b.Step();
            if (StructEq(g, p)) return true;
            if (g.Kind == NodeKind.Percent || p.Kind == NodeKind.Percent) return PercentEqual(g, p);
            if (g.Kind == NodeKind.Relation || p.Kind == NodeKind.Relation) return RelationCases(g, p);
            if (g.IsCollection || p.IsCollection) return CollectionEqual(g, p);
            if (g.Kind == NodeKind.Text || p.Kind == NodeKind.Text)
                return g.Kind == NodeKind.Text && p.Kind == NodeKind.Text && NormText(g.Name) == NormText(p.Name);
            if (g.Kind == NodeKind.Ellipsis || p.Kind == NodeKind.Ellipsis) return g.Kind == p.Kind;
            if (g.Kind == NodeKind.Ratio && p.Kind == NodeKind.Ratio && Equal(g.Kids[0], p.Kids[0]) && Equal(g.Kids[1], p.Kids[1])) return true;
            return ScalarEqual(g, p);
        }
        finally { _b.Leave(); }
    }

    private bool PercentEqual(MathNode g, MathNode p)
    {
        var gi = g.Kind == NodeKind.Percent ? g.Kids[0] : g;
        var pi = p.Kind == NodeKind.Percent ? p.Kids[0] : p;
        if (g.Kind == NodeKind.Percent && p.Kind == NodeKind.Percent) return Equal(gi, pi);
        if (_o.Percent != PercentMode.Fraction && Equal(gi, pi)) return true;
        if (_o.Percent == PercentMode.Ignore) return false;
        var hundred = MathNode.Num(Rational.FromInt(100), false);
        var gf = g.Kind == NodeKind.Percent ? MathNode.Of(NodeKind.Mul, gi, MathNode.Of(NodeKind.Recip, hundred)) : g;
        var pf = p.Kind == NodeKind.Percent ? MathNode.Of(NodeKind.Mul, pi, MathNode.Of(NodeKind.Recip, hundred)) : p;
        if (gf.IsCollection || pf.IsCollection || gf.Kind == NodeKind.Relation || pf.Kind == NodeKind.Relation) return false;
        return ScalarEqual(gf, pf);
    }

    private static bool AllEq(MathNode r) => r.Ops.All(o => o == RelOp.Eq);

    private static MathNode Last(MathNode r) => r.Kids[^1];

    private bool RelationCases(MathNode g, MathNode p)
    {
        bool gr = g.Kind == NodeKind.Relation, pr = p.Kind == NodeKind.Relation;
        if (gr && pr) return RelEqual(g, p);
        if (gr)
        {
            if (AllEq(g))
            {
                if (g.Kids.Length >= 3) return Equal(Last(g), p);
                return NameLike(g.Kids[0]) && Equal(g.Kids[1], p);
            }
            if (IsSetLike(p)) return MembershipEqual(g, p);
            return false;
        }
        if (AllEq(p))
        {
            if (p.Kids.Length >= 3) return Equal(g, Last(p));
            return (NameLike(p.Kids[0]) || IsConstant(p.Kids[0])) && Equal(g, p.Kids[1]);
        }
        if (_o.SetMatchesRelation && IsSetLike(g)) return MembershipEqual(p, g);
        return false;
    }

    private static bool IsSetLike(MathNode n) => n.Kind == NodeKind.Union
        || (n.Kind == NodeKind.Tuple && n.Kids.Length == 2)
        || n.Kind == NodeKind.Set;

    private bool RelEqual(MathNode g, MathNode p)
    {
        if (AllEq(g) && AllEq(p))
        {
            var g2 = g.Kids.Length > 2 ? Two(g.Kids[0], Last(g), RelOp.Eq) : g;
            var p2 = p.Kids.Length > 2 ? Two(p.Kids[0], Last(p), RelOp.Eq) : p;
            if (NameLike(g2.Kids[0]) && NameLike(p2.Kids[0]))
            {
                if (StructEq(g2.Kids[0], p2.Kids[0]) || !_o.StrictVariables) return Equal(g2.Kids[1], p2.Kids[1]);
            }
            return Proportional(g2, p2, positiveOnly: false);
        }
        if (g.Ops.Any(o => o is RelOp.Eq or RelOp.In or RelOp.Approx) || p.Ops.Any(o => o is RelOp.Eq or RelOp.In or RelOp.Approx)) return false;
        if (g.Kids.Length == 2 && p.Kids.Length == 2)
        {
            var (og, fg) = Oriented(g);
            var (op, fp) = Oriented(p);
            if (og == op && Proportional(fg, fp, positiveOnly: og != RelOp.Ne)) return true;
        }
        if (g.Kids.Length == p.Kids.Length)
        {
            if (g.Ops.SequenceEqual(p.Ops) && PartsEqual(g.Kids, p.Kids, reversed: false)) return true;
            if (g.Ops.SequenceEqual(p.Ops.Reverse().Select(Flip)) && PartsEqual(g.Kids, p.Kids, reversed: true)) return true;
        }
        return MembershipEqual(g, p);
    }

    private bool PartsEqual(MathNode[] a, MathNode[] b, bool reversed)
    {
        for (int i = 0; i < a.Length; i++) if (!Equal(a[i], b[reversed ? b.Length - 1 - i : i])) return false;
        return true;
    }

    private static RelOp Flip(RelOp o) => o switch { RelOp.Lt => RelOp.Gt, RelOp.Gt => RelOp.Lt, RelOp.Le => RelOp.Ge, RelOp.Ge => RelOp.Le, _ => o };

    private static MathNode Two(MathNode a, MathNode b, RelOp op) => new() { Kind = NodeKind.Relation, Kids = [a, b], Ops = [op] };

    /// <summary>a op b as (op', f) with op' in {&lt;, ≤, ≠} and the relation reading f op' 0.</summary>
    private static (RelOp, MathNode) Oriented(MathNode r)
    {
        var a = r.Kids[0];
        var b = r.Kids[1];
        return r.Ops[0] switch
        {
            RelOp.Gt => (RelOp.Lt, Diff(b, a)),
            RelOp.Ge => (RelOp.Le, Diff(b, a)),
            var o => (o, Diff(a, b)),
        };
    }

    private static MathNode Diff(MathNode a, MathNode b) => MathNode.Of(NodeKind.Add, a, MathNode.Of(NodeKind.Neg, b));

    private bool Proportional(MathNode g, MathNode p, bool positiveOnly)
    {
        MathNode fg = g.Kind == NodeKind.Relation ? Diff(g.Kids[0], g.Kids[1]) : g;
        MathNode fp = p.Kind == NodeKind.Relation ? Diff(p.Kids[0], p.Kids[1]) : p;
        if (HasCollection(fg) || HasCollection(fp)) return false;
        if (FreeAtoms(fg).Count == 0 && FreeAtoms(fp).Count == 0) return false;
        Complex? ratio = null;
        int valid = 0;
        for (int j = 0; j < _o.EvaluationPoints; j++)
        {
            var env = new MathEvaluator.Env(j, _o.Seed) { Rename = _rename };
            if (!MathEvaluator.TryNumeric(fg, env, _b, out var a) || !MathEvaluator.TryNumeric(fp, env, _b, out var c)) return false;
            if (a.IsMatrix || c.IsMatrix) return false;
            if (!a.IsFinite || !c.IsFinite) continue;
            double scale = System.Math.Max(Complex.Abs(a.S), Complex.Abs(c.S));
            if (Complex.Abs(a.S) <= 1e-12 * System.Math.Max(1, scale) || Complex.Abs(c.S) <= 1e-12 * System.Math.Max(1, scale))
            {
                if (Complex.Abs(a.S) <= 1e-9 && Complex.Abs(c.S) <= 1e-9) { valid++; continue; }
                return false;
            }
            var r = c.S / a.S;
            if (ratio == null) ratio = r;
            else if (Complex.Abs(r - ratio.Value) > 1e-7 * System.Math.Max(1, Complex.Abs(ratio.Value))) return false;
            valid++;
        }
        if (valid == 0 || ratio == null) return false;
        if (positiveOnly && (ratio.Value.Real <= 0 || System.Math.Abs(ratio.Value.Imaginary) > 1e-9 * Complex.Abs(ratio.Value))) return false;
        return true;
    }

    private static bool HasCollection(MathNode n)
    {
        if (n.IsCollection || n.Kind is NodeKind.Relation or NodeKind.Text or NodeKind.PlusMinus) return true;
        foreach (var k in n.Kids) if (HasCollection(k)) return true;
        return false;
    }

    // ---------------------------------------------------------------- membership (relations vs intervals)

    private readonly record struct Span(double Lo, double Hi, bool LoClosed, bool HiClosed);

    private bool MembershipEqual(MathNode rel, MathNode other)
    {
        var atoms = FreeAtoms(rel);
        if (atoms.Count != 1) return false;
        var (key, _) = atoms.First();
        List<Span>? spans = null;
        if (other.Kind == NodeKind.Relation)
        {
            var otherAtoms = FreeAtoms(other);
            if (otherAtoms.Count != 1 || (!otherAtoms.ContainsKey(key) && _o.StrictVariables)) return false;
        }
        else
        {
            spans = new List<Span>();
            if (!CollectSpans(other, spans)) return false;
        }
        var points = new List<double>();
        foreach (var s in spans ?? [])
            foreach (var x in new[] { s.Lo, s.Hi })
                if (double.IsFinite(x)) AddAround(points, x);
        CollectConstants(rel, points);
        if (other.Kind == NodeKind.Relation) CollectConstants(other, points);
        for (double t = -10.013; t <= 10; t += 0.25) points.Add(t);
        points.Add(1e6); points.Add(-1e6);
        string otherKey = other.Kind == NodeKind.Relation ? FreeAtoms(other).First().Key : key;
        foreach (var t in points)
        {
            _b.Step(4);
            bool inRel = Holds(rel, key, t);
            bool inOther = spans != null ? Contains(spans, t) : Holds(other, otherKey, t);
            if (inRel != inOther) return false;
        }
        return true;
    }

    private static void AddAround(List<double> pts, double x)
    {
        double d = 1e-6 * System.Math.Max(1, System.Math.Abs(x));
        pts.Add(x); pts.Add(x - d); pts.Add(x + d);
    }

    private void CollectConstants(MathNode n, List<double> pts)
    {
        if (pts.Count > 200) return;
        if (n.Kind == NodeKind.Number) { double v = n.Value.ToDouble(); AddAround(pts, v); AddAround(pts, -v); return; }
        if (FreeAtoms(n).Count == 0 && n.Kind is not (NodeKind.Relation or NodeKind.Symbol))
        {
            var env = new MathEvaluator.Env(0, _o.Seed);
            if (MathEvaluator.TryNumeric(n, env, _b, out var v) && !v.IsMatrix && v.IsFinite) { AddAround(pts, v.S.Real); AddAround(pts, -v.S.Real); }
            return;
        }
        foreach (var k in n.Kids) CollectConstants(k, pts);
    }

    private bool Holds(MathNode rel, string key, double t)
    {
        if (rel.Kind != NodeKind.Relation) return false;
        var env = new MathEvaluator.Env(0, _o.Seed) { OverrideKey = key, Override = t, Rename = _rename };
        var vals = new double[rel.Kids.Length];
        for (int i = 0; i < vals.Length; i++)
        {
            if (!MathEvaluator.TryNumeric(rel.Kids[i], env, _b, out var v) || v.IsMatrix || !v.IsFinite) return false;
            if (System.Math.Abs(v.S.Imaginary) > 1e-9 * System.Math.Max(1, Complex.Abs(v.S))) return false;
            vals[i] = v.S.Real;
        }
        for (int i = 0; i < rel.Ops.Length; i++)
        {
            double a = vals[i], b = vals[i + 1], d = a - b, tol = 1e-9 * System.Math.Max(1, System.Math.Max(System.Math.Abs(a), System.Math.Abs(b)));
            bool ok = rel.Ops[i] switch
            {
                RelOp.Lt => d < -tol, RelOp.Le => d <= tol, RelOp.Gt => d > tol, RelOp.Ge => d >= -tol,
                RelOp.Eq => System.Math.Abs(d) <= tol, RelOp.Ne => System.Math.Abs(d) > tol, _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }

    private static bool Contains(List<Span> spans, double t)
    {
        foreach (var s in spans)
        {
            double tolLo = 1e-9 * System.Math.Max(1, System.Math.Abs(s.Lo)), tolHi = 1e-9 * System.Math.Max(1, System.Math.Abs(s.Hi));
            bool lo = s.LoClosed ? t >= s.Lo - tolLo : t > s.Lo + tolLo;
            bool hi = s.HiClosed ? t <= s.Hi + tolHi : t < s.Hi - tolHi;
            if (lo && hi) return true;
        }
        return false;
    }

    private bool CollectSpans(MathNode n, List<Span> spans)
    {
        switch (n.Kind)
        {
            case NodeKind.Union:
                foreach (var k in n.Kids) if (!CollectSpans(k, spans)) return false;
                return true;
            case NodeKind.Tuple when n.Kids.Length == 2:
            {
                if (!Endpoint(n.Kids[0], out var lo) || !Endpoint(n.Kids[1], out var hi)) return false;
                spans.Add(new Span(lo, hi, n.Open == '[', n.Close == ']'));
                return true;
            }
            case NodeKind.Set:
                foreach (var k in n.Kids)
                {
                    if (!Endpoint(k, out var x) || !double.IsFinite(x)) return false;
                    spans.Add(new Span(x, x, true, true));
                }
                return true;
            default:
                return false;
        }
    }

    private bool Endpoint(MathNode n, out double x)
    {
        x = 0;
        if (n.Kind == NodeKind.Symbol && n.Name == "oo") { x = double.PositiveInfinity; return true; }
        if (n.Kind == NodeKind.Neg && n.Kids[0].Kind == NodeKind.Symbol && n.Kids[0].Name == "oo") { x = double.NegativeInfinity; return true; }
        if (FreeAtoms(n).Count != 0) return false;
        var env = new MathEvaluator.Env(0, _o.Seed);
        if (!MathEvaluator.TryNumeric(n, env, _b, out var v) || v.IsMatrix || !v.IsFinite || System.Math.Abs(v.S.Imaginary) > 1e-12) return false;
        x = v.S.Real;
        return true;
    }

    // ---------------------------------------------------------------- collections

    private bool CollectionEqual(MathNode g, MathNode p)
    {
        if (g.Kind == NodeKind.Matrix || p.Kind == NodeKind.Matrix) return MatrixEqual(g, p);
        if (g.Kind == NodeKind.Union || p.Kind == NodeKind.Union)
        {
            var gu = g.Kind == NodeKind.Union ? g.Kids : [g];
            var pu = p.Kind == NodeKind.Union ? p.Kids : [p];
            return Unordered(gu, pu);
        }
        if (g.Kind == NodeKind.Tuple && p.Kind == NodeKind.Tuple)
            return g.Open == p.Open && g.Close == p.Close && Ordered(g.Kids, p.Kids);
        if (g.Kind == NodeKind.Tuple || p.Kind == NodeKind.Tuple)
        {
            var other = g.Kind == NodeKind.Tuple ? p : g;
            return other.Kind is NodeKind.Seq or NodeKind.Set && Ordered(g.Kids, p.Kids);
        }
        var gl = g.IsCollection ? g.Kids : [g];
        var pl = p.IsCollection ? p.Kids : [p];
        bool ordered = (g.Ordered && p.Ordered)
            || (_o.OrderedLists && g.Kind == NodeKind.Seq && p.Kind == NodeKind.Seq)
            || gl.Any(k => k.Kind == NodeKind.Ellipsis) || pl.Any(k => k.Kind == NodeKind.Ellipsis);
        return ordered ? Ordered(gl, pl) : Unordered(gl, pl);
    }

    private bool Ordered(MathNode[] a, MathNode[] b)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++) if (!Equal(a[i], b[i])) return false;
        return true;
    }

    private bool Unordered(MathNode[] a, MathNode[] b)
    {
        if (a.Length > 256 || b.Length > 256) return false;
        var bMatched = new bool[b.Length];
        foreach (var x in a)
        {
            bool found = false;
            for (int j = 0; j < b.Length; j++)
            {
                if (Equal(x, b[j])) { bMatched[j] = true; found = true; }
            }
            if (!found) return false;
        }
        for (int j = 0; j < b.Length; j++)
        {
            if (bMatched[j]) continue;
            bool found = false;
            foreach (var x in a) if (Equal(x, b[j])) { found = true; break; }
            if (!found) return false;
        }
        return true;
    }

    private bool MatrixEqual(MathNode g, MathNode p)
    {
        if (g.Kind == NodeKind.Matrix && p.Kind == NodeKind.Matrix)
            return g.Rows == p.Rows && g.Cols == p.Cols && Ordered(g.Kids, p.Kids);
        var m = g.Kind == NodeKind.Matrix ? g : p;
        var o = g.Kind == NodeKind.Matrix ? p : g;
        if (o.Kind == NodeKind.Tuple && (m.Rows == 1 || m.Cols == 1) && o.Kids.Length == m.Kids.Length)
            return g.Kind == NodeKind.Matrix ? Ordered(m.Kids, o.Kids) : Ordered(o.Kids, m.Kids);
        if (o.IsCollection || o.Kind is NodeKind.Relation or NodeKind.Text) return false;
        // A matrix expression (sum, product, scalar multiple) against a matrix: compare values cell by cell.
        bool decimals = HasDecimal(g) || HasDecimal(p);
        for (int j = 0; j < _o.EvaluationPoints; j++)
        {
            var env = new MathEvaluator.Env(j, _o.Seed) { Rename = _rename };
            if (!MathEvaluator.TryNumeric(g, env, _b, out var a) || !MathEvaluator.TryNumeric(p, env, _b, out var c)) return false;
            if (!a.IsMatrix || !c.IsMatrix || a.R != c.R || a.C != c.C) return false;
            for (int k = 0; k < a.M!.Length; k++) if (!Close(a.M[k], c.M![k], decimals)) return false;
            if (FreeAtoms(g).Count == 0 && FreeAtoms(p).Count == 0) break;
        }
        return true;
    }

    // ---------------------------------------------------------------- scalars

    private bool ScalarEqual(MathNode g, MathNode p)
    {
        bool gd = false, pd = false;
        if (MathEvaluator.TryExact(g, _b, out var ge, ref gd) && MathEvaluator.TryExact(p, _b, out var pe, ref pd))
        {
            if (!gd && !pd) return ge.Equals(pe);
            return Close(ge.ToDouble(), pe.ToDouble(), decimals: true);
        }
        var ga = FreeAtoms(g);
        var pa = FreeAtoms(p);
        var saved = _rename;
        if (!_o.StrictVariables)
        {
            // strict=false: one free variable on each side, named differently, is the same variable (f(y) ~ f(x)).
            var gs = new HashSet<string>(); var ps = new HashSet<string>();
            Symbols(g, gs); Symbols(p, ps);
            if (gs.Count == 1 && ps.Count == 1 && !gs.SetEquals(ps)) _rename = new Dictionary<string, string> { [ps.First()] = gs.First() };
        }
        try
        {
            bool decimals = HasDecimal(g) || HasDecimal(p);
            bool steps = HasStepFunction(g) || HasStepFunction(p);
            int points = ga.Count == 0 && pa.Count == 0 ? 1 : steps ? 3 * _o.EvaluationPoints : _o.EvaluationPoints;
            int valid = 0;
            for (int j = 0; j < points; j++)
            {
                // Step functions take few values on a narrow range: spread later points wider (up to ×40).
                var env = new MathEvaluator.Env(j, _o.Seed) { Rename = _rename, Scale = steps ? 1 + j * 3 : 1 };
                if (!MathEvaluator.TryNumeric(g, env, _b, out var a) || !MathEvaluator.TryNumeric(p, env, _b, out var c)) return false;
                if (a.IsMatrix || c.IsMatrix) return false;
                if (!a.IsFinite || !c.IsFinite) continue;
                if (!Close(a.S, c.S, decimals)) return false;
                valid++;
            }
            return valid > 0;
        }
        finally { _rename = saved; }
    }

    private bool Close(Complex a, Complex b, bool decimals)
    {
        if (decimals && _o.DecimalPlaces is int places)
        {
            places = System.Math.Clamp(places, 0, 15);
            return System.Math.Round(a.Real, places) == System.Math.Round(b.Real, places)
                && System.Math.Round(a.Imaginary, places) == System.Math.Round(b.Imaginary, places);
        }
        double tol = decimals ? _o.RelativeTolerance : _o.SymbolicTolerance;
        double diff = Complex.Abs(a - b);
        double scale = System.Math.Max(Complex.Abs(a), Complex.Abs(b));
        if (diff <= tol * scale) return true;
        // Only an exact zero on one side gets an absolute floor (sin π ≈ 1e-16); 2.88e-19 ≠ 1.3e-27.
        return (a == Complex.Zero || b == Complex.Zero) && scale < 1e-12;
    }

    private bool Close(double a, double b, bool decimals) => Close(new Complex(a, 0), new Complex(b, 0), decimals);

    private bool IsConstant(MathNode n)
    {
        if (FreeAtoms(n).Count != 0 || HasCollection(n)) return false;
        var env = new MathEvaluator.Env(0, _o.Seed);
        return MathEvaluator.TryNumeric(n, env, _b, out var v) && v.IsFinite;
    }

    private static bool HasStepFunction(MathNode n)
    {
        if (n.Kind == NodeKind.Func && n.Name is "floor" or "ceil" or "sgn" or "abs" or "max" or "min") return true;
        foreach (var k in n.Kids) if (HasStepFunction(k)) return true;
        return false;
    }

    private static bool HasDecimal(MathNode n)
    {
        if (n.Kind == NodeKind.Number && n.IsDecimal) return true;
        foreach (var k in n.Kids) if (HasDecimal(k)) return true;
        return false;
    }

    private static void Symbols(MathNode n, HashSet<string> acc)
    {
        if (n.Kind == NodeKind.Symbol && n.Name is not ("pi" or "e" or "i" or "oo")) acc.Add(n.Name);
        foreach (var k in n.Kids) Symbols(k, acc);
    }

    /// <summary>Free symbols and unknown-function applications, keyed by the name the evaluator binds.</summary>
    private Dictionary<string, MathNode> FreeAtoms(MathNode n)
    {
        var d = new Dictionary<string, MathNode>(StringComparer.Ordinal);
        Collect(n, d);
        return d;

        void Collect(MathNode x, Dictionary<string, MathNode> acc)
        {
            _b.Step();
            switch (x.Kind)
            {
                case NodeKind.Symbol:
                    if (x.Name is not ("pi" or "e" or "i" or "oo")) acc[x.Name] = x;
                    return;
                case NodeKind.Apply or NodeKind.Indexed:
                    acc[x.ToString()] = x;
                    return;
                case NodeKind.Func when x.Name is "sum" or "prod":
                    return;
            }
            foreach (var k in x.Kids) Collect(k, acc);
        }
    }

    // ---------------------------------------------------------------- structure

    private static string NormText(string s)
    {
        Span<char> buf = stackalloc char[System.Math.Min(s.Length, 512)];
        int n = 0;
        foreach (char c in s)
        {
            if (n >= buf.Length) break;
            if (char.IsLetterOrDigit(c)) buf[n++] = char.ToLowerInvariant(c);
        }
        return new string(buf[..n]);
    }

    internal static bool StructEq(MathNode a, MathNode b)
    {
        if (a.Kind != b.Kind) return false;
        switch (a.Kind)
        {
            case NodeKind.Number: return a.Value.Equals(b.Value);
            case NodeKind.Symbol: return a.Name == b.Name;
            case NodeKind.Text: return NormText(a.Name) == NormText(b.Name);
            case NodeKind.Ellipsis: return true;
            case NodeKind.Add or NodeKind.Mul: return MultisetEq(a.Kids, b.Kids);
            case NodeKind.Tuple: if (a.Open != b.Open || a.Close != b.Close) return false; break;
            case NodeKind.Relation: if (!a.Ops.SequenceEqual(b.Ops)) return false; break;
            case NodeKind.Matrix: if (a.Rows != b.Rows || a.Cols != b.Cols) return false; break;
            case NodeKind.Func or NodeKind.Apply or NodeKind.Indexed: if (a.Name != b.Name) return false; break;
            case NodeKind.Seq: if (a.Ordered != b.Ordered) return false; break;
        }
        if (a.Kids.Length != b.Kids.Length) return false;
        for (int i = 0; i < a.Kids.Length; i++) if (!StructEq(a.Kids[i], b.Kids[i])) return false;
        return true;
    }

    private static bool MultisetEq(MathNode[] a, MathNode[] b)
    {
        if (a.Length != b.Length) return false;
        if (a.Length > 64) return false;
        Span<bool> used = stackalloc bool[b.Length];
        foreach (var x in a)
        {
            bool found = false;
            for (int j = 0; j < b.Length; j++)
            {
                if (!used[j] && StructEq(x, b[j])) { used[j] = true; found = true; break; }
            }
            if (!found) return false;
        }
        return true;
    }
}
