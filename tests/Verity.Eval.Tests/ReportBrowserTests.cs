using System.Diagnostics;
using Verity.Eval.Reports;
using Xunit.Abstractions;

namespace Verity.Eval.Tests;

/// <summary>
/// Opens the report in headless Chromium (Debian package, /usr/bin/chromium) when it is installed: the page's own
/// script must find data in every chart (<c>data-chart-check="ok"</c> in the dumped DOM), no script error may be
/// logged, and the screenshot must show the charts (run colours present, not a blank page). Without Chromium the
/// test says so in its output and checks the same chart rule on the markup instead.
/// </summary>
public class ReportBrowserTests(ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public void Should_Render_In_A_Headless_Browser_With_Every_Chart_Drawn()
    {
        // Given a two-run report on disk
        using var runs = new SyntheticRuns();
        var html = HtmlReport.Render([RunData.Load(runs.RunA), RunData.Load(runs.RunB)], DateTimeOffset.UnixEpoch);
        var page = Path.Combine(runs.Root, "report.html");
        File.WriteAllText(page, html);

        if (!File.Exists(Chromium))
        {
            output.WriteLine($"browser check did not run: {Chromium} not found (apt-get install -y chromium); checked the markup instead");
            var charts = ReportMarkup.Charts(html);
            Assert.NotEmpty(charts);
            Assert.All(charts, c => Assert.True(c.NoData || c.Dots > 0 || c.Lines.Any(l => l.Points.Count > 1), c.Metric));
            Assert.Contains("data-chart-check", html);
            return;
        }

        // When Chromium loads it: once dumping the DOM after scripts ran, once taking a screenshot
        var (dom, log) = RunChromium(runs.Root, "--enable-logging=stderr", "--v=0", "--dump-dom", new Uri(page).AbsoluteUri);
        var png = Path.Combine(runs.Root, "shot.png");
        RunChromium(runs.Root, "--hide-scrollbars", $"--screenshot={png}", "--window-size=1200,2000", new Uri(page).AbsoluteUri);

        // Then the page's chart check passed and nothing threw
        Assert.Contains("data-chart-check=\"ok\"", dom);
        Assert.DoesNotContain("Uncaught", log);
        // The escaped completion stayed text in the live DOM too
        Assert.DoesNotContain(SyntheticRuns.Attack, dom);

        // And the screenshot is a drawn page: mostly background, with the two run colours on the charts
        var image = PngImage.Decode(File.ReadAllBytes(png));
        Assert.Equal((1200, 2000), (image.Width, image.Height));
        int white = 0, blue = 0, red = 0, total = 0;
        for (int y = 0; y < image.Height; y += 2)
        {
            for (int x = 0; x < image.Width; x += 2)
            {
                var (r, g, b) = image.Pixel(x, y);
                total++;
                if (r > 245 && g > 245 && b > 245) white++;
                if (Near((r, g, b), (0x1f, 0x77, 0xb4))) blue++;
                if (Near((r, g, b), (0xd6, 0x27, 0x28))) red++;
            }
        }
        output.WriteLine($"chromium: {total} sampled pixels, {white} white, {blue} run-A blue, {red} run-B red");
        Assert.InRange(white, total / 2, total - total / 50); // a page, not blank and not a solid fill
        Assert.True(blue > 50, $"run A's line colour barely visible ({blue} pixels)");
        Assert.True(red > 50, $"run B's line colour barely visible ({red} pixels)");
    }

    private static bool Near((byte R, byte G, byte B) p, (int R, int G, int B) c) =>
        Math.Abs(p.R - c.R) < 40 && Math.Abs(p.G - c.G) < 40 && Math.Abs(p.B - c.B) < 40;

    private static (string Stdout, string Stderr) RunChromium(string workDir, params string[] args)
    {
        var profile = Path.Combine(workDir, "chromium-profile-" + Guid.NewGuid().ToString("N"));
        var psi = new ProcessStartInfo(Chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", $"--user-data-dir={profile}",
                 }.Concat(args))
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("chromium did not finish within 90 s");
        }
        Assert.True(p.ExitCode == 0, $"chromium exited {p.ExitCode}: {stderr.Result}");
        return (stdout.Result, stderr.Result);
    }
}
