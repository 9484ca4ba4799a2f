using System.Text;

namespace Verity.Eval.Reports;

/// <summary>
/// <c>verity report</c>: one self-contained HTML page for one or several runs — training curves overlaid per metric
/// (inline SVG), the time split, the config diff, eval tables and sample completions. No network, no external
/// script or style: the page opens from a file anywhere. It reads the run directory after the run (nanochat
/// removed its in-loop report for good reason); nothing here is called by the trainer.
/// A small inline script checks that every chart has drawn data and records the result on
/// <c>&lt;body data-chart-check="ok|…"&gt;</c> so a headless browser can verify the page.
/// </summary>
public static class HtmlReport
{
    /// <summary>Samples shown per run: the first and the last logged step, up to this many each.</summary>
    public const int SamplesPerStep = 4;

    public static string Render(IReadOnlyList<RunData> runs, DateTimeOffset generatedAt)
    {
        if (runs.Count == 0) throw new ArgumentException("report needs at least one run directory. HINT: verity report runs/<name> [runs/<other> …]");
        var sb = new StringBuilder();
        string title = "Verity report: " + string.Join(", ", runs.Select(r => r.Name));
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.Append($"<title>{Format.Html(title)}</title>");
        sb.Append("<style>").Append(Css).Append("</style></head>\n<body>");
        sb.Append($"<h1>{Format.Html(title)}</h1>");
        sb.Append($"<p class=\"meta\">generated {generatedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC from ");
        sb.Append(string.Join(", ", runs.Select(r => $"<code>{Format.Html(r.Dir)}</code> ({r.Metrics.Values.FirstOrDefault()?.Steps.Length ?? 0} steps)")));
        sb.Append("</p>\n");
        Legend(sb, runs);
        Curves(sb, runs);
        TimeSplit(sb, runs);
        ConfigDiff(sb, runs);
        Evals(sb, runs);
        Samples(sb, runs);
        sb.Append("<script>").Append(CheckScript).Append("</script>\n</body></html>\n");
        return sb.ToString();
    }

    private static void Legend(StringBuilder sb, IReadOnlyList<RunData> runs)
    {
        sb.Append("<ul class=\"legend\">");
        for (int i = 0; i < runs.Count; i++)
            sb.Append($"<li><span class=\"swatch\" style=\"background:{SvgLineChart.Palette[i % SvgLineChart.Palette.Length]}\"></span>{Format.Html(runs[i].Name)}</li>");
        sb.Append("</ul>\n");
    }

    private static void Curves(StringBuilder sb, IReadOnlyList<RunData> runs)
    {
        sb.Append("<h2>Training curves</h2>\n");
        var groups = MetricGroups.Arrange(runs.SelectMany(r => r.Metrics.Keys));
        if (groups.Count == 0) sb.Append("<p>No metrics logged yet.</p>");
        sb.Append("<div class=\"curves\">");
        foreach (var (group, metrics) in groups)
        {
            sb.Append($"<section class=\"group\"><h3>{Format.Html(group)}</h3><div class=\"charts\">");
            foreach (var metric in metrics)
            {
                var lines = new List<(string, int, Series)>();
                for (int i = 0; i < runs.Count; i++)
                {
                    if (runs[i].Metrics.TryGetValue(metric, out var series)) lines.Add((runs[i].Name, i, series));
                }
                sb.Append(SvgLineChart.Render(metric, lines));
            }
            sb.Append("</div></section>\n");
        }
        sb.Append("</div>\n");
    }

    /// <summary>Mean seconds per step of each <c>time/*</c> metric and its share of their sum.</summary>
    private static void TimeSplit(StringBuilder sb, IReadOnlyList<RunData> runs)
    {
        var keys = runs.SelectMany(r => r.Metrics.Keys).Where(k => k.StartsWith("time/", StringComparison.Ordinal) && k != "time/step" && k != "time/total")
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (keys.Count == 0) return;
        sb.Append("<h2>Time split (mean seconds per step)</h2><table><thead><tr><th>phase</th>");
        foreach (var r in runs) sb.Append($"<th>{Format.Html(r.Name)}</th>");
        sb.Append("</tr></thead><tbody>");
        var means = runs.Select(r => keys.ToDictionary(k => k, k => r.Metrics.TryGetValue(k, out var s) ? Mean(s.Values) : double.NaN)).ToList();
        foreach (var key in keys)
        {
            sb.Append($"<tr><td>{Format.Html(key)}</td>");
            foreach (var m in means)
            {
                double total = m.Values.Where(double.IsFinite).Sum();
                double v = m[key];
                sb.Append(double.IsFinite(v) && total > 0
                    ? $"<td>{Format.Number(v)} s ({Format.Number(Math.Round(100 * v / total, 1))}%)</td>"
                    : "<td>–</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>\n");
    }

    private static double Mean(double[] values)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        return finite.Length == 0 ? double.NaN : finite.Average();
    }

    /// <summary>One run: its whole config. Several: only the keys whose values differ, then each full config folded.</summary>
    private static void ConfigDiff(StringBuilder sb, IReadOnlyList<RunData> runs)
    {
        var withConfig = runs.Where(r => r.Config is not null).ToList();
        if (withConfig.Count == 0) return;
        sb.Append("<h2>Config</h2>");
        if (runs.Count > 1)
        {
            var keys = runs.SelectMany(r => r.Config?.Keys ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
            var differing = keys.Where(k => runs.Select(r => r.Config?.GetValueOrDefault(k)).Distinct().Count() > 1).ToList();
            sb.Append($"<p>{differing.Count} key(s) differ between the runs.</p>");
            if (differing.Count > 0)
            {
                sb.Append("<table class=\"diff\"><thead><tr><th>key</th>");
                foreach (var r in runs) sb.Append($"<th>{Format.Html(r.Name)}</th>");
                sb.Append("</tr></thead><tbody>");
                foreach (var k in differing)
                {
                    sb.Append($"<tr><td><code>{Format.Html(k)}</code></td>");
                    foreach (var r in runs)
                    {
                        string? v = r.Config?.GetValueOrDefault(k);
                        sb.Append(v is null ? "<td class=\"missing\">(absent)</td>" : $"<td><code>{Format.Html(v)}</code></td>");
                    }
                    sb.Append("</tr>");
                }
                sb.Append("</tbody></table>");
            }
        }
        foreach (var r in withConfig)
        {
            sb.Append($"<details{(runs.Count == 1 ? " open" : "")}><summary>{Format.Html(r.Name)}: config.yaml ({r.Config!.Count} keys)</summary><table><tbody>");
            foreach (var (k, v) in r.Config) sb.Append($"<tr><td><code>{Format.Html(k)}</code></td><td><code>{Format.Html(v)}</code></td></tr>");
            sb.Append("</tbody></table></details>");
        }
        sb.Append('\n');
    }

    /// <summary>One table per eval file name, a column per run that has it.</summary>
    private static void Evals(StringBuilder sb, IReadOnlyList<RunData> runs)
    {
        var names = runs.SelectMany(r => r.Evals.Select(e => e.Name)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0) return;
        sb.Append("<h2>Evaluation</h2>");
        foreach (var name in names)
        {
            var columns = runs.Select(r => (r.Name, File: r.Evals.FirstOrDefault(e => e.Name == name))).Where(c => c.File is not null).ToList();
            var keys = columns.SelectMany(c => c.File!.Values.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
            sb.Append($"<h3>{Format.Html(name)}</h3><table class=\"eval\"><thead><tr><th>key</th>");
            foreach (var c in columns) sb.Append($"<th>{Format.Html(c.Name)}</th>");
            sb.Append("</tr></thead><tbody>");
            foreach (var k in keys)
            {
                sb.Append($"<tr><td><code>{Format.Html(k)}</code></td>");
                foreach (var c in columns) sb.Append($"<td>{Format.Html(c.File!.Values.GetValueOrDefault(k) ?? "–")}</td>");
                sb.Append("</tr>");
            }
            sb.Append("</tbody></table>");
        }
        sb.Append('\n');
    }

    private static void Samples(StringBuilder sb, IReadOnlyList<RunData> runs)
    {
        if (runs.All(r => r.Completions.Count == 0)) return;
        sb.Append("<h2>Sample completions</h2>");
        foreach (var r in runs.Where(r => r.Completions.Count > 0))
        {
            long first = r.Completions.Min(c => c.Step), last = r.Completions.Max(c => c.Step);
            sb.Append($"<h3>{Format.Html(r.Name)}</h3>");
            foreach (long step in first == last ? [first] : new[] { first, last })
            {
                foreach (var c in r.Completions.Where(c => c.Step == step).Take(SamplesPerStep))
                {
                    sb.Append($"<div class=\"sample\"><div class=\"head\">step {c.Step} · reward <b>{Format.Number(c.Reward)}</b>");
                    foreach (var (k, v) in c.Extra) sb.Append($" · {Format.Html(k)}: {Format.Html(v)}");
                    sb.Append("</div><details><summary>prompt</summary><pre>").Append(Format.Html(c.Prompt)).Append("</pre></details>");
                    sb.Append("<pre class=\"completion\">").Append(Format.Html(c.Completion)).Append("</pre></div>");
                }
            }
        }
        sb.Append('\n');
    }

    private const string Css = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;background:#fff}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}h3{font-size:15px;margin:16px 0 6px}
        .meta{color:#666;margin:0 0 8px}code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
        .legend{list-style:none;padding:0;display:flex;gap:16px;flex-wrap:wrap}.swatch{display:inline-block;width:14px;height:4px;margin-right:6px;vertical-align:middle}
        .curves{display:flex;flex-wrap:wrap;gap:0 18px}.charts{display:flex;flex-wrap:wrap;gap:10px}svg.chart{background:#fafafa;border:1px solid #e4e4e4;border-radius:4px}
        svg .title{font-size:12.5px;font-weight:600;fill:#333}svg .tick,svg .axis{font-size:10px;fill:#666}svg .empty{font-size:12px;fill:#999}
        svg .frame{fill:none;stroke:#ccc}svg .grid{stroke:#eee}
        table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #e0e0e0;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f4f4f4}
        td.missing{color:#999}details{margin:6px 0}
        .sample{border:1px solid #e4e4e4;border-radius:4px;padding:6px 10px;margin:8px 0}.sample .head{color:#555;font-size:13px}
        pre{white-space:pre-wrap;word-break:break-word;background:#f7f7f7;padding:6px;margin:4px 0;max-height:360px;overflow:auto}
        """;

    // Every chart with finite values must show them: a polyline of two or more points, or a dot for a lone value.
    private const string CheckScript = """
        (function(){var bad=[];document.querySelectorAll('svg.chart:not(.nodata)').forEach(function(svg){var ok=!!svg.querySelector('circle.point');
        svg.querySelectorAll('polyline').forEach(function(p){if(p.points.numberOfItems>1)ok=true;});if(!ok)bad.push(svg.getAttribute('data-metric'));});
        document.body.setAttribute('data-chart-check',bad.length?'failed: '+bad.join(', '):'ok');})();
        """;
}
