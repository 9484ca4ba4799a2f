using Verity.Eval.Reports;

namespace Verity.Eval.Tests;

public class RunDataTests
{
    [Fact]
    public void Should_Skip_A_Torn_Last_Line_But_Name_A_Bad_Line_Elsewhere()
    {
        using var runs = new SyntheticRuns();
        Assert.Equal(SyntheticRuns.Steps, RunData.Load(runs.RunA).Metrics["reward"].Steps.Length);

        File.WriteAllText(Path.Combine(runs.RunB, "metrics.jsonl"), "{\"step\":1,\"reward\":1}\n{oops\n{\"step\":3}\n");
        var ex = Assert.Throws<InvalidDataException>(() => RunData.Load(runs.RunB));
        Assert.Contains("metrics.jsonl:2:", ex.Message);
        Assert.Contains("HINT", ex.Message);
    }

    [Fact]
    public void Should_Fill_Gaps_For_Metrics_Logged_Only_On_Some_Steps()
    {
        using var runs = new SyntheticRuns();
        File.WriteAllText(Path.Combine(runs.RunB, "metrics.jsonl"), "{\"step\":1,\"reward\":1}\n{\"step\":2,\"eval/acc\":0.5}\n{\"step\":3,\"reward\":3}\n");
        var m = RunData.Load(runs.RunB).Metrics;
        Assert.Equal([1.0, double.NaN, 3.0], m["reward"].Values);
        Assert.Equal([double.NaN, 0.5, double.NaN], m["eval/acc"].Values);
        Assert.Equal([1L, 2, 3], m["eval/acc"].Steps);
    }

    [Fact]
    public void Should_Explain_A_Folder_That_Is_Not_A_Run()
    {
        using var runs = new SyntheticRuns();
        var ex = Assert.Throws<FileNotFoundException>(() => RunData.Load(runs.Root));
        Assert.Contains("metrics.jsonl not found. HINT:", ex.Message);
        Assert.Throws<DirectoryNotFoundException>(() => RunData.Load(Path.Combine(runs.Root, "missing")));
    }

    [Fact]
    public void Should_Flatten_Yaml_To_Dotted_Keys()
    {
        using var runs = new SyntheticRuns();
        var config = FlatYaml.Load(Path.Combine(runs.RunA, "config.yaml"));
        Assert.Equal(new Dictionary<string, string>
        {
            ["model.path"] = "tiny-llama", ["algo.loss_type"] = "grpo", ["algo.epsilon"] = "0.2", ["rollout.n"] = "8",
            ["rollout.stop[0]"] = "</answer>", ["rollout.stop[1]"] = "\n\n", ["seed"] = "42",
        }, config);
    }

    [Fact]
    public void Should_Name_The_Line_Of_Broken_Yaml()
    {
        using var runs = new SyntheticRuns();
        var path = Path.Combine(runs.RunA, "config.yaml");
        File.WriteAllText(path, "a: 1\nb: [unclosed\n");
        var ex = Assert.Throws<InvalidDataException>(() => FlatYaml.Load(path));
        Assert.StartsWith(path + ":", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Theory]
    [InlineData(0.0, 1.0, 0.0, 1.0)]
    [InlineData(0.13, 0.87, 0.1, 0.9)]
    [InlineData(200, 350, 200, 350)]
    [InlineData(0.001, 0.05, 0.0, 0.05)]
    [InlineData(5, 5, 4.4, 5.6)] // flat line: padded by 10% so it sits mid-chart
    public void Should_Pick_Round_Axis_Limits(double min, double max, double lo, double hi)
    {
        var (a, b, ticks) = SvgLineChart.NiceAxis(min, max);
        Assert.Equal(lo, a, 9);
        Assert.Equal(hi, b, 9);
        Assert.InRange(ticks.Count, 3, 12);
        Assert.Equal(lo, ticks[0], 9);
        Assert.Equal(hi, ticks[^1], 9);
    }
}
