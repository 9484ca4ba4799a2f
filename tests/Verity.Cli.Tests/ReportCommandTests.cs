namespace Verity.Cli.Tests;

public class ReportCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "verity-cli-report-" + Guid.NewGuid().ToString("N"));

    private string MakeRun(string relative, double slope)
    {
        var dir = Path.Combine(_root, relative);
        Directory.CreateDirectory(dir);
        File.WriteAllLines(Path.Combine(dir, "metrics.jsonl"),
            Enumerable.Range(1, 5).Select(s => $"{{\"step\":{s},\"reward\":{(s * slope).ToString(System.Globalization.CultureInfo.InvariantCulture)}}}"));
        return dir;
    }

    [Fact]
    public void Should_Write_The_Report_Beside_A_Single_Run_By_Default()
    {
        var run = MakeRun("runs/one", 0.1);
        var (code, output, err) = CliRunner.Run("report", run);
        Assert.True(code == 0, err);
        var path = Path.Combine(run, "report.html");
        Assert.Equal($"wrote {path} (1 run(s), 1 chart(s))", output.Trim());
        Assert.Contains("data-metric=\"reward\"", File.ReadAllText(path));
    }

    [Fact]
    public void Should_Overlay_Several_Runs_And_Tell_Same_Named_Folders_Apart()
    {
        var a = MakeRun("sweep1/run", 0.1);
        var b = MakeRun("sweep2/run", 0.2);
        var outPath = Path.Combine(_root, "out", "cmp.html");
        var (code, _, err) = CliRunner.Run("report", a, b, "--out", outPath);
        Assert.True(code == 0, err);
        var html = File.ReadAllText(outPath);
        Assert.Contains("data-run=\"sweep1/run\"", html);
        Assert.Contains("data-run=\"sweep2/run\"", html);
    }

    [Fact]
    public void Should_Give_A_One_Line_Error_For_A_Folder_That_Is_Not_A_Run()
    {
        Directory.CreateDirectory(_root);
        var (code, _, err) = CliRunner.Run("report", _root);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
        Assert.Contains("metrics.jsonl not found. HINT:", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }
}
