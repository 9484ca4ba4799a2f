using System.Numerics;

namespace Verity.Rewards.Math;

/// <summary>
/// An exact rational number (BigInteger numerator over a positive denominator, always reduced).
/// Exact answers (integers, fractions, factorials, finite decimals) are compared with these so that
/// 1/2004! and 1/2006! stay different, where a float comparison would call both zero.
/// </summary>
internal readonly struct Rational : IEquatable<Rational>
{
    public readonly BigInteger Num;
    public readonly BigInteger Den;

    public Rational(BigInteger num, BigInteger den)
    {
        if (den.IsZero) throw new DivideByZeroException();
        if (den.Sign < 0) { num = -num; den = -den; }
        var g = BigInteger.GreatestCommonDivisor(num, den);
        if (!g.IsOne && !g.IsZero) { num /= g; den /= g; }
        Num = num;
        Den = den.IsZero ? BigInteger.One : den;
    }

    public static Rational FromInt(BigInteger n) => new(n, BigInteger.One);
    public static readonly Rational Zero = new(BigInteger.Zero, BigInteger.One);
    public static readonly Rational One = new(BigInteger.One, BigInteger.One);

    public bool IsInteger => Den.IsOne;
    public bool IsZero => Num.IsZero;
    public int Sign => Num.Sign;
    /// <summary>Bits of the larger of numerator and denominator: the size the work budget charges for.</summary>
    public long Bits => System.Math.Max(Num.IsZero ? 0 : (long)BigInteger.Abs(Num).GetBitLength(), (long)Den.GetBitLength());

    public static Rational operator +(Rational a, Rational b) => new(a.Num * b.Den + b.Num * a.Den, a.Den * b.Den);
    public static Rational operator -(Rational a, Rational b) => new(a.Num * b.Den - b.Num * a.Den, a.Den * b.Den);
    public static Rational operator *(Rational a, Rational b) => new(a.Num * b.Num, a.Den * b.Den);
    public static Rational operator /(Rational a, Rational b) => new(a.Num * b.Den, a.Den * b.Num);
    public static Rational operator -(Rational a) => new(-a.Num, a.Den);

    public static Rational Pow(Rational a, int e)
    {
        if (e == 0) return One;
        if (e < 0) { a = new Rational(a.Den, a.Num); e = -e; }
        return new Rational(BigInteger.Pow(a.Num, e), BigInteger.Pow(a.Den, e));
    }

    /// <summary>Exact k-th root when numerator and denominator are perfect k-th powers (odd k allows negatives).</summary>
    public static bool TryRoot(Rational a, int k, out Rational root)
    {
        root = Zero;
        if (k <= 0) return false;
        if (a.Sign < 0 && k % 2 == 0) return false;
        if (!TryIntRoot(BigInteger.Abs(a.Num), k, out var n) || !TryIntRoot(a.Den, k, out var d)) return false;
        root = new Rational(a.Sign < 0 ? -n : n, d);
        return true;
    }

    private static bool TryIntRoot(BigInteger x, int k, out BigInteger r)
    {
        r = BigInteger.Zero;
        if (x.IsZero || x.IsOne) { r = x; return true; }
        if (x.GetBitLength() > 4096) return false;
        double guess = System.Math.Round(System.Math.Exp(BigInteger.Log(x) / k));
        if (double.IsInfinity(guess) || double.IsNaN(guess)) return false;
        var g = new BigInteger(guess);
        for (int delta = -1; delta <= 1; delta++)
        {
            var c = g + delta;
            if (c.Sign > 0 && BigInteger.Pow(c, k) == x) { r = c; return true; }
        }
        return false;
    }

    public double ToDouble()
    {
        if (Num.IsZero) return 0;
        long nb = (long)BigInteger.Abs(Num).GetBitLength(), db = (long)Den.GetBitLength();
        if (nb < 1000 && db < 1000) return (double)Num / (double)Den;
        double log = BigInteger.Log(BigInteger.Abs(Num)) - BigInteger.Log(Den);
        double mag = System.Math.Exp(log);
        return Num.Sign < 0 ? -mag : mag;
    }

    public bool Equals(Rational other) => Num == other.Num && Den == other.Den;
    public override bool Equals(object? obj) => obj is Rational r && Equals(r);
    public override int GetHashCode() => HashCode.Combine(Num, Den);
    public override string ToString() => Den.IsOne ? Num.ToString() : $"{Num}/{Den}";
}
