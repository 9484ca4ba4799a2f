using System.Text;

namespace Verity.Eval.Reports;

/// <summary>
/// One metric as an inline SVG line chart: step on x, value on y, one polyline per run in the run's colour.
/// A NaN (missing/null value) breaks the line; a lone point between gaps is drawn as a dot.
/// </summary>
internal static class SvgLineChart
{
    private const int Width = 380, Height = 230;
    private const int Left = 56, Right = 12, Top = 28, Bottom = 30;

    public static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];

    public static string Render(string metric, IReadOnlyList<(string Run, int Color, Series Series)> lines)
    {
        var finite = lines.SelectMany(l => l.Series.Steps.Zip(l.Series.Values)).Where(p => double.IsFinite(p.Second)).ToList();
        var sb = new StringBuilder();
        sb.Append($"<svg class=\"chart\" data-metric=\"{Format.Html(metric)}\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" aria-label=\"{Format.Html(metric)}\">");
        sb.Append($"<text class=\"title\" x=\"{Left}\" y=\"16\">{Format.Html(metric)}</text>");
        if (finite.Count == 0)
        {
            sb.Replace("<svg class=\"chart\"", "<svg class=\"chart nodata\"");
            sb.Append($"<text class=\"empty\" x=\"{Width / 2}\" y=\"{Height / 2}\" text-anchor=\"middle\">no finite values</text></svg>");
            return sb.ToString();
        }

        double xMin = finite.Min(p => p.First), xMax = finite.Max(p => p.First);
        if (xMax == xMin) (xMin, xMax) = (xMin - 1, xMax + 1);
        var (yMin, yMax, yTicks) = NiceAxis(finite.Min(p => p.Second), finite.Max(p => p.Second));
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double X(double step) => Left + (step - xMin) / (xMax - xMin) * plotW;
        double Y(double v) => Top + (yMax - v) / (yMax - yMin) * plotH;

        // Axes and grid.
        sb.Append($"<rect class=\"frame\" x=\"{Left}\" y=\"{Top}\" width=\"{Coord(plotW)}\" height=\"{Coord(plotH)}\"/>");
        foreach (double t in yTicks)
        {
            string y = Coord(Y(t));
            sb.Append($"<line class=\"grid\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{y}\" y2=\"{y}\"/>");
            sb.Append($"<text class=\"tick\" x=\"{Left - 4}\" y=\"{y}\" text-anchor=\"end\" dominant-baseline=\"middle\">{Format.Number(t)}</text>");
        }
        var (_, _, xTicks) = NiceAxis(xMin, xMax);
        foreach (double t in xTicks.Where(t => t >= xMin && t <= xMax))
            sb.Append($"<text class=\"tick\" x=\"{Coord(X(t))}\" y=\"{Height - Bottom + 14}\" text-anchor=\"middle\">{Format.Number(t)}</text>");
        sb.Append($"<text class=\"axis\" x=\"{Width - Right}\" y=\"{Height - 4}\" text-anchor=\"end\">step</text>");

        foreach (var (run, color, series) in lines)
        {
            string stroke = Palette[color % Palette.Length];
            foreach (var segment in Segments(series))
            {
                if (segment.Count == 1)
                {
                    var (s, v) = segment[0];
                    sb.Append($"<circle class=\"point\" data-run=\"{Format.Html(run)}\" cx=\"{Coord(X(s))}\" cy=\"{Coord(Y(v))}\" r=\"2.5\" fill=\"{stroke}\"><title>{Format.Html(run)} step {s}: {Format.Number(v)}</title></circle>");
                    continue;
                }
                sb.Append($"<polyline data-run=\"{Format.Html(run)}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"1.5\" points=\"");
                var drawn = Decimate(segment, X);
                for (int i = 0; i < drawn.Count; i++)
                {
                    if (i > 0) sb.Append(' ');
                    sb.Append(Coord(X(drawn[i].Step))).Append(',').Append(Coord(Y(drawn[i].Value)));
                }
                var last = segment[^1];
                sb.Append($"\"><title>{Format.Html(run)}: last {Format.Number(last.Value)} at step {last.Step}</title></polyline>");
            }
        }
        sb.Append("</svg>");
        return sb.ToString();
    }

    private static string Coord(double v) => Format.Coord(v);

    /// <summary>
    /// Long runs have far more steps than the chart has pixel columns; per column keep the first, lowest, highest
    /// and last point (in step order), so spikes survive and the page stays small. Short segments pass unchanged.
    /// </summary>
    internal static List<(long Step, double Value)> Decimate(List<(long Step, double Value)> segment, Func<double, double> x)
    {
        const int Threshold = 4 * (Width - Left - Right);
        if (segment.Count <= Threshold) return segment;
        var kept = new List<(long, double)>(Threshold);
        int start = 0;
        while (start < segment.Count)
        {
            int column = (int)x(segment[start].Step);
            int end = start;
            while (end + 1 < segment.Count && (int)x(segment[end + 1].Step) == column) end++;
            int lo = start, hi = start;
            for (int i = start; i <= end; i++)
            {
                if (segment[i].Value < segment[lo].Value) lo = i;
                if (segment[i].Value > segment[hi].Value) hi = i;
            }
            foreach (int i in new SortedSet<int> { start, lo, hi, end }) kept.Add(segment[i]);
            start = end + 1;
        }
        return kept;
    }

    /// <summary>Runs of consecutive finite values.</summary>
    internal static List<List<(long Step, double Value)>> Segments(Series s)
    {
        var segments = new List<List<(long, double)>>();
        List<(long, double)>? current = null;
        for (int i = 0; i < s.Steps.Length; i++)
        {
            if (!double.IsFinite(s.Values[i]))
            {
                current = null;
                continue;
            }
            if (current is null)
            {
                current = [];
                segments.Add(current);
            }
            current.Add((s.Steps[i], s.Values[i]));
        }
        return segments;
    }

    /// <summary>Axis range widened to 1-2-5 steps, about five ticks.</summary>
    internal static (double Min, double Max, List<double> Ticks) NiceAxis(double min, double max)
    {
        if (max == min)
        {
            double pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            (min, max) = (min - pad, max + pad);
        }
        double raw = (max - min) / 5;
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = (raw / mag) switch { < 1.5 => 1, < 3 => 2, < 7 => 5, _ => 10 } * mag;
        double lo = Math.Floor(min / step) * step, hi = Math.Ceiling(max / step) * step;
        var ticks = new List<double>();
        for (double t = lo; t <= hi + step * 1e-9; t += step) ticks.Add(Math.Round(t / step) * step);
        return (lo, hi, ticks);
    }
}
