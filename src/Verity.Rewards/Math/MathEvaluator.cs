using System.Numerics;

namespace Verity.Rewards.Math;

/// <summary>A numeric value: a complex scalar or a complex matrix (row-major).</summary>
internal readonly struct Val
{
    public readonly Complex S;
    public readonly Complex[]? M;
    public readonly int R, C;
    public Val(Complex s) { S = s; M = null; R = C = 0; }
    public Val(Complex[] m, int r, int c) { S = default; M = m; R = r; C = c; }
    public bool IsMatrix => M != null;
    public bool IsFinite => M == null ? double.IsFinite(S.Real) && double.IsFinite(S.Imaginary) : M.All(z => double.IsFinite(z.Real) && double.IsFinite(z.Imaginary));
}

/// <summary>
/// Evaluation of answer trees. <see cref="TryExact"/> gives exact rationals for arithmetic on numbers
/// (powers, factorials, perfect roots included, bounded by the work budget); <see cref="TryNumeric"/> evaluates
/// in complex doubles with free symbols bound to pseudo-random positive values (one assignment per point, the
/// same on both sides), unknown functions f(x) bound to fixed smooth functions of their arguments.
/// </summary>
internal static class MathEvaluator
{
    public static bool TryExact(MathNode n, WorkBudget b, out Rational v, ref bool hasDecimal)
    {
        v = Rational.Zero;
        b.Step();
        switch (n.Kind)
        {
            case NodeKind.Number:
                v = n.Value;
                hasDecimal |= n.IsDecimal;
                return true;
            case NodeKind.Add:
            {
                var acc = Rational.Zero;
                foreach (var k in n.Kids) { if (!TryExact(k, b, out var x, ref hasDecimal)) return false; acc += x; if (!b.BitsOk(acc.Bits)) return false; }
                v = acc;
                return true;
            }
            case NodeKind.Mul:
            {
                var acc = Rational.One;
                foreach (var k in n.Kids) { if (!TryExact(k, b, out var x, ref hasDecimal)) return false; acc *= x; if (!b.BitsOk(acc.Bits)) return false; }
                v = acc;
                return true;
            }
            case NodeKind.Neg:
                if (!TryExact(n.Kids[0], b, out var neg, ref hasDecimal)) return false;
                v = -neg;
                return true;
            case NodeKind.Recip:
                if (!TryExact(n.Kids[0], b, out var den, ref hasDecimal) || den.IsZero) return false;
                v = Rational.One / den;
                return true;
            case NodeKind.Pow:
            {
                if (!TryExact(n.Kids[0], b, out var baseV, ref hasDecimal)) return false;
                bool expDecimal = false;
                if (!TryExact(n.Kids[1], b, out var e, ref expDecimal)) return false;
                hasDecimal |= expDecimal;
                if (BigInteger.Abs(e.Num) > 100_000 || e.Den > 64) return false;
                int p = (int)e.Num, q = (int)e.Den;
                if (baseV.IsZero) { if (p <= 0) return false; v = Rational.Zero; return true; }
                if (q != 1 && !Rational.TryRoot(baseV, q, out baseV)) return false;
                if (!b.BitsOk(baseV.Bits * System.Math.Abs((long)p))) return false;
                b.Step(System.Math.Abs(p) / 64 + 1);
                v = Rational.Pow(baseV, p);
                return true;
            }
            case NodeKind.Func:
                return TryExactFunc(n, b, out v, ref hasDecimal);
            default:
                return false;
        }
    }

    private static bool TryExactFunc(MathNode n, WorkBudget b, out Rational v, ref bool hasDecimal)
    {
        v = Rational.Zero;
        switch (n.Name)
        {
            case "sqrt":
                return TryExact(n.Kids[0], b, out var a, ref hasDecimal) && Rational.TryRoot(a, 2, out v);
            case "root":
            {
                if (!TryExact(n.Kids[0], b, out var x, ref hasDecimal)) return false;
                bool d = false;
                if (!TryExact(n.Kids[1], b, out var k, ref d) || !k.IsInteger || k.Num < 2 || k.Num > 64) return false;
                return Rational.TryRoot(x, (int)k.Num, out v);
            }
            case "abs":
                if (!TryExact(n.Kids[0], b, out var y, ref hasDecimal)) return false;
                v = y.Sign < 0 ? -y : y;
                return true;
            case "factorial":
            {
                if (!TryExact(n.Kids[0], b, out var m, ref hasDecimal) || !m.IsInteger || m.Sign < 0 || m.Num > 20_000) return false;
                int count = (int)m.Num;
                if (!b.BitsOk((long)(count * System.Math.Log2(System.Math.Max(2, count))))) return false;
                b.Step(count);
                BigInteger acc = BigInteger.One;
                for (int i = 2; i <= count; i++) acc *= i;
                v = Rational.FromInt(acc);
                return true;
            }
            case "binom":
            {
                if (!TryExact(n.Kids[0], b, out var nn, ref hasDecimal) || !TryExact(n.Kids[1], b, out var kk, ref hasDecimal)) return false;
                if (!nn.IsInteger || !kk.IsInteger || kk.Sign < 0 || nn.Num > 100_000 || kk.Num > 10_000) return false;
                if (kk.Num > nn.Num) { v = Rational.Zero; return true; }
                BigInteger acc = BigInteger.One;
                int kInt = (int)kk.Num;
                b.Step(kInt);
                for (int i = 0; i < kInt; i++) acc = acc * (nn.Num - i) / (i + 1);
                v = Rational.FromInt(acc);
                return true;
            }
            case "floor" or "ceil":
            {
                if (!TryExact(n.Kids[0], b, out var x, ref hasDecimal)) return false;
                var q = BigInteger.DivRem(x.Num, x.Den, out var r);
                if (!r.IsZero && x.Sign < 0 && n.Name == "floor") q -= 1;
                if (!r.IsZero && x.Sign > 0 && n.Name == "ceil") q += 1;
                v = Rational.FromInt(q);
                return true;
            }
            default:
                return false;
        }
    }

    /// <summary>Value of a free symbol at evaluation point <paramref name="point"/>: in [0.3, 2.7], fixed by name, point and seed.</summary>
    public static double SymbolValue(string name, int point, int seed)
    {
        ulong h = 1469598103934665603UL ^ (ulong)(uint)seed;
        foreach (char c in name) { h ^= c; h *= 1099511628211UL; }
        h ^= (ulong)(point + 1) * 0x9E3779B97F4A7C15UL;
        h ^= h >> 33; h *= 0xff51afd7ed558ccdUL; h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53UL; h ^= h >> 33;
        double u = (h >> 11) * (1.0 / (1UL << 53));
        return 0.3 + 2.4 * u;
    }

    /// <summary>Symbol bindings for one evaluation point; <see cref="Override"/> binds one key (membership tests).</summary>
    internal sealed class Env(int point, int seed)
    {
        public readonly int Point = point;
        public readonly int Seed = seed;
        /// <summary>Spread of symbol values: 1 gives [0.3, 2.7]; larger for step functions (floor, ceil) that a narrow range cannot tell apart.</summary>
        public double Scale = 1;
        public string? OverrideKey;
        public Complex Override;
        public Dictionary<string, string>? Rename;
        public Complex Lookup(string name)
        {
            if (Rename != null && Rename.TryGetValue(name, out var renamed)) name = renamed;
            if (OverrideKey != null && name == OverrideKey) return Override;
            return SymbolValue(name, Point, Seed) * Scale;
        }
    }

    public static bool TryNumeric(MathNode n, Env env, WorkBudget b, out Val v)
    {
        v = default;
        b.Step();
        b.Enter();
        try { return Numeric(n, env, b, out v); }
        finally { b.Leave(); }
    }

    private static bool Numeric(MathNode n, Env env, WorkBudget b, out Val v)
    {
        v = default;
        switch (n.Kind)
        {
            case NodeKind.Number: v = new Val(n.Value.ToDouble()); return true;
            case NodeKind.Symbol:
                switch (n.Name)
                {
                    case "pi": v = new Val(System.Math.PI); return true;
                    case "e": v = new Val(System.Math.E); return true;
                    case "i": v = new Val(Complex.ImaginaryOne); return true;
                    case "oo": return false;
                }
                v = new Val(env.Lookup(n.Name));
                return true;
            case NodeKind.Add:
            {
                if (!TryNumeric(n.Kids[0], env, b, out var acc)) return false;
                for (int k = 1; k < n.Kids.Length; k++)
                {
                    if (!TryNumeric(n.Kids[k], env, b, out var x)) return false;
                    if (!Add(acc, x, out acc)) return false;
                }
                v = acc;
                return true;
            }
            case NodeKind.Mul:
            {
                if (!TryNumeric(n.Kids[0], env, b, out var acc)) return false;
                for (int k = 1; k < n.Kids.Length; k++)
                {
                    if (!TryNumeric(n.Kids[k], env, b, out var x)) return false;
                    if (!Mul(acc, x, out acc, b)) return false;
                }
                v = acc;
                return true;
            }
            case NodeKind.Neg:
                if (!TryNumeric(n.Kids[0], env, b, out var ng)) return false;
                v = ng.IsMatrix ? new Val(ng.M!.Select(z => -z).ToArray(), ng.R, ng.C) : new Val(-ng.S);
                return true;
            case NodeKind.Recip:
                if (!TryNumeric(n.Kids[0], env, b, out var rc) || rc.IsMatrix || rc.S == Complex.Zero) return false;
                v = new Val(1.0 / rc.S);
                return true;
            case NodeKind.Pow: return Pow(n, env, b, out v);
            case NodeKind.Percent:
                if (!TryNumeric(n.Kids[0], env, b, out var pc) || pc.IsMatrix) return false;
                v = new Val(pc.S / 100.0);
                return true;
            case NodeKind.Ratio:
            {
                if (!TryNumeric(n.Kids[0], env, b, out var x) || !TryNumeric(n.Kids[1], env, b, out var y) || x.IsMatrix || y.IsMatrix || y.S == Complex.Zero) return false;
                v = new Val(x.S / y.S);
                return true;
            }
            case NodeKind.Matrix:
            {
                var cells = new Complex[n.Kids.Length];
                for (int k = 0; k < cells.Length; k++)
                {
                    if (!TryNumeric(n.Kids[k], env, b, out var x) || x.IsMatrix) return false;
                    cells[k] = x.S;
                }
                v = new Val(cells, n.Rows, n.Cols);
                return true;
            }
            case NodeKind.Apply or NodeKind.Indexed:
            {
                Complex z = 0;
                for (int k = 0; k < n.Kids.Length; k++)
                {
                    if (!TryNumeric(n.Kids[k], env, b, out var x) || x.IsMatrix) return false;
                    z += x.S * (1.0 + 0.37 * k);
                }
                string key = n.Kind == NodeKind.Apply ? "fn:" + n.Name : "ix:" + n.Name;
                if (env.OverrideKey != null && env.OverrideKey == n.ToString()) { v = new Val(env.Override); return true; }
                double c1 = SymbolValue(key, 101, 7), c2 = SymbolValue(key, 102, 7), c3 = SymbolValue(key, 103, 7);
                v = new Val(c1 + c2 * z + Complex.Sin(c3 * z) * 0.5 + z * z * 0.1 * c1);
                return true;
            }
            case NodeKind.Func: return Func(n, env, b, out v);
            default: return false;
        }
    }

    private static bool Add(Val a, Val x, out Val r)
    {
        r = default;
        if (!a.IsMatrix && !x.IsMatrix) { r = new Val(a.S + x.S); return true; }
        if (a.IsMatrix && x.IsMatrix && a.R == x.R && a.C == x.C)
        {
            var m = new Complex[a.M!.Length];
            for (int i = 0; i < m.Length; i++) m[i] = a.M[i] + x.M![i];
            r = new Val(m, a.R, a.C);
            return true;
        }
        return false;
    }

    private static bool Mul(Val a, Val x, out Val r, WorkBudget b)
    {
        r = default;
        if (!a.IsMatrix && !x.IsMatrix) { r = new Val(a.S * x.S); return true; }
        if (!a.IsMatrix) { r = new Val(x.M!.Select(z => z * a.S).ToArray(), x.R, x.C); return true; }
        if (!x.IsMatrix) { r = new Val(a.M!.Select(z => z * x.S).ToArray(), a.R, a.C); return true; }
        if (a.C != x.R) return false;
        b.Step(a.R * x.C * a.C);
        var m = new Complex[a.R * x.C];
        for (int i = 0; i < a.R; i++)
            for (int j = 0; j < x.C; j++)
            {
                Complex s = 0;
                for (int k = 0; k < a.C; k++) s += a.M![i * a.C + k] * x.M![k * x.C + j];
                m[i * x.C + j] = s;
            }
        r = new Val(m, a.R, x.C);
        return true;
    }

    private static bool Pow(MathNode n, Env env, WorkBudget b, out Val v)
    {
        v = default;
        if (!TryNumeric(n.Kids[0], env, b, out var baseV)) return false;
        bool dec = false;
        bool exactExp = TryExact(n.Kids[1], b, out var e, ref dec);
        if (baseV.IsMatrix)
        {
            if (!exactExp || !e.IsInteger || e.Sign <= 0 || e.Num > 64) return false;
            var acc = baseV;
            for (int k = 1; k < (int)e.Num; k++) if (!Mul(acc, baseV, out acc, b)) return false;
            v = acc;
            return true;
        }
        var z = baseV.S;
        if (exactExp && e.Den < 1000 && BigInteger.Abs(e.Num) < 1_000_000)
        {
            double p = (double)e.Num, q = (double)e.Den;
            if (e.IsInteger) { v = new Val(IntPow(z, (long)e.Num)); return true; }
            // A real negative base under an odd root takes the real root: (-8)^(2/3) = 4, as \sqrt[3]{-8}^2 does.
            if (z.Imaginary == 0 && z.Real < 0 && e.Den.IsEven == false)
            {
                double mag = System.Math.Pow(-z.Real, p / q);
                v = new Val(e.Num.IsEven ? mag : -mag);
                return true;
            }
            if (z.Imaginary == 0 && z.Real >= 0) { v = new Val(System.Math.Pow(z.Real, p / q)); return true; }
        }
        if (!TryNumeric(n.Kids[1], env, b, out var ex) || ex.IsMatrix) return false;
        if (z.Imaginary == 0 && z.Real > 0 && ex.S.Imaginary == 0) { v = new Val(System.Math.Pow(z.Real, ex.S.Real)); return true; }
        if (z == Complex.Zero) { v = new Val(ex.S.Real > 0 ? Complex.Zero : new Complex(double.NaN, 0)); return true; }
        v = new Val(Complex.Pow(z, ex.S));
        return true;
    }

    private static Complex IntPow(Complex z, long k)
    {
        if (k < 0) return 1.0 / IntPow(z, -k);
        if (z.Imaginary == 0) return System.Math.Pow(z.Real, k);
        Complex r = 1, bse = z;
        while (k > 0) { if ((k & 1) != 0) r *= bse; bse *= bse; k >>= 1; }
        return r;
    }

    private static bool Func(MathNode n, Env env, WorkBudget b, out Val v)
    {
        v = default;
        if (n.Name is "sum" or "prod") return BigOperator(n, env, b, out v);
        var args = new Complex[n.Kids.Length];
        for (int k = 0; k < args.Length; k++)
        {
            if (!TryNumeric(n.Kids[k], env, b, out var x)) return false;
            if (x.IsMatrix)
            {
                if (n.Name == "det" && x.R == x.C && x.R <= 3) { v = new Val(Det(x)); return true; }
                return false;
            }
            args[k] = x.S;
        }
        if (args.Length == 0) return false;
        Complex a = args[0];
        Complex r;
        switch (n.Name)
        {
            case "sqrt": r = a.Imaginary == 0 && a.Real >= 0 ? System.Math.Sqrt(a.Real) : Complex.Sqrt(a); break;
            case "root":
            {
                if (args.Length < 2) return false;
                double k = args[1].Real;
                if (a.Imaginary == 0 && a.Real < 0 && System.Math.Abs(k - System.Math.Round(k)) < 1e-12 && ((long)System.Math.Round(k)) % 2 != 0)
                    r = -System.Math.Pow(-a.Real, 1.0 / k);
                else r = a.Imaginary == 0 && a.Real >= 0 ? System.Math.Pow(a.Real, 1.0 / k) : Complex.Pow(a, 1.0 / args[1]);
                break;
            }
            case "sin": r = Complex.Sin(a); break;
            case "cos": r = Complex.Cos(a); break;
            case "tan": r = Complex.Tan(a); break;
            case "sec": r = 1.0 / Complex.Cos(a); break;
            case "csc": r = 1.0 / Complex.Sin(a); break;
            case "cot": r = 1.0 / Complex.Tan(a); break;
            case "arcsin": r = Complex.Asin(a); break;
            case "arccos": r = Complex.Acos(a); break;
            case "arctan": r = Complex.Atan(a); break;
            case "arcsec": r = Complex.Acos(1.0 / a); break;
            case "arccsc": r = Complex.Asin(1.0 / a); break;
            case "arccot": r = Complex.Atan(1.0 / a); break;
            case "sinh": r = Complex.Sinh(a); break;
            case "cosh": r = Complex.Cosh(a); break;
            case "tanh": r = Complex.Tanh(a); break;
            case "exp": r = Complex.Exp(a); break;
            case "ln": r = Complex.Log(a); break;
            case "log": r = args.Length > 1 ? Complex.Log(a) / Complex.Log(args[1]) : Complex.Log(a); break;
            case "abs": r = Complex.Abs(a); break;
            case "sgn": r = System.Math.Sign(a.Real); break;
            case "floor": r = System.Math.Floor(a.Real); break;
            case "ceil": r = System.Math.Ceiling(a.Real); break;
            case "max": r = args.Max(z => z.Real); break;
            case "min": r = args.Min(z => z.Real); break;
            case "factorial":
            {
                double x = a.Real;
                if (a.Imaginary != 0 || x < 0 || x > 170 || System.Math.Abs(x - System.Math.Round(x)) > 1e-9) return false;
                double f = 1;
                for (int k = 2; k <= (int)System.Math.Round(x); k++) f *= k;
                r = f;
                break;
            }
            case "binom":
            {
                if (args.Length < 2) return false;
                double nn = a.Real, kk = args[1].Real;
                if (kk < 0 || kk > 1000 || System.Math.Abs(kk - System.Math.Round(kk)) > 1e-9) return false;
                double acc = 1;
                for (int k = 0; k < (int)System.Math.Round(kk); k++) acc = acc * (nn - k) / (k + 1);
                r = acc;
                break;
            }
            default: return false;
        }
        v = new Val(r);
        return true;
    }

    private static Complex Det(Val m)
    {
        var a = m.M!;
        return m.R switch
        {
            1 => a[0],
            2 => a[0] * a[3] - a[1] * a[2],
            _ => a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6]),
        };
    }

    /// <summary>\sum_{k=a}^{b} body with integer bounds (at most 1000 terms); otherwise not evaluable.</summary>
    private static bool BigOperator(MathNode n, Env env, WorkBudget b, out Val v)
    {
        v = default;
        var lower = n.Kids[0];
        if (lower.Kind != NodeKind.Relation || lower.Kids.Length != 2 || lower.Kids[0].Kind != NodeKind.Symbol) return false;
        if (!TryNumeric(lower.Kids[1], env, b, out var lo) || !TryNumeric(n.Kids[1], env, b, out var hi) || lo.IsMatrix || hi.IsMatrix) return false;
        double l = lo.S.Real, h = hi.S.Real;
        if (System.Math.Abs(l - System.Math.Round(l)) > 1e-9 || System.Math.Abs(h - System.Math.Round(h)) > 1e-9 || h - l > 1000) return false;
        string var = lower.Kids[0].Name;
        Complex acc = n.Name == "sum" ? 0 : 1;
        var inner = new Env(env.Point, env.Seed) { OverrideKey = var, Rename = env.Rename };
        for (long k = (long)System.Math.Round(l); k <= (long)System.Math.Round(h); k++)
        {
            inner.Override = k;
            if (!TryNumeric(n.Kids[2], inner, b, out var t) || t.IsMatrix) return false;
            acc = n.Name == "sum" ? acc + t.S : acc * t.S;
        }
        v = new Val(acc);
        return true;
    }
}
