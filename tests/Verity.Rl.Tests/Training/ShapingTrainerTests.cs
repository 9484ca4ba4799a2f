using System.Text.Json.Nodes;
using Verity.Engine.Generation;
using Verity.Hub.Checkpoints;
using Verity.Hub.Tokenization;
using Verity.Rl.Checkpoints;
using Verity.Rl.Config;
using Verity.Rl.Tests.Tracking;
using Verity.Rl.Training;

namespace Verity.Rl.Tests.Training;

/// <summary>The shaping, evaluation and tracking keys through <c>verity train</c> on the tiny run.</summary>
public class ShapingTrainerTests
{
    private static TrainResult Train(string dir, string yaml, string? resume = null, params string[] overrides)
    {
        string config = Path.Combine(dir, $"config-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(config, yaml);
        return Trainer.Run(new TrainOptions { ConfigPath = config, Overrides = overrides, Resume = resume, Progress = TextWriter.Null, PlainProgress = true });
    }

    [Fact]
    public void Eval_every_logs_held_out_accuracy_of_the_current_policy_and_tensorboard_gets_the_rows()
    {
        // Given the tiny run with held-out prompts, evaluation every 2 steps and TensorBoard switched on
        using var dir = new TempDir();
        TinyRun.Create(dir.Path);
        Train(dir.Path, TinyRun.Config(dir.Path, steps: 3, saveEvery: 2), null,
            $"data.eval_files=[{dir.File("prompts.jsonl")}]", "trainer.eval_every=2", "trainer.eval_k=3", "trainer.trackers=[console, jsonl, tensorboard]");

        // Then steps 2 and 3 (the last) carry eval/* metrics and step 1 none
        string run = Path.Combine(dir.Path, "run");
        var rows = TrainerTests.Rows(run);
        Assert.DoesNotContain(rows[0], p => p.Key.StartsWith("eval/", StringComparison.Ordinal));
        foreach (var row in rows.Skip(1))
            foreach (var key in new[] { "eval/avg@3", "eval/pass@3", "eval/reward", "eval/greedy_acc", "eval/mean_length" })
                Assert.True(row.ContainsKey(key), $"step {row["step"]} lacks {key}");
        Assert.True((double)rows[1]["eval/pass@3"]! >= (double)rows[1]["eval/avg@3"]!);

        // and greedy accuracy is that of checkpoint-2, decoded greedily here and scored by math_accuracy
        var tokenizer = Tokenizer.FromFolder(Path.Combine(dir.Path, "model"));
        var model = ModelFolder.Load(Path.Combine(run, "checkpoint-2"));
        var generator = new Generator(model.Model, new GeneratorOptions { DefaultStopTokenIds = [.. model.Generation!.EosTokenIds] });
        var problems = File.ReadAllLines(dir.File("prompts.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        var greedy = generator.Generate(problems.Select(p => new GenerationRequest(tokenizer.Encode((string)p["question"]!, true),
            new SamplingParams { N = 1, Temperature = 0, MaxNewTokens = 3 })).ToList());
        var reward = new TrainingReward([new RewardEntry()]);
        double correct = problems.Select((p, i) => reward.Score(tokenizer.Decode(greedy.Requests[i].Samples[0].CompletionIds, true), (string)p["answer"]!) > 0 ? 1 : 0).Sum();
        Assert.Equal(correct / problems.Count, (double)rows[1]["eval/greedy_acc"]!, 12);

        // and the TensorBoard event file holds the same reward scalars per step
        var events = TensorBoardReader.Read(Directory.GetFiles(run, "events.out.tfevents.*").Single());
        var rewards = events.SelectMany(e => e.Scalars.Where(s => s.Tag == "reward").Select(s => (e.Step, (double)s.Value))).ToList();
        Assert.Equal(rows.Select(r => ((long)(int)r["step"]!, (double)(float)(double)r["reward"]!)), rewards);
    }

    [Fact]
    public void Eval_max_prompts_evaluates_only_the_first_prompts_of_the_eval_file()
    {
        // Given the tiny run evaluating its prompt file every step, limited to the first 2 prompts
        using var dir = new TempDir();
        TinyRun.Create(dir.Path);
        int all = File.ReadAllLines(dir.File("prompts.jsonl")).Length;
        Assert.True(all > 2);
        Train(dir.Path, TinyRun.Config(dir.Path, steps: 1, saveEvery: 1), null,
            $"data.eval_files=[{dir.File("prompts.jsonl")}]", "trainer.eval_every=1", "trainer.eval_k=2", "trainer.eval_max_prompts=2");

        // Then the evaluation saw 2 prompts, and greedy accuracy is a fraction of 2
        var row = TrainerTests.Rows(Path.Combine(dir.Path, "run")).Single();
        Assert.Equal(2.0, (double)row["eval/prompts"]!);
        Assert.Contains((double)row["eval/greedy_acc"]!, new[] { 0.0, 0.5, 1.0 });
    }

    [Fact]
    public void Stop_strings_end_rollouts_and_the_reward_sees_the_text_before_them()
    {
        using var dir = new TempDir();
        TinyRun.Create(dir.Path);
        string yaml = TinyRun.Config(dir.Path, steps: 2, saveEvery: 0);
        Train(dir.Path, yaml, null, "trainer.completions_every=1", "trainer.run_dir=" + dir.File("plain"));
        Train(dir.Path, yaml, null, "trainer.completions_every=1", "trainer.run_dir=" + dir.File("stopped"), "rollout.stop=[\"3\", \"5\"]");

        // step 1 samples the same tokens up to the stop (same model and seeds): the stopped text is the plain text cut
        // before the first stop string, and the rollouts are shorter because they end on the stop string's token
        static List<string> Completions(string run, int step) => File.ReadAllLines(Path.Combine(run, "completions.jsonl"))
            .Select(l => JsonNode.Parse(l)!).Where(c => (int)c["step"]! == step).Select(c => (string)c["completion"]!).ToList();
        var plain = Completions(dir.File("plain"), 1);
        var stopped = Completions(dir.File("stopped"), 1);
        Assert.Contains(plain, c => c.IndexOfAny(['3', '5']) >= 0);
        Assert.Equal(plain.Select(c => c.IndexOfAny(['3', '5']) is var i && i >= 0 ? c[..i] : c), stopped);
        Assert.All(Completions(dir.File("stopped"), 2), c => Assert.True(c.IndexOfAny(['3', '5']) < 0, c));
        Assert.True((double)TrainerTests.Rows(dir.File("stopped"))[0]["completions/mean_length"]! < (double)TrainerTests.Rows(dir.File("plain"))[0]["completions/mean_length"]!);
    }

    [Fact]
    public void Daro_weights_and_an_adaptive_kl_coefficient_are_logged_saved_and_restored_exactly_on_resume()
    {
        using var dir = new TempDir();
        TinyRun.Create(dir.Path);
        string[] shaping = ["algorithm.daro.enable=true", "algorithm.daro.weight_lr=0.2", "algorithm.kl.coef=0.05", "algorithm.kl.in_reward=true",
            "algorithm.kl.adaptive=true", "algorithm.kl.target=0.001", "algorithm.kl.horizon=50", "algorithm.overlong.filter=true",
            "algorithm.overlong.punish=true", "algorithm.overlong.buffer_len=1"];
        Train(dir.Path, TinyRun.Config(dir.Path, steps: 4, saveEvery: 2, runName: "full"), null, shaping);

        string full = Path.Combine(dir.Path, "full"), cut = Path.Combine(dir.Path, "cut");
        var rows = TrainerTests.Rows(full);
        Assert.All(rows, r => Assert.True(r.ContainsKey("daro/weight_0.5") && r.ContainsKey("kl_coef") && r.ContainsKey("overlong/penalty_mean"), $"step {r["step"]}"));
        Assert.Contains(rows, r => (double)r["daro/weight_0.5"]! != 1.0 || (double)r["daro/weight_0.25"]! != 1.0);
        Assert.NotEqual((double)rows[0]["kl_coef"]!, (double)rows[3]["kl_coef"]!);
        Assert.True(CheckpointManager.TryLoad(Path.Combine(full, "checkpoint-2"), out var saved, out var why), why);
        Assert.Equal(9, saved.State.ControllerStates["daro"].GetProperty("log_weights").GetArrayLength());

        Directory.CreateDirectory(Path.Combine(cut, "checkpoint-2"));
        File.Copy(Path.Combine(full, "metrics.jsonl"), Path.Combine(cut, "metrics.jsonl"));
        foreach (var f in Directory.GetFiles(Path.Combine(full, "checkpoint-2")))
            File.Copy(f, Path.Combine(cut, "checkpoint-2", Path.GetFileName(f)));
        Train(dir.Path, TinyRun.Config(dir.Path, steps: 4, saveEvery: 2, runName: "cut"), "auto", shaping);

        TrainerTests.AssertSameMetrics(TrainerTests.Rows(full), TrainerTests.Rows(cut));
        Assert.Equal(File.ReadAllBytes(Path.Combine(full, "checkpoint-4", "model.safetensors")), File.ReadAllBytes(Path.Combine(cut, "checkpoint-4", "model.safetensors")));
    }

    [Theory]
    [InlineData("trainer.trackers=[console, jsonl, wandb]", "trainer.trackers 'wandb' is not known", "console, jsonl, tensorboard")]
    [InlineData("trainer.trackers=[console]", "trainer.trackers lacks jsonl", "trainer.trackers=[console, jsonl]")]
    [InlineData("trainer.eval_every=5", "data.eval_files is empty", "trainer.eval_every=0")]
    [InlineData("trainer.eval_max_prompts=-1", "trainer.eval_max_prompts", "use 0 for every prompt")]
    [InlineData("algorithm.sample_weighting=dapo|algorithm.daro.enable=true", "algorithm.sample_weighting ('dapo') and algorithm.daro.enable", "keep one")]
    [InlineData("algorithm.overlong.punish=true|algorithm.overlong.buffer_len=64|reward=[{name: soft_overlong}]", "algorithm.overlong.punish and the soft_overlong reward", "remove soft_overlong")]
    [InlineData("rollout.stop=[\"</answer>\", \"\"]", "rollout.stop.1 is empty", "non-empty stop strings")]
    [InlineData("algorithm.sample_weighting=dr_grpo|rollout.n=1|algorithm.adv_estimator=reinforce_pp", "algorithm.sample_weighting weights samples by their group's pass rate", "rollout.n ≥ 2")]
    public void Shaping_keys_fail_validation_in_one_line_naming_the_key_and_the_fix(string overrides, string problem, string fix)
    {
        var ex = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(null, overrides.Split('|')));
        Assert.Contains(problem, ex.Message);
        Assert.Contains("HINT: " , ex.Message);
        Assert.Contains(fix, ex.Message[ex.Message.IndexOf("HINT", StringComparison.Ordinal)..]);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Every_shaping_key_is_applied_so_none_is_reported_as_not_yet_applied()
    {
        var config = ConfigLoader.Load(null, ["algorithm.kl.coef=0.1", "algorithm.kl.in_reward=true", "algorithm.adv_estimator=reinforce_pp",
            "algorithm.overlong.filter=true", "algorithm.overlong.punish=true", "algorithm.overlong.buffer_len=64", "algorithm.sample_weighting=dapo", "rollout.stop=[\"</answer>\"]",
            "trainer.eval_every=5", "data.eval_files=[held_out.jsonl]", "trainer.trackers=[jsonl, tensorboard]"]);
        Assert.Empty(Trainer.NotYetApplied(config));
        Assert.Empty(Trainer.NotYetApplied(ConfigLoader.Load(null, ["algorithm.daro.enable=true"])));
    }
}
