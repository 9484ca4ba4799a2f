using Verity.Eval.Reports;

namespace Verity.Eval.Tests;

public class HtmlReportTests
{
    private static readonly DateTimeOffset Generated = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static string RenderBoth(SyntheticRuns runs) =>
        HtmlReport.Render([RunData.Load(runs.RunA), RunData.Load(runs.RunB)], Generated);

    [Fact]
    public void Should_Draw_One_Chart_Per_Metric_With_A_Line_Of_Every_Step_For_Each_Run()
    {
        // Given two runs of 50 steps (A also logs a DARO weight; B has one null kl)
        using var runs = new SyntheticRuns();

        // When they are rendered together
        var charts = ReportMarkup.Charts(RenderBoth(runs));

        // Then every numeric metric has exactly one chart
        Assert.Equal(SyntheticRuns.CommonMetrics.Append("daro/weight_easy").Order(StringComparer.Ordinal),
            charts.Select(c => c.Metric).Order(StringComparer.Ordinal));
        foreach (var chart in charts)
        {
            var runsDrawn = chart.Lines.Select(l => l.Run).Distinct().Order(StringComparer.Ordinal).ToArray();
            if (chart.Metric == "daro/weight_easy")
            {
                Assert.Equal(["grpo-a"], runsDrawn);
            }
            else
            {
                Assert.Equal(["dapo-b", "grpo-a"], runsDrawn);
            }
            foreach (var run in runsDrawn)
            {
                var points = chart.Lines.Where(l => l.Run == run).Sum(l => l.Points.Count);
                bool gap = chart.Metric == "kl" && run == "dapo-b";
                Assert.Equal(gap ? SyntheticRuns.Steps - 1 : SyntheticRuns.Steps, points);
            }
            // Points stay inside the plot and x grows with the step
            foreach (var line in chart.Lines)
            {
                Assert.All(line.Points, p => Assert.InRange(p.X, 56, 368));
                Assert.All(line.Points, p => Assert.InRange(p.Y, 28, 200));
                Assert.True(line.Points.Zip(line.Points.Skip(1)).All(p => p.Second.X > p.First.X), chart.Metric);
            }
        }
    }

    [Fact]
    public void Should_Split_A_Line_At_A_Null_Value()
    {
        using var runs = new SyntheticRuns();
        var kl = ReportMarkup.Charts(RenderBoth(runs)).Single(c => c.Metric == "kl");
        var b = kl.Lines.Where(l => l.Run == "dapo-b").Select(l => l.Points.Count).ToArray();
        Assert.Equal([SyntheticRuns.NullKlStep - 1, SyntheticRuns.Steps - SyntheticRuns.NullKlStep], b);
    }

    [Fact]
    public void Should_Put_Higher_Values_Higher_On_The_Chart()
    {
        // reward rises 0.2 → 0.8 in run A; SVG y grows downwards
        using var runs = new SyntheticRuns();
        var reward = ReportMarkup.Charts(RenderBoth(runs)).Single(c => c.Metric == "reward").Lines.Single(l => l.Run == "grpo-a");
        Assert.True(reward.Points[^1].Y < reward.Points[0].Y);
        var entropy = ReportMarkup.Charts(RenderBoth(runs)).Single(c => c.Metric == "entropy").Lines.Single(l => l.Run == "grpo-a");
        Assert.True(entropy.Points[^1].Y > entropy.Points[0].Y);
    }

    [Fact]
    public void Should_Escape_Completions_So_Their_Markup_Is_Shown_Not_Run()
    {
        using var runs = new SyntheticRuns();
        var html = RenderBoth(runs);

        Assert.DoesNotContain(SyntheticRuns.Attack, html);
        Assert.DoesNotContain("<answer>", html);
        Assert.Contains("&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; 5", html);
        Assert.Contains("&lt;answer&gt;42&lt;/answer&gt; &amp; done", html);
        // The only script element is the report's own chart check
        Assert.Equal(1, CountOf(html, "<script"));
    }

    [Fact]
    public void Should_Need_Nothing_From_The_Network()
    {
        using var runs = new SyntheticRuns();
        var html = RenderBoth(runs);
        Assert.DoesNotContain("http:", html);
        Assert.DoesNotContain("https:", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain(" src=", html);
    }

    [Fact]
    public void Should_Order_Sections_Reward_First_And_Time_Last()
    {
        using var runs = new SyntheticRuns();
        var html = RenderBoth(runs);
        string[] groups = ["<h3>reward</h3>", "<h3>completions</h3>", "<h3>entropy</h3>", "<h3>kl</h3>", "<h3>clip_ratio</h3>", "<h3>daro</h3>", "<h3>time</h3>"];
        var positions = groups.Select(g => html.IndexOf(g, StringComparison.Ordinal)).ToArray();
        Assert.All(positions, p => Assert.True(p > 0));
        Assert.Equal(positions.Order(), positions);
    }

    [Fact]
    public void Should_List_Only_The_Config_Keys_That_Differ()
    {
        using var runs = new SyntheticRuns();
        var html = RenderBoth(runs);
        var diff = html[html.IndexOf("<table class=\"diff\">", StringComparison.Ordinal)..];
        diff = diff[..diff.IndexOf("</table>", StringComparison.Ordinal)];
        Assert.Contains("<code>algo.loss_type</code></td><td><code>grpo</code></td><td><code>dapo</code>", diff);
        Assert.Contains("<code>rollout.n</code></td><td><code>8</code></td><td><code>16</code>", diff);
        Assert.DoesNotContain("algo.epsilon", diff);
        Assert.DoesNotContain("rollout.stop", diff);
        Assert.Contains("2 key(s) differ", html);
    }

    [Fact]
    public void Should_Show_Eval_Files_As_A_Table_Per_File()
    {
        using var runs = new SyntheticRuns();
        var html = RenderBoth(runs);
        Assert.Contains("<h3>eval_gsm8k.json</h3>", html);
        Assert.Contains("<tr><td><code>pass@1</code></td><td>0.4</td><td>0.5</td></tr>", html);
        Assert.Contains("<tr><td><code>avg@4.accuracy</code></td><td>0.5</td><td>0.6</td></tr>", html);
    }

    [Fact]
    public void Should_Show_The_Time_Split()
    {
        using var runs = new SyntheticRuns();
        var html = RenderBoth(runs);
        Assert.Contains("<tr><td>time/rollout</td><td>3 s (75%)</td><td>4 s (80%)</td></tr>", html);
    }

    [Fact]
    public void Should_Show_Samples_Of_The_First_And_Last_Logged_Step()
    {
        using var runs = new SyntheticRuns();
        var html = HtmlReport.Render([RunData.Load(runs.RunA)], Generated);
        Assert.Equal(3, CountOf(html, "<div class=\"sample\">"));
        Assert.Contains("step 50 · reward <b>1</b> · answer: 42", html);
    }

    [Fact]
    public void Should_Draw_A_Dot_For_A_Lone_Value_And_Mark_An_Empty_Metric()
    {
        using var runs = new SyntheticRuns();
        File.WriteAllText(Path.Combine(runs.RunB, "metrics.jsonl"),
            "{\"step\":1,\"reward\":0.5,\"kl\":null,\"eval/acc\":0.25}\n{\"step\":2,\"reward\":0.7,\"kl\":null}\n");
        var charts = ReportMarkup.Charts(HtmlReport.Render([RunData.Load(runs.RunB)], Generated));
        var acc = charts.Single(c => c.Metric == "eval/acc");
        Assert.Empty(acc.Lines);
        Assert.Equal(1, acc.Dots);
        Assert.True(charts.Single(c => c.Metric == "kl").NoData);
        Assert.False(acc.NoData);
    }

    [Fact]
    public void Should_Thin_Long_Runs_To_The_Chart_Width_Keeping_Spikes()
    {
        // Given 20,000 steps of a slow ramp with one spike up and one down
        using var runs = new SyntheticRuns();
        var rows = Enumerable.Range(1, 20_000).Select(s =>
        {
            double v = s == 12_345 ? 9.0 : s == 777 ? -9.0 : s / 20_000.0;
            return $"{{\"step\":{s},\"reward\":{v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}}}";
        });
        File.WriteAllLines(Path.Combine(runs.RunB, "metrics.jsonl"), rows);

        // When rendered
        var html = HtmlReport.Render([RunData.Load(runs.RunB)], Generated);
        var line = ReportMarkup.Charts(html).Single(c => c.Metric == "reward").Lines.Single();

        // Then at most four points per pixel column are drawn, both spikes are drawn at their values, and x keeps growing
        Assert.InRange(line.Points.Count, 312, 4 * 312);
        double top = line.Points.Min(p => p.Y), bottom = line.Points.Max(p => p.Y);
        var (lo, hi, _) = SvgLineChart.NiceAxis(-9, 9);
        Assert.Equal(28 + (hi - 9) / (hi - lo) * 172, top, 1);
        Assert.Equal(28 + (hi + 9) / (hi - lo) * 172, bottom, 1);
        Assert.True(line.Points.Zip(line.Points.Skip(1)).All(p => p.Second.X >= p.First.X));
        Assert.True(html.Length < 200_000, $"report of one 20k-step metric is {html.Length} chars");
    }

    private static int CountOf(string text, string what)
    {
        int count = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal)) count++;
        return count;
    }
}
