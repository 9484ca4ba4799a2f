using System.Text.Json.Nodes;
using Verity.Hub.Checkpoints;
using Verity.Rl.Checkpoints;
using Verity.Rl.Training;

namespace Verity.Rl.Tests.Training;

public class TrainerTests
{
    private static readonly string[] TrlMetrics =
    [
        "reward", "reward_std", "frac_reward_zero_std", "completions/mean_length", "completions/clipped_ratio",
        "loss", "entropy", "kl", "grad_norm", "clip_ratio/low_mean", "clip_ratio/high_mean", "lr", "num_tokens", "rewards/math_accuracy/mean",
    ];

    private static TrainResult Train(string dir, string yaml, string? resume = null, params string[] overrides)
    {
        string config = Path.Combine(dir, $"config-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(config, yaml);
        return Trainer.Run(new TrainOptions { ConfigPath = config, Overrides = overrides, Resume = resume, Progress = TextWriter.Null, PlainProgress = true });
    }

    internal static List<JsonObject> Rows(string runDir) =>
        File.ReadAllLines(Path.Combine(runDir, "metrics.jsonl")).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();

    [Fact]
    public void Three_steps_log_trl_metrics_save_whole_checkpoints_and_change_every_parameter()
    {
        // Given a tiny SFT'd model and prompts
        using var dir = new TempDir();
        TinyRun.Create(dir.Path);

        // When training 3 steps with a checkpoint every 2
        var result = Train(dir.Path, TinyRun.Config(dir.Path, steps: 3, saveEvery: 2));

        // Then metrics.jsonl has one row per step with TRL's names, and the groups had signal
        string run = Path.Combine(dir.Path, "run");
        var rows = Rows(run);
        Assert.Equal([1, 2, 3], rows.Select(r => (int)r["step"]!));
        foreach (var row in rows)
            foreach (var key in TrlMetrics) Assert.True(row.ContainsKey(key), $"metrics.jsonl lacks {key}");
        Assert.Contains(rows, r => (double)r["reward_std"]! > 0);
        Assert.Contains(rows, r => (double)r["grad_norm"]! > 0);
        Assert.True(File.Exists(Path.Combine(run, "config.yaml")));
        Assert.Contains("prompt_key: question", File.ReadAllText(Path.Combine(run, "config.yaml")));
        Assert.Equal([2], File.ReadAllLines(Path.Combine(run, "completions.jsonl")).Select(l => (int)JsonNode.Parse(l)!["step"]!).Distinct());

        // and checkpoints 2 and 3 (the final one) are whole Hugging Face folders plus optimizer and state
        Assert.Equal(Path.Combine(run, "checkpoint-3"), result.FinalCheckpoint);
        foreach (var step in new[] { 2, 3 })
        {
            string ckpt = Path.Combine(run, $"checkpoint-{step}");
            foreach (var file in new[] { "config.json", "model.safetensors", "tokenizer.json", OptimizerStateFile.FileName, CheckpointManager.StateFileName, CheckpointManager.CompleteMarker })
                Assert.True(File.Exists(Path.Combine(ckpt, file)), $"{ckpt} lacks {file}");
            Assert.True(CheckpointManager.TryLoad(ckpt, out var c, out var why), why);
            Assert.Equal(step, c.Step);
            Assert.Equal(step * 4 % 16, c.State.ControllerStates["sampler"].GetProperty("cursor").GetInt32());
        }

        // and every trainable parameter moved (TRL's check), in the saved model
        var before = ModelFolder.Load(Path.Combine(dir.Path, "model")).Model.Parameters;
        var after = ModelFolder.Load(Path.Combine(run, "checkpoint-3")).Model.Parameters;
        for (int i = 0; i < before.Count; i++)
            Assert.False(before[i].Data.AsSpan().SequenceEqual(after[i].Data), $"{before[i].Key} did not change");
    }

    [Fact]
    public void Resume_auto_continues_with_exactly_the_metrics_of_an_uninterrupted_run()
    {
        using var dir = new TempDir();
        TinyRun.Create(dir.Path);
        Train(dir.Path, TinyRun.Config(dir.Path, steps: 4, saveEvery: 2, runName: "full"));

        // Given a copy of the run as it was when its checkpoint-2 was the newest (later rows are dropped on resume)
        string full = Path.Combine(dir.Path, "full"), cut = Path.Combine(dir.Path, "cut");
        Directory.CreateDirectory(cut);
        File.Copy(Path.Combine(full, "metrics.jsonl"), Path.Combine(cut, "metrics.jsonl"));
        Directory.CreateDirectory(Path.Combine(cut, "checkpoint-2"));
        foreach (var f in Directory.GetFiles(Path.Combine(full, "checkpoint-2")))
            File.Copy(f, Path.Combine(cut, "checkpoint-2", Path.GetFileName(f)));

        // When resuming it
        var result = Train(dir.Path, TinyRun.Config(dir.Path, steps: 4, saveEvery: 2, runName: "cut"), resume: "auto");

        // Then steps 3 and 4 are redone with the same numbers, and the final weights are equal
        Assert.Equal(2, result.ResumedFrom);
        AssertSameMetrics(Rows(full), Rows(cut));
        Assert.Equal(File.ReadAllBytes(Path.Combine(full, "checkpoint-4", "model.safetensors")), File.ReadAllBytes(Path.Combine(cut, "checkpoint-4", "model.safetensors")));
    }

    /// <summary>Same steps and the same value for every key except timings.</summary>
    internal static void AssertSameMetrics(List<JsonObject> expected, List<JsonObject> actual)
    {
        Assert.Equal(expected.Select(r => (int)r["step"]!), actual.Select(r => (int)r["step"]!));
        for (int i = 0; i < expected.Count; i++)
        {
            var keys = expected[i].Select(p => p.Key).Where(k => !k.StartsWith("time/", StringComparison.Ordinal)).ToList();
            Assert.Equal(keys, actual[i].Select(p => p.Key).Where(k => !k.StartsWith("time/", StringComparison.Ordinal)));
            foreach (var key in keys)
                Assert.True(expected[i][key]?.ToJsonString() == actual[i][key]?.ToJsonString(),
                    $"step {expected[i]["step"]}: {key} {expected[i][key]} vs {actual[i][key]}");
        }
    }

    [Fact]
    public void Bad_inputs_are_one_line_errors_naming_the_file_line_or_key()
    {
        using var dir = new TempDir();
        TinyRun.Create(dir.Path, prompts: 4);
        string yaml = TinyRun.Config(dir.Path, steps: 1, saveEvery: 0);

        var missingModel = Assert.Throws<DirectoryNotFoundException>(() => Train(dir.Path, yaml, null, $"model.path={dir.File("nope")}"));
        Assert.Contains("model.path", missingModel.Message);

        File.AppendAllText(dir.File("prompts.jsonl"), "{\"question\": \"1+1=\", \"answer\": \"2\"\n");
        var badLine = Assert.Throws<InvalidDataException>(() => Train(dir.Path, yaml));
        Assert.StartsWith($"{dir.File("prompts.jsonl")}:5: not valid JSON", badLine.Message);

        File.WriteAllText(dir.File("other.jsonl"), "{\"problem\": \"1+1=\", \"answer\": \"2\"}\n");
        var missingKey = Assert.Throws<InvalidDataException>(() => Train(dir.Path, yaml, null, $"data.train_files=[{dir.File("other.jsonl")}]"));
        Assert.Contains("missing field \"question\"", missingKey.Message);
        Assert.Contains("data.prompt_key", missingKey.Message);

        var unknownKey = Assert.Throws<InvalidDataException>(() => Train(dir.Path, yaml, null, "trainer.stepz=3"));
        Assert.Contains("trainer.steps", unknownKey.Message);

        var sampler = Assert.Throws<InvalidDataException>(() => Train(dir.Path, yaml, null, "data.sampler=gaussian", $"data.train_files=[{dir.File("other.jsonl")}]", "data.prompt_key=problem"));
        Assert.Contains("gaussian_difficulty", sampler.Message);
        foreach (var e in new Exception[] { missingModel, badLine, missingKey, unknownKey, sampler })
            Assert.DoesNotContain('\n', e.Message);
    }
}
