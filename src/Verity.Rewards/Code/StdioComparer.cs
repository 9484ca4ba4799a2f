using System.Globalization;

namespace Verity.Rewards.Code;

/// <summary>
/// Compares a program's stdout with the expected output the LiveCodeBench way: trailing whitespace of every line
/// and trailing empty lines are ignored; lines that differ as text still match when their whitespace-separated
/// tokens are equal as decimals ("1.0" = "1", so no float rounding at 5e16). Opt-in: a float tolerance
/// (absolute or relative) and case-insensitive tokens (YES/yes).
/// </summary>
public sealed record StdioComparer(double? FloatTolerance = null, bool IgnoreCase = false)
{
    public bool Equivalent(string actual, string expected)
    {
        var a = Lines(actual);
        var e = Lines(expected);
        if (a.Count != e.Count) return false;
        for (int i = 0; i < a.Count; i++)
            if (!LineEquals(a[i], e[i])) return false;
        return true;
    }

    private static List<string> Lines(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        return lines;
    }

    private bool LineEquals(string a, string e)
    {
        if (string.Equals(a, e, IgnoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal)) return true;
        var ta = a.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var te = e.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (ta.Length != te.Length) return false;
        for (int i = 0; i < ta.Length; i++)
            if (!TokenEquals(ta[i], te[i])) return false;
        return true;
    }

    private bool TokenEquals(string a, string e)
    {
        if (string.Equals(a, e, IgnoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal)) return true;
        if (decimal.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var da)
            && decimal.TryParse(e, NumberStyles.Float, CultureInfo.InvariantCulture, out var de)
            && da == de) return true;
        if (FloatTolerance is double tol
            && double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var fa)
            && double.TryParse(e, NumberStyles.Float, CultureInfo.InvariantCulture, out var fe))
            return System.Math.Abs(fa - fe) <= tol * System.Math.Max(1.0, System.Math.Abs(fe));
        return false;
    }
}
