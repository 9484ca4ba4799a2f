using System.Text.Json.Nodes;
using Verity.Rl.Checkpoints;
using Verity.Rl.Training;

namespace Verity.Rl.Tests.Training;

/// <summary>Prompt selection wired into verity train: refill, history resampling, pass-rate data, and their resume.</summary>
public class PromptSelectionTrainerTests
{
    private static TrainResult Train(string dir, string yaml, string? resume, params string[] overrides)
    {
        string config = Path.Combine(dir, $"config-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(config, yaml);
        return Trainer.Run(new TrainOptions { ConfigPath = config, Overrides = overrides, Resume = resume, Progress = TextWriter.Null, PlainProgress = true });
    }

    /// <summary>A copy of <paramref name="full"/> as it was when checkpoint-<paramref name="step"/> was the newest.</summary>
    private static void CutAt(string full, string cut, int step)
    {
        Directory.CreateDirectory(Path.Combine(cut, $"checkpoint-{step}"));
        File.Copy(Path.Combine(full, "metrics.jsonl"), Path.Combine(cut, "metrics.jsonl"));
        foreach (var f in Directory.GetFiles(Path.Combine(full, $"checkpoint-{step}")))
            File.Copy(f, Path.Combine(cut, $"checkpoint-{step}", Path.GetFileName(f)));
    }

    /// <summary>History resampling; near-greedy sampling so that a prompt the tiny model answers right is answered
    /// right by both samples (all correct), and a small lr so that stays so.</summary>
    private static readonly string[] Srpo = ["data.sampler=history_resampling", "rollout.n=2", "rollout.temperature=0.05", "optim.lr=1e-5", "data.batch_size=2", "optim.micro_batch=2"];

    [Fact]
    public void History_resampling_table_is_restored_on_resume_and_decides_the_next_epoch()
    {
        // Given an uninterrupted run over 8 prompts (4 steps an epoch), saved at step 3, mid-epoch
        using var dir = new TempDir();
        TinyRun.Create(dir.Path, prompts: 8);
        string full = Path.Combine(dir.Path, "full"), cut = Path.Combine(dir.Path, "cut");
        Train(dir.Path, TinyRun.Config(dir.Path, steps: 7, saveEvery: 3, runName: "full"), null, Srpo);
        var rows = TrainerTests.Rows(full);

        // in which a prompt solved before the checkpoint (in its saved tally) leaves the set when epoch 1 starts
        Assert.True(CheckpointManager.TryLoad(Path.Combine(full, "checkpoint-3"), out var ckpt, out var why), why);
        var sampler = JsonNode.Parse(ckpt.State.ControllerStates["sampler"].GetRawText())!;
        var solved = sampler["tally"]!.AsArray().Where(t => (int)t![1]! == (int)t[2]! && (int)t[2]! > 0).Select(t => (int)t![0]!).ToList();
        Assert.Single(solved);
        Assert.Equal([8, 8, 8, 8, 7, 7, 7], rows.Select(r => (int)r["sampler/active_prompts"]!));
        Assert.True(CheckpointManager.TryLoad(Path.Combine(full, "checkpoint-7"), out var last, out why), why);
        Assert.Equal(solved, JsonNode.Parse(last.State.ControllerStates["sampler"].GetRawText())!["removed"]!.AsArray().Select(i => (int)i!));

        // When a copy cut at checkpoint-3 resumes
        CutAt(full, cut, 3);
        var result = Train(dir.Path, TinyRun.Config(dir.Path, steps: 7, saveEvery: 3, runName: "cut"), "auto", Srpo);

        // Then steps 4–7 repeat exactly: the restored tally removed the same prompt
        Assert.Equal(3, result.ResumedFrom);
        TrainerTests.AssertSameMetrics(rows, TrainerTests.Rows(cut));
    }

    private static readonly string[] Dapo =
    [
        "rollout.n=2", "data.batch_size=2", "data.gen_batch_size=3",
        "algorithm.dynamic_sampling.enable=true", "algorithm.dynamic_sampling.max_gen_batches=3", "optim.micro_batch=2",
    ];

    [Fact]
    public void Dynamic_sampling_refill_advances_the_sampler_by_what_it_drew_and_resumes_exactly()
    {
        // Given an uninterrupted 8-step run with refill rounds of 3 prompts, saved at step 4
        using var dir = new TempDir();
        TinyRun.Create(dir.Path, prompts: 6);
        string full = Path.Combine(dir.Path, "full"), cut = Path.Combine(dir.Path, "cut");
        Train(dir.Path, TinyRun.Config(dir.Path, steps: 8, saveEvery: 4, runName: "full"), null, Dapo);
        var rows = TrainerTests.Rows(full);

        // the sampler consumed 3 prompts per generation round (epoch = prompts drawn / 6), some steps refilled
        double drawn = 0;
        foreach (var r in rows)
        {
            drawn += 3 * (double)r["dynamic_sampling/gen_batches"]!;
            Assert.Equal(drawn / 6, (double)r["epoch"]!, 12);
            Assert.Equal((double)r["dynamic_sampling/kept_groups"]! >= 2 ? 1 : 0, (double)r["dynamic_sampling/batch_full"]!);
        }
        Assert.Contains(rows.Skip(4), r => (double)r["dynamic_sampling/gen_batches"]! > 1);

        // When a copy cut at checkpoint-4 resumes
        CutAt(full, cut, 4);
        var result = Train(dir.Path, TinyRun.Config(dir.Path, steps: 8, saveEvery: 4, runName: "cut"), "auto", Dapo);

        // Then steps 5–8 repeat exactly, refill rounds included
        Assert.Equal(4, result.ResumedFrom);
        TrainerTests.AssertSameMetrics(rows, TrainerTests.Rows(cut));
        Assert.Equal(File.ReadAllBytes(Path.Combine(full, "checkpoint-8", "model.safetensors")), File.ReadAllBytes(Path.Combine(cut, "checkpoint-8", "model.safetensors")));
    }
}
