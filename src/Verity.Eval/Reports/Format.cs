using System.Globalization;
using System.Net;

namespace Verity.Eval.Reports;

/// <summary>Number and text formatting shared by the report's charts and tables.</summary>
internal static class Format
{
    /// <summary>Short, culture-free: 4 significant digits, no exponent for everyday magnitudes.</summary>
    public static string Number(double v)
    {
        if (double.IsNaN(v)) return "–";
        if (double.IsInfinity(v)) return v > 0 ? "∞" : "-∞";
        double a = Math.Abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e7)) return v.ToString("0.###e0", CultureInfo.InvariantCulture);
        return Math.Round(v, 4).ToString("0.####", CultureInfo.InvariantCulture) switch { "-0" => "0", var s => s };
    }

    /// <summary>SVG coordinates: fixed two decimals, invariant culture.</summary>
    public static string Coord(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Escapes text for HTML element content and quoted attribute values (&lt; &gt; &amp; " ').</summary>
    public static string Html(string s) => WebUtility.HtmlEncode(s);
}
