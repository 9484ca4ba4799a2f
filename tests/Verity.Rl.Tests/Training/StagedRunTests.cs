using System.Text.Json.Nodes;
using Verity.Rl.Config;
using Verity.Rl.Training;

namespace Verity.Rl.Tests.Training;

public class StagedRunTests
{
    /// <summary>Two stages: 2 steps at 2 response tokens on prompts.jsonl, then 2 steps at lr 1e-3 on late.jsonl.</summary>
    private static string Yaml(string dir, string run) => TinyRun.Config(dir, steps: 4, saveEvery: 1, runName: run) + $"""

        stages:
          - name: short
            steps: 2
            overrides: ["rollout.max_new_tokens=2", "rollout.n=2", "optim.micro_batch=2"]
          - name: late
            steps: 2
            overrides: ["optim.lr=1.0e-3", "data.train_files=[{Path.Combine(dir, "late.jsonl")}]"]
        """;

    private static TrainResult Train(string dir, string run, string? resume)
    {
        string config = Path.Combine(dir, $"{run}.yaml");
        File.WriteAllText(config, Yaml(dir, run));
        return Trainer.Run(new TrainOptions { ConfigPath = config, Resume = resume, Progress = TextWriter.Null, PlainProgress = true });
    }

    private static void CreateData(string dir)
    {
        TinyRun.Create(dir, prompts: 8);
        File.WriteAllLines(Path.Combine(dir, "late.jsonl"), ["{\"question\": \"9+0=\", \"answer\": \"9\"}", "{\"question\": \"0+9=\", \"answer\": \"9\"}"]);
    }

    [Fact]
    public void Each_stage_trains_its_own_overrides_from_the_previous_stage_s_final_weights()
    {
        using var dir = new TempDir();
        CreateData(dir.Path);

        var result = Train(dir.Path, "run", resume: null);

        string run = dir.File("run"), s1 = Path.Combine(run, "stage-1-short"), s2 = Path.Combine(run, "stage-2-late");
        Assert.Equal(4, result.LastStep);
        Assert.Equal(Path.Combine(s2, "checkpoint-2"), result.FinalCheckpoint);
        // stage 1: its length and group size
        var rows1 = TrainerTests.Rows(s1);
        Assert.Equal([1, 2], rows1.Select(r => (int)r["step"]!));
        Assert.All(rows1, r => Assert.True((double)r["completions/max_length"]! <= 2));
        // stage 2: started from stage 1's final checkpoint with the base reference, its lr and its data
        var stage2 = ConfigLoader.Load(Path.Combine(s2, "config.yaml"));
        Assert.Equal(Path.Combine(s1, "checkpoint-2"), stage2.Model.Path);
        Assert.Equal(Path.Combine(dir.Path, "model"), stage2.Model.ReferencePath);
        Assert.Equal(8, stage2.Rollout.N);
        Assert.Equal([1e-3, 1e-3], TrainerTests.Rows(s2).Select(r => (double)r["lr"]!));
        var prompts = File.ReadAllLines(Path.Combine(s2, "completions.jsonl")).Select(l => (string)JsonNode.Parse(l)!["prompt"]!).Distinct().Order();
        Assert.Equal(["0+9=", "9+0="], prompts);
        Assert.Empty(stage2.Stages);
    }

    [Fact]
    public void Resume_auto_skips_finished_stages_and_continues_mid_stage_with_the_same_metrics()
    {
        using var dir = new TempDir();
        CreateData(dir.Path);
        Train(dir.Path, "full", resume: null);

        // Given a copy cut after step 1 of stage 2 (stage 1 complete)
        string full = dir.File("full"), cut = dir.File("cut");
        foreach (var file in Directory.GetFiles(full, "*", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(full, file);
            if (rel.StartsWith("stage-2-late" + Path.DirectorySeparatorChar + "checkpoint-2", StringComparison.Ordinal)) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(cut, rel))!);
            File.Copy(file, Path.Combine(cut, rel));
        }
        // the stage-1 checkpoint paths in the copy must be the copy's own
        var result = Train(dir.Path, "cut", resume: "auto");

        Assert.Equal(3, result.ResumedFrom);
        TrainerTests.AssertSameMetrics(TrainerTests.Rows(Path.Combine(full, "stage-2-late")), TrainerTests.Rows(Path.Combine(cut, "stage-2-late")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(full, "stage-2-late", "checkpoint-2", "model.safetensors")),
            File.ReadAllBytes(Path.Combine(cut, "stage-2-late", "checkpoint-2", "model.safetensors")));

        // and a finished staged run has nothing left to do
        var again = Train(dir.Path, "cut", resume: "auto");
        Assert.Null(again.FinalCheckpoint);
        Assert.Equal((4, 4), (again.ResumedFrom, again.LastStep));
    }

    [Theory]
    [InlineData("trainer.steps=5", "trainer.steps (5) is not the sum of stages[].steps (4)")]
    [InlineData("stages.0.overrides=[trainer.seed=3]", "stages.0.overrides sets trainer.seed")]
    [InlineData("stages.1.overrides=[model.path=x]", "stages.1.overrides sets model.path")]
    [InlineData("stages.0.steps=0", "stages.0.steps must be ≥ 1")]
    public void Bad_stage_lists_are_one_line_errors_naming_the_key_and_fix(string extra, string expected)
    {
        using var dir = new TempDir();
        string config = dir.File("c.yaml");
        File.WriteAllText(config, """
            trainer:
              steps: 4
            stages:
              - {name: a, steps: 2}
              - {name: b, steps: 2}
            """);
        var ex = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(config, [extra]));
        Assert.Contains(expected, ex.Message);
        Assert.Contains("HINT:", ex.Message);
    }
}
