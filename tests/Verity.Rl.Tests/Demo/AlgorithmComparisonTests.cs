using Verity.Rl.Config;
using Verity.Rl.Demo;
using Verity.Rl.Tests.Config;

namespace Verity.Rl.Tests.Demo;

public class AlgorithmComparisonTests
{
    static readonly DemoOptions Budget = new() { PromptsPerStep = 16, GroupSize = 8, RlSteps = 50, RlLr = 3e-4, MaxNewTokens = 40 };

    /// <summary>Every preset, put on the demo task, validates and spends the same samples per step whatever its own n.</summary>
    [Fact]
    public void Every_preset_gets_the_same_sample_budget_and_the_demo_learning_rate()
    {
        foreach (var path in Directory.GetFiles(RepoPaths.Configs, "*.yaml"))
        {
            var preset = ConfigLoader.Resolve(path);
            var config = ConfigLoader.Load(path, AlgorithmComparison.Overrides(preset, Budget, "model", "train.jsonl", "run"));
            Assert.True(config.Data.BatchSize * config.Rollout.N == 128, $"{Path.GetFileName(path)}: {config.Data.BatchSize} × {config.Rollout.N}");
            Assert.Equal(preset.Rollout.N, config.Rollout.N);
            Assert.Equal(3e-4, config.Optim.Lr);
            Assert.Equal(50, config.Trainer.Steps);
            Assert.Equal(40, config.Rollout.MaxNewTokens);
            Assert.Equal(preset.Algorithm.AdvEstimator, config.Algorithm.AdvEstimator);
            Assert.Equal(preset.Algorithm.PolicyLoss, config.Algorithm.PolicyLoss);
        }
    }

    [Fact]
    public void Dapo_keeps_its_generation_ratio_and_overlong_buffer_fraction()
    {
        var preset = ConfigLoader.Resolve(Path.Combine(RepoPaths.Configs, "dapo.yaml"));
        var config = ConfigLoader.Load(Path.Combine(RepoPaths.Configs, "dapo.yaml"), AlgorithmComparison.Overrides(preset, Budget, "m", "t.jsonl", "r"));
        Assert.Equal(8, config.Data.BatchSize);           // 128 samples / n = 16
        Assert.Equal(24, config.Data.GenBatchSize);       // 3 × batch, as 96 / 32
        Assert.Equal(8, config.Algorithm.Overlong.BufferLen); // 1/5 of 40 tokens
    }

    [Fact]
    public void A_budget_that_a_preset_n_does_not_divide_is_an_error_with_a_hint()
    {
        var preset = new RunConfig { Rollout = new RolloutSection { N = 16 } };
        var ex = Assert.Throws<ArgumentException>(() => AlgorithmComparison.Overrides(preset, Budget with { PromptsPerStep = 3 }, "m", "t", "r"));
        Assert.Contains("HINT", ex.Message);
    }

    /// <summary>Steps to target use a 10-step window of the training reward; end entropy and length the last 10 % of the steps.</summary>
    [Fact]
    public void Summary_reads_steps_to_target_and_end_of_run_figures_from_metrics()
    {
        using var dir = new TempDir();
        var lines = Enumerable.Range(1, 40).Select(s =>
            $"{{\"step\": {s}, \"reward\": {(s <= 20 ? 0.4 : 0.8)}, \"entropy\": {(s > 36 ? 0.1 : 0.5)}, \"completions/mean_length\": {(s > 36 ? 20 : 30)}, \"frac_reward_zero_std\": {(s % 2 == 0 ? 1 : 0)}}}");
        File.WriteAllLines(dir.File("metrics.jsonl"), lines);

        var run = AlgorithmComparison.Summarize("grpo", 1, dir.File("metrics.jsonl"), target: 0.58);

        // the mean of steps s−9..s is 0.4 + 0.04·(s − 20) for s in 21..30: it first reaches 0.58 at step 25
        Assert.Equal(25, run.StepsToTarget);
        Assert.Equal(0.1, run.EntropyEnd, 9);
        Assert.Equal(20, run.LengthEnd, 9);
        Assert.Equal(0.5, run.ZeroAdvantageFraction, 9);
        Assert.Null(AlgorithmComparison.Summarize("grpo", 1, dir.File("metrics.jsonl"), target: 0.9).StepsToTarget);
    }

    /// <summary>
    /// End to end at toy size: one seed, SFT once, a preset that runs and one that cannot; the table has the
    /// run's row with its figures and the other as "not run: reason" — never a made-up number.
    /// </summary>
    [Fact]
    public void Compare_runs_presets_from_one_sft_checkpoint_and_lists_the_ones_that_cannot_run()
    {
        using var dir = new TempDir();
        var demo = new DemoOptions
        {
            Hidden = 32, Layers = 1, Heads = 2, KvHeads = 1, Intermediate = 64, SftSteps = 10, SftBatch = 8, SftWarmup = 2, SftEvalEvery = 0,
            RlSteps = 2, PromptsPerStep = 2, GroupSize = 4, HeldOut = 8, K = 2, MaxNewTokens = 12, RlLr = 1e-3,
        };
        var options = new ComparisonOptions
        {
            Presets = ["dr_grpo", "no_such_preset"], Seeds = [5], ConfigDir = RepoPaths.Configs,
            WorkDir = dir.File("work"), OutPath = dir.File("table.md"), Demo = demo,
        };
        var result = AlgorithmComparison.Run(options, TextWriter.Null);

        var ran = Assert.Single(result.Runs, r => r.Preset == "dr_grpo");
        Assert.Null(ran.NotRun);
        Assert.InRange(ran.AvgAtK, 0, 1);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(dir.File("work"), "seed-5", "dr_grpo", "metrics.jsonl")).Length);
        Assert.True(File.Exists(Path.Combine(dir.File("work"), "seed-5", "sft", "model.safetensors")), "the SFT checkpoint is kept for the next preset");
        var missing = Assert.Single(result.Runs, r => r.Preset == "no_such_preset");
        Assert.Contains("not found", missing.NotRun);

        string table = File.ReadAllText(dir.File("table.md"));
        Assert.Contains("| dr_grpo | ", table);
        Assert.Contains("| no_such_preset | — | — | — | — | — | — | — | — | — | not run: ", table);

        // a second invocation (e.g. all seeds after one process per seed) reuses the finished run
        var log = new StringWriter();
        var again = AlgorithmComparison.Run(options, log);
        Assert.Contains("dr_grpo: reusing the finished run", log.ToString());
        Assert.Equal(ran, Assert.Single(again.Runs, r => r.Preset == "dr_grpo") with { NotApplied = ran.NotApplied });
    }
}
