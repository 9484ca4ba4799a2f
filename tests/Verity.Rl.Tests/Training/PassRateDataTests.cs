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

/// <summary>Curriculum by score: data.score_key + data.top_fraction, e.g. one fraction per stage.</summary>
public class ScoreCurriculumTests
{
    [Fact]
    public void Top_fraction_keeps_the_highest_scores_ties_in_file_order_and_file_order_overall()
    {
        double[] scores = [0.1, 0.9, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8];
        Assert.Equal([1, 3], ScoreCurriculum.Top(scores, 0.25));
        Assert.Equal([1, 2, 3, 5, 7], ScoreCurriculum.Top(scores, 0.6)); // ⌈4.8⌉ = 5
        Assert.Equal(Enumerable.Range(0, 8), ScoreCurriculum.Top(scores, 1.0));
        Assert.Equal([1], ScoreCurriculum.Top([0.0, 1.0, 1.0], 0.3)); // tie at the cut: the earlier line wins
    }

    [Fact]
    public void A_stage_per_fraction_trains_on_a_growing_top_of_the_file()
    {
        // Given prompts scored 7, 6, …, 0 in file order
        using var dir = new TempDir();
        TinyRun.Create(dir.Path, prompts: 8);
        var lines = File.ReadAllLines(dir.File("prompts.jsonl")).Select((l, i) =>
        {
            var row = JsonNode.Parse(l)!.AsObject();
            row["potential"] = 7 - i;
            return row.ToJsonString();
        }).ToArray();
        File.WriteAllLines(dir.File("prompts.jsonl"), lines);
        var tokenizer = Tokenizer.FromFolder(Path.Combine(dir.Path, "model"));
        var data = new DataSection { TrainFiles = [dir.File("prompts.jsonl")], PromptKey = "question", Template = "none", ScoreKey = "potential" };

        // Then a quarter is the first two lines, half the first four
        var questions = lines.Select(l => (string)JsonNode.Parse(l)!["question"]!).ToList();
        var quarter = PromptSet.Load(data with { TopFraction = 0.25 }, tokenizer);
        Assert.Equal(questions.Take(2), quarter.Texts);
        Assert.Equal(6, quarter.BelowTopFraction);
        Assert.Equal(questions.Take(4), PromptSet.Load(data with { TopFraction = 0.5 }, tokenizer).Texts);

        // and a fraction without a score key, or a line without the score, is refused with the fix
        var noKey = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(null, ["data.top_fraction=0.5"]));
        Assert.StartsWith("config: data.top_fraction (0.5) ranks prompts by a score, but data.score_key is not set", noKey.Message);
        File.AppendAllText(dir.File("prompts.jsonl"), "{\"question\": \"1+1=\", \"answer\": \"2\"}\n");
        var missing = Assert.Throws<InvalidDataException>(() => PromptSet.Load(data with { TopFraction = 0.5 }, tokenizer));
        Assert.StartsWith($"{dir.File("prompts.jsonl")}:9: missing field \"potential\"", missing.Message);
    }
}
