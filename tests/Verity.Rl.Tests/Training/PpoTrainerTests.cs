using Verity.Engine.Model;
using Verity.Hub.Checkpoints;
using Verity.Hub.Safetensors;
using Verity.Rl.Checkpoints;
using Verity.Rl.Tests.Config;
using Verity.Rl.Training;

namespace Verity.Rl.Tests.Training;

/// <summary><c>verity train</c> with configs/ppo.yaml (GAE + critic) on the tiny run of <see cref="TinyRun"/>.</summary>
public class PpoTrainerTests
{
    private static TrainResult Train(string dir, int steps, int saveEvery, string runName, string? resume = null) =>
        Trainer.Run(new TrainOptions
        {
            ConfigPath = Path.Combine(RepoPaths.Configs, "ppo.yaml"),
            Overrides =
            [
                $"model.path={Path.Combine(dir, "model")}", $"data.train_files=[{Path.Combine(dir, "prompts.jsonl")}]",
                "data.prompt_key=question", "data.template=none", "data.batch_size=4", "rollout.n=4", "rollout.max_new_tokens=3",
                "optim.lr=1.0e-2", "optim.critic_lr=1.0e-2", "optim.micro_batch=8",
                $"trainer.steps={steps}", $"trainer.save_every={saveEvery}", "trainer.keep_last=0", "trainer.seed=5", "trainer.threads=1",
                $"trainer.run_dir={Path.Combine(dir, runName)}",
            ],
            Resume = resume,
            Progress = TextWriter.Null,
            PlainProgress = true,
        });

    [Fact]
    public void The_ppo_preset_trains_a_critic_logs_its_metrics_and_checkpoints_it()
    {
        // Given a tiny SFT'd model and prompts
        using var dir = new TempDir();
        TinyRun.Create(dir.Path);

        // When running the ppo preset for 3 steps with a checkpoint every 2
        Train(dir.Path, steps: 3, saveEvery: 2, runName: "run");

        // Then every step logs verl's critic metrics next to the actor's
        string run = Path.Combine(dir.Path, "run");
        var rows = TrainerTests.Rows(run);
        Assert.Equal([1, 2, 3], rows.Select(r => (int)r["step"]!));
        foreach (var row in rows)
            foreach (var key in new[] { "critic/vf_loss", "critic/vf_clipfrac", "critic/values/mean", "critic/vf_explained_var", "critic/grad_norm", "loss", "grad_norm" })
                Assert.True(row.ContainsKey(key), $"metrics.jsonl lacks {key}");
        Assert.Equal(0, (double)rows[0]["critic/values/mean"]!);   // a fresh value head predicts 0
        Assert.NotEqual(0, (double)rows[2]["critic/values/mean"]!);

        // and each checkpoint holds the critic as a Hugging Face folder with score.weight plus its optimizer state
        foreach (var step in new[] { 2, 3 })
        {
            string critic = Path.Combine(run, $"checkpoint-{step}", Critic.FolderName);
            foreach (var file in new[] { "config.json", "model.safetensors", OptimizerStateFile.FileName })
                Assert.True(File.Exists(Path.Combine(critic, file)), $"{critic} lacks {file}");
            using var weights = SafetensorsCheckpoint.OpenDirectory(critic);
            Assert.Contains("score.weight", weights.Names);
            Assert.True(CheckpointManager.TryLoad(Path.Combine(run, $"checkpoint-{step}"), out var c, out var why), why);
            Assert.Contains($"{Critic.FolderName}/model.safetensors", c.State.Files.Keys);
        }
        var saved = ModelFolder.Load(Path.Combine(run, "checkpoint-3", Critic.FolderName), withValueHead: true).Model;
        Assert.Contains(saved.Get(new ParameterKey(ParameterKind.ValueHead)).Data, v => v != 0);
    }

    [Fact]
    public void Resume_restores_the_critic_and_its_optimizer_and_repeats_the_metrics_exactly()
    {
        using var dir = new TempDir();
        TinyRun.Create(dir.Path);
        Train(dir.Path, steps: 4, saveEvery: 2, runName: "full");

        // Given a copy of the run as it was when its checkpoint-2 was the newest
        string full = Path.Combine(dir.Path, "full"), cut = Path.Combine(dir.Path, "cut");
        Directory.CreateDirectory(cut);
        File.Copy(Path.Combine(full, "metrics.jsonl"), Path.Combine(cut, "metrics.jsonl"));
        CopyTree(Path.Combine(full, "checkpoint-2"), Path.Combine(cut, "checkpoint-2"));

        // When resuming it
        var result = Train(dir.Path, steps: 4, saveEvery: 2, runName: "cut", resume: "auto");

        // Then steps 3 and 4 log the same numbers (critic metrics included), and policy, critic and both optimizers end equal
        Assert.Equal(2, result.ResumedFrom);
        TrainerTests.AssertSameMetrics(TrainerTests.Rows(full), TrainerTests.Rows(cut));
        foreach (var file in new[] { "model.safetensors", OptimizerStateFile.FileName, $"{Critic.FolderName}/model.safetensors", $"{Critic.FolderName}/{OptimizerStateFile.FileName}" })
            Assert.True(File.ReadAllBytes(Path.Combine(full, "checkpoint-4", file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(cut, "checkpoint-4", file))), $"{file} differs");
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (var d in Directory.GetDirectories(from)) CopyTree(d, Path.Combine(to, Path.GetFileName(d)));
    }
}
