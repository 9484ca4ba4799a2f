using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Verity.Rl.Checkpoints;

namespace Verity.Rl.Tests.Checkpoints;

public class CheckpointManagerTests
{
    private static CheckpointPayloadWriter Payload(long step) => dir =>
    {
        File.WriteAllBytes(Path.Combine(dir, "model.safetensors"), Enumerable.Repeat((byte)step, 1000 + (int)step).ToArray());
        Directory.CreateDirectory(Path.Combine(dir, "optimizer"));
        File.WriteAllText(Path.Combine(dir, "optimizer", "state.json"), $"{{\"t\":{step}}}");
    };

    private static string[] Folders(string runDir) =>
        Directory.GetDirectories(runDir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void Should_Publish_A_Complete_Folder_With_State_Manifest_And_Marker()
    {
        // Given / When
        using var run = new TempDir();
        var manager = new CheckpointManager(run.Path);
        var saved = manager.Save(12, Payload(12), new Dictionary<string, JsonNode?> { ["adaptive_kl"] = new JsonObject { ["beta"] = 0.04 } });

        // Then only the final folder exists, and the state lists every payload file with its size
        Assert.Equal(["checkpoint-12"], Folders(run.Path));
        Assert.Equal(run.File("checkpoint-12"), saved.Path);
        Assert.True(File.Exists(Path.Combine(saved.Path, "COMPLETE")));
        Assert.True(CheckpointManager.TryLoad(saved.Path, out var loaded, out _));
        Assert.Equal(12, loaded.State.GlobalStep);
        Assert.Equal(new Dictionary<string, long> { ["model.safetensors"] = 1012, ["optimizer/state.json"] = 8 }, loaded.State.Files);
        Assert.Equal(0.04, loaded.State.ControllerStates["adaptive_kl"].GetProperty("beta").GetDouble());
    }

    [Fact]
    public void Should_Keep_The_Last_K()
    {
        using var run = new TempDir();
        var manager = new CheckpointManager(run.Path, new CheckpointPolicy { KeepLast = 2 });
        for (long s = 1; s <= 5; s++) manager.Save(s * 10, Payload(s * 10));
        Assert.Equal(["checkpoint-40", "checkpoint-50"], Folders(run.Path));
    }

    [Theory]
    [InlineData(MetricMode.Max, "checkpoint-20")]
    [InlineData(MetricMode.Min, "checkpoint-30")]
    public void Should_Also_Keep_The_Best_By_Metric(MetricMode mode, string best)
    {
        // Given accuracies 0.5, 0.9, 0.1, 0.6, 0.7 at steps 10..50, keep the last 2 and the best 1
        using var run = new TempDir();
        var manager = new CheckpointManager(run.Path, new CheckpointPolicy { KeepLast = 2, KeepBest = 1, BestMetric = "eval/accuracy", Mode = mode });
        double[] accuracy = [0.5, 0.9, 0.1, 0.6, 0.7];
        Checkpoint last = null!;
        for (int i = 0; i < accuracy.Length; i++) last = manager.Save((i + 1) * 10, Payload((i + 1) * 10), metricValue: accuracy[i]);

        // Then the best survives beside the last two, and the newest state names it
        Assert.Equal(new[] { best, "checkpoint-40", "checkpoint-50" }.Order(StringComparer.Ordinal), Folders(run.Path));
        Assert.Equal(best, last.State.BestModelCheckpoint);
        Assert.Equal(mode == MetricMode.Max ? 0.9 : 0.1, last.State.BestMetric);
        Assert.Equal(0.7, last.State.MetricValue);
    }

    [Fact]
    public void Should_Resume_From_The_Newest_Complete_And_Clean_Up_Torn_Ones()
    {
        // Given two good checkpoints and three torn ones: a tmp folder, a folder without marker,
        // and a folder whose model file lost bytes
        using var run = new TempDir();
        var logger = new ListLogger();
        var manager = new CheckpointManager(run.Path, new CheckpointPolicy { KeepLast = 5 }, logger);
        manager.Save(1, Payload(1));
        manager.Save(2, Payload(2));
        Directory.CreateDirectory(run.File("checkpoint-3.tmp-0123abcd"));
        File.WriteAllText(Path.Combine(run.File("checkpoint-3.tmp-0123abcd"), "model.safetensors"), "half");
        manager.Save(4, Payload(4));
        File.Delete(Path.Combine(run.File("checkpoint-4"), "COMPLETE"));
        manager.Save(5, Payload(5));
        using (var f = new FileStream(Path.Combine(run.File("checkpoint-5"), "model.safetensors"), FileMode.Open)) f.SetLength(10);
        Directory.CreateDirectory(run.File("checkpoint-notes")); // not a checkpoint name: left alone

        // When resume is automatic
        var resumed = new CheckpointManager(run.Path, logger: logger).Resolve("auto");

        // Then step 2 is chosen, the torn folders are gone, each with a warning
        Assert.NotNull(resumed);
        Assert.Equal(2, resumed.Step);
        Assert.Equal(["checkpoint-1", "checkpoint-2", "checkpoint-notes"], Folders(run.Path));
        var warnings = logger.Lines.Where(l => l.Level == LogLevel.Warning).Select(l => l.Message).ToArray();
        Assert.Equal(3, warnings.Length);
        Assert.Contains(warnings, w => w.Contains("checkpoint-3.tmp-0123abcd"));
        Assert.Contains(warnings, w => w.Contains("checkpoint-4") && w.Contains("no COMPLETE marker"));
        Assert.Contains(warnings, w => w.Contains("checkpoint-5") && w.Contains("has 10 bytes, expected 1005"));
    }

    [Fact]
    public void Should_Start_Fresh_When_There_Is_Nothing_To_Resume()
    {
        using var run = new TempDir();
        Assert.Null(new CheckpointManager(run.File("not-yet")).Resolve("auto"));
        Assert.Null(new CheckpointManager(run.Path).Resolve("none"));
    }

    [Fact]
    public void Should_Refuse_An_Explicit_Incomplete_Checkpoint_With_A_Hint()
    {
        using var run = new TempDir();
        Directory.CreateDirectory(run.File("checkpoint-7"));
        var manager = new CheckpointManager(run.Path);
        var ex = Assert.Throws<InvalidDataException>(() => manager.Resolve(run.File("checkpoint-7")));
        Assert.Contains("no COMPLETE marker", ex.Message);
        Assert.Contains("HINT: use --resume auto", ex.Message);
        Assert.Throws<DirectoryNotFoundException>(() => manager.Resolve(run.File("checkpoint-8")));
    }

    [Fact]
    public void Should_Leave_Nothing_When_The_Payload_Writer_Fails()
    {
        using var run = new TempDir();
        var manager = new CheckpointManager(run.Path);
        manager.Save(1, Payload(1));
        Assert.Throws<IOException>(() => manager.Save(2, dir =>
        {
            File.WriteAllText(Path.Combine(dir, "model.safetensors"), "partial");
            throw new IOException("disk full");
        }));
        Assert.Equal(["checkpoint-1"], Folders(run.Path));
        Assert.Equal(1, manager.Resolve("auto")!.Step);
    }

    [Fact]
    public void Should_Replace_A_Step_Saved_Again_After_Resume()
    {
        using var run = new TempDir();
        var manager = new CheckpointManager(run.Path);
        manager.Save(3, Payload(3));
        manager.Save(3, dir => File.WriteAllText(Path.Combine(dir, "model.safetensors"), "again"));
        var c = manager.Resolve("auto")!;
        Assert.Equal("again", File.ReadAllText(Path.Combine(c.Path, "model.safetensors")));
        Assert.Equal(["checkpoint-3"], Folders(run.Path));
    }

    [Theory]
    [InlineData(0, 0, null, "keep_last must be >= 1")]
    [InlineData(1, 2, null, "needs best_metric")]
    [InlineData(1, -1, null, "keep_best must be >= 0")]
    public void Should_Reject_Bad_Policies_With_A_Hint(int keepLast, int keepBest, string? metric, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => new CheckpointManager("x", new CheckpointPolicy { KeepLast = keepLast, KeepBest = keepBest, BestMetric = metric }));
        Assert.Contains(expected, ex.Message);
        Assert.Contains("HINT", ex.Message);
    }

    [Fact]
    public void Should_Require_The_Metric_Value_When_Keeping_The_Best()
    {
        using var run = new TempDir();
        var manager = new CheckpointManager(run.Path, new CheckpointPolicy { KeepBest = 1, BestMetric = "reward" });
        var ex = Assert.Throws<ArgumentException>(() => manager.Save(1, Payload(1)));
        Assert.Contains("'reward'", ex.Message);
        Assert.Empty(Folders(run.Path));
    }

    [Fact]
    public void Should_Refuse_A_Payload_That_Overwrites_The_Managers_Files()
    {
        using var run = new TempDir();
        var manager = new CheckpointManager(run.Path);
        Assert.Throws<InvalidOperationException>(() => manager.Save(1, dir => File.WriteAllText(Path.Combine(dir, "trainer_state.json"), "{}")));
        Assert.Empty(Folders(run.Path));
    }
}
