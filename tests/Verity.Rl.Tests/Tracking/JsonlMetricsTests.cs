using System.Text.Json;
using System.Text.Json.Nodes;
using Verity.Rl.Tracking;

namespace Verity.Rl.Tests.Tracking;

public class JsonlMetricsTests
{
    private static Dictionary<string, double> Row(double reward) => new() { ["reward"] = reward, ["completions/mean_length"] = 100 + reward };

    [Fact]
    public void Should_Write_One_Flat_Object_Per_Step_Flushed_Immediately()
    {
        using var dir = new TempDir();
        using var backend = new JsonlMetricsBackend(dir.Path, resumeStep: null);
        backend.Log(1, new Dictionary<string, double> { ["reward"] = 0.5, ["reward_std"] = 0.25, ["kl"] = double.PositiveInfinity });

        // Read while the writer is still open: a killed run must leave this line behind.
        var text = ReadShared(dir.File("metrics.jsonl"));
        Assert.Equal("{\"step\":1,\"reward\":0.5,\"reward_std\":0.25,\"kl\":null}\n", text);
    }

    [Fact]
    public void Should_Drop_Later_Steps_And_A_Torn_Line_On_Resume()
    {
        // Given a run that logged steps 1..10 and was killed in the middle of line 11
        using var dir = new TempDir();
        using (var backend = new JsonlMetricsBackend(dir.Path, resumeStep: null))
        {
            for (int s = 1; s <= 10; s++) backend.Log(s, Row(s));
        }
        File.AppendAllText(dir.File("metrics.jsonl"), "{\"step\":11,\"rew");

        // When it resumes from the checkpoint of step 6 and logs step 7 again
        using (var backend = new JsonlMetricsBackend(dir.Path, resumeStep: 6))
        {
            backend.Log(7, Row(70));
        }

        // Then steps 1..6 are kept, 7..10 and the torn line are gone, and the new 7 follows
        var steps = File.ReadAllLines(dir.File("metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], steps.Select(e => e.GetProperty("step").GetInt64()));
        Assert.Equal(70, steps[^1].GetProperty("reward").GetDouble());
        Assert.Equal(6, steps[5].GetProperty("reward").GetDouble());
    }

    [Fact]
    public void Should_Start_Empty_On_A_Fresh_Run()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("metrics.jsonl"), "{\"step\":1,\"reward\":9}\n");
        using (var backend = new JsonlMetricsBackend(dir.Path, resumeStep: null)) backend.Log(1, Row(1));
        Assert.Single(File.ReadAllLines(dir.File("metrics.jsonl")));
        Assert.Contains("\"reward\":1", File.ReadAllText(dir.File("metrics.jsonl")));
    }

    [Fact]
    public void Should_Name_The_File_When_A_Complete_Line_Is_Not_A_Step_Object()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("metrics.jsonl"), "{\"step\":1}\nnot json\n");
        var ex = Assert.Throws<InvalidDataException>(() => new JsonlMetricsBackend(dir.Path, resumeStep: 1));
        Assert.Contains("metrics.jsonl", ex.Message);
        Assert.Contains("HINT", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Should_Log_Completions_Every_K_Steps_And_Truncate_On_Resume()
    {
        using var dir = new TempDir();
        using (var log = new CompletionsLog(dir.Path, every: 2, resumeStep: null))
        {
            Assert.False(log.IsDue(1));
            Assert.True(log.IsDue(2));
            log.Write(2, [new CompletionSample("1+1?", "<answer>2</answer>", 1.0, new Dictionary<string, JsonNode?> { ["answer"] = "2", ["finish_reason"] = "stop" })]);
            log.Write(4, [new CompletionSample("2+2?", "5", 0.0), new CompletionSample("2+2?", "4", 1.0)]);
        }
        var lines = File.ReadAllLines(dir.File("completions.jsonl"));
        Assert.Equal(3, lines.Length);
        Assert.Equal("{\"step\":2,\"prompt\":\"1+1?\",\"completion\":\"<answer>2</answer>\",\"reward\":1,\"answer\":\"2\",\"finish_reason\":\"stop\"}", lines[0]);
        Assert.Equal("<answer>2</answer>", JsonDocument.Parse(lines[0]).RootElement.GetProperty("completion").GetString());

        // Resuming from step 3 drops the samples of step 4
        using (new CompletionsLog(dir.Path, every: 2, resumeStep: 3)) { }
        Assert.Single(File.ReadAllLines(dir.File("completions.jsonl")));
    }

    internal static string ReadShared(string path)
    {
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }
}
