using System.Globalization;
using System.Text.RegularExpressions;

namespace Verity.Eval.Tests;

/// <summary>Reads back the charts of a rendered report (the markup is ours, so regular expressions suffice).</summary>
internal static partial class ReportMarkup
{
    public sealed record Line(string Run, List<(double X, double Y)> Points);

    public sealed record Chart(string Metric, List<Line> Lines, int Dots, bool NoData);

    public static List<Chart> Charts(string html)
    {
        var charts = new List<Chart>();
        foreach (Match svg in SvgPattern().Matches(html))
        {
            var lines = new List<Line>();
            foreach (Match pl in PolylinePattern().Matches(svg.Value))
            {
                var points = pl.Groups["points"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Select(p => p.Split(','))
                    .Select(xy => (double.Parse(xy[0], CultureInfo.InvariantCulture), double.Parse(xy[1], CultureInfo.InvariantCulture)))
                    .ToList();
                lines.Add(new Line(System.Net.WebUtility.HtmlDecode(pl.Groups["run"].Value), points));
            }
            charts.Add(new Chart(System.Net.WebUtility.HtmlDecode(svg.Groups["metric"].Value), lines,
                Regex.Matches(svg.Value, "<circle class=\"point\"").Count, svg.Groups["cls"].Value.Contains("nodata")));
        }
        return charts;
    }

    [GeneratedRegex("<svg class=\"(?<cls>chart[^\"]*)\" data-metric=\"(?<metric>[^\"]*)\".*?</svg>", RegexOptions.Singleline)]
    private static partial Regex SvgPattern();

    [GeneratedRegex("<polyline data-run=\"(?<run>[^\"]*)\"[^>]*points=\"(?<points>[^\"]*)\"")]
    private static partial Regex PolylinePattern();
}
