using System.Globalization;
using System.Text.Json.Nodes;
using Verity.Hub.Tokenization;
using Verity.Rl.Config;
using Verity.Rl.Training;

namespace Verity.Rl.Tests.Training;

/// <summary>Offline pass rates in the training JSONL (the pass_rate field of `verity data difficulty`).</summary>
public class PassRateDataTests
{
    /// <summary>Rewrites dir/prompts.jsonl with pass_rate = i / 8 on line i (0-based).</summary>
    private static void AddPassRates(TempDir dir)
    {
        var lines = File.ReadAllLines(dir.File("prompts.jsonl")).Select((l, i) =>
        {
            var row = JsonNode.Parse(l)!.AsObject();
            row["pass_rate"] = i / 8.0;
            return row.ToJsonString();
        });
        File.WriteAllLines(dir.File("prompts.jsonl"), lines);
    }

    [Fact]
    public void Offline_band_keeps_prompts_whose_pass_rate_is_inside_and_records_each_rate()
    {
        using var dir = new TempDir();
        TinyRun.Create(dir.Path, prompts: 8);
        AddPassRates(dir);
        var tokenizer = Tokenizer.FromFolder(Path.Combine(dir.Path, "model"));
        var data = new DataSection { TrainFiles = [dir.File("prompts.jsonl")], PromptKey = "question", Template = "none", MinPassRate = 0.125, MaxPassRate = 0.625 };

        var set = PromptSet.Load(data, tokenizer);

        // lines 1..5 (rates 1/8 … 5/8, bounds inclusive) stay, in file order
        Assert.Equal([0.125, 0.25, 0.375, 0.5, 0.625], set.PassRates.Select(p => p!.Value));
        Assert.Equal(3, set.OutsidePassRate);
        var questions = File.ReadAllLines(dir.File("prompts.jsonl")).Select(l => (string)JsonNode.Parse(l)!["question"]!).ToList();
        Assert.Equal(questions.Skip(1).Take(5), set.Texts);
        // without a band every line is kept and its rate still read (for gaussian_difficulty)
        Assert.Equal(8, PromptSet.Load(data with { MinPassRate = null, MaxPassRate = null }, tokenizer).PassRates.Count(p => p is not null));
    }

    [Fact]
    public void A_band_over_lines_without_the_field_or_with_a_bad_rate_is_a_one_line_error_with_the_fix()
    {
        using var dir = new TempDir();
        TinyRun.Create(dir.Path, prompts: 3);
        var tokenizer = Tokenizer.FromFolder(Path.Combine(dir.Path, "model"));
        var data = new DataSection { TrainFiles = [dir.File("prompts.jsonl")], PromptKey = "question", Template = "none", MaxPassRate = 0.9 };

        var missing = Assert.Throws<InvalidDataException>(() => PromptSet.Load(data, tokenizer));
        Assert.StartsWith($"{dir.File("prompts.jsonl")}:1: missing field \"pass_rate\"", missing.Message);
        Assert.Contains("verity data difficulty", missing.Message);

        File.AppendAllText(dir.File("prompts.jsonl"), "{\"question\": \"1+1=\", \"answer\": \"2\", \"pass_rate\": 1.5}\n");
        var bad = Assert.Throws<InvalidDataException>(() => PromptSet.Load(data with { MaxPassRate = null }, tokenizer));
        Assert.StartsWith($"{dir.File("prompts.jsonl")}:4: field \"pass_rate\" must be a pass rate in [0, 1]", bad.Message);
        Assert.DoesNotContain('\n', missing.Message + bad.Message);
    }

    [Theory]
    [InlineData("data.min_pass_rate=0.8", "data.max_pass_rate=0.2", "data.min_pass_rate")]
    [InlineData("data.max_pass_rate=1.5", "data.sampler=random", "data.max_pass_rate")]
    [InlineData("algorithm.pass_rate_filter.enable=true", "algorithm.pass_rate_filter.low=0.7", "algorithm.pass_rate_filter.low")]
    [InlineData("data.sampler=gaussian_difficulty", "data.gaussian_std=0", "data.gaussian_std")]
    public void Inconsistent_pass_rate_settings_are_rejected_naming_the_key(string a, string b, string key)
    {
        var ex = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(null, [a, b, "algorithm.pass_rate_filter.high=0.5"]));
        Assert.StartsWith($"config: {key}", ex.Message);
        Assert.Contains("HINT:", ex.Message);
    }

    [Fact]
    public void Gaussian_difficulty_trains_on_medium_prompts_from_the_offline_rates_and_resumes_exactly()
    {
        // Given 8 prompts of which only lines 3 and 4 have a medium offline pass rate (3/8, 4/8)
        using var dir = new TempDir();
        TinyRun.Create(dir.Path, prompts: 8);
        AddPassRates(dir);
        string[] gaussian = ["data.sampler=gaussian_difficulty", "data.gaussian_std=0.05", "rollout.n=2", "data.batch_size=2", "optim.micro_batch=2", "trainer.completions_every=1"];
        string Yaml(string run) => TinyRun.Config(dir.Path, steps: 4, saveEvery: 2, runName: run);
        string config = dir.File("g.yaml");
        File.WriteAllText(config, Yaml("full"));
        Trainer.Run(new TrainOptions { ConfigPath = config, Overrides = gaussian, Progress = TextWriter.Null, PlainProgress = true });

        // Then the first step drew exactly those two (the others weigh ≤ e^-4.5 of them), and completions show it
        var completions = File.ReadAllLines(Path.Combine(dir.Path, "full", "completions.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        var questions = File.ReadAllLines(dir.File("prompts.jsonl")).Select(l => (string)JsonNode.Parse(l)!["question"]!).ToList();
        Assert.Equal(new[] { questions[3], questions[4] }.Order(), completions.Where(c => (int)c["step"]! == 1).Select(c => (string)c["prompt"]!).Distinct().Order());
        var rows = TrainerTests.Rows(Path.Combine(dir.Path, "full"));
        Assert.All(rows, r => Assert.True(r.ContainsKey("sampler/observed_frac")));
        Assert.Equal(2 / 8.0, (double)rows[0]["sampler/observed_frac"]!);

        // and a resume from checkpoint-2 repeats steps 3 and 4
        string cut = Path.Combine(dir.Path, "cut");
        Directory.CreateDirectory(Path.Combine(cut, "checkpoint-2"));
        File.Copy(Path.Combine(dir.Path, "full", "metrics.jsonl"), Path.Combine(cut, "metrics.jsonl"));
        foreach (var f in Directory.GetFiles(Path.Combine(dir.Path, "full", "checkpoint-2")))
            File.Copy(f, Path.Combine(cut, "checkpoint-2", Path.GetFileName(f)));
        File.WriteAllText(config, Yaml("cut"));
        Trainer.Run(new TrainOptions { ConfigPath = config, Overrides = gaussian, Resume = "auto", Progress = TextWriter.Null, PlainProgress = true });
        TrainerTests.AssertSameMetrics(rows, TrainerTests.Rows(cut));
    }
}
