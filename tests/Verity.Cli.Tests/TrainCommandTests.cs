using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Verity.Rl.Tests.Training;
using Xunit.Abstractions;

namespace Verity.Cli.Tests;

public sealed class TrainCommandTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-cli-train-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private string WriteConfig(int steps, int saveEvery)
    {
        string path = Path.Combine(_dir, $"run-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, TinyRun.Config(_dir, steps, saveEvery));
        return path;
    }

    private static List<JsonObject> Rows(string runDir) =>
        File.ReadAllLines(Path.Combine(runDir, "metrics.jsonl")).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();

    [Fact]
    public void Train_prints_one_plain_line_per_step_and_leaves_metrics_and_a_final_checkpoint()
    {
        TinyRun.Create(_dir);
        var (code, output, err) = CliRunner.Run("train", "--config", WriteConfig(steps: 2, saveEvery: 0), "rollout.n=4");
        Assert.True(code == 0, err);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("step 1/2 | reward ", lines[0]);
        Assert.StartsWith("step 2/2 | reward ", lines[1]);
        Assert.Equal($"trained steps 1..2; final checkpoint {Path.Combine(_dir, "run", "checkpoint-2")}", lines[^1]);
        Assert.Equal([1, 2], Rows(Path.Combine(_dir, "run")).Select(r => (int)r["step"]!));
        Assert.Contains("  n: 4\n", File.ReadAllText(Path.Combine(_dir, "run", "config.yaml")));
    }

    [Fact]
    public void Bad_input_is_a_one_line_error_with_exit_code_2()
    {
        TinyRun.Create(_dir, prompts: 3);
        string config = WriteConfig(steps: 1, saveEvery: 0);
        string badPrompts = Path.Combine(_dir, "bad.jsonl");
        File.WriteAllText(badPrompts, "{\"question\": \"1+1=\", \"answer\": \"2\"}\nnot json\n");
        var cases = new (string[] Args, string Expected)[]
        {
            (["train", "--config", config, $"model.path={Path.Combine(_dir, "missing")}"], "model folder not found (model.path)"),
            (["train", "--config", config, $"data.train_files=[{badPrompts}]"], $"{badPrompts}:2: not valid JSON"),
            (["train", "--config", config, "optim.lrr=0.1"], "did you mean 'optim.lr'"),
            (["train", "--config", Path.Combine(_dir, "none.yaml")], "none.yaml' not found"),
        };
        foreach (var (args, expected) in cases)
        {
            var (code, _, err) = CliRunner.Run(args);
            Assert.Equal(2, code);
            Assert.Contains(expected, err);
            Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
    }

    /// <summary>
    /// The resume contract on a real process: SIGKILL `verity train` after its checkpoint-2 exists, run it again with
    /// --resume auto, and every metric of steps 1..6 (timings aside) equals an uninterrupted run's.
    /// </summary>
    [Fact]
    public void A_run_killed_after_a_checkpoint_resumes_to_the_same_metrics_as_an_uninterrupted_run()
    {
        TinyRun.Create(_dir);
        string config = WriteConfig(steps: 6, saveEvery: 2);
        string[] heavier = ["data.batch_size=8", "rollout.n=16", "optim.micro_batch=16"]; // steps slow enough to kill between checkpoints

        // Given an uninterrupted run
        string full = Path.Combine(_dir, "full"), killed = Path.Combine(_dir, "killed");
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, RunToEnd([.. heavier, $"trainer.run_dir={full}"], config));
        log.WriteLine($"uninterrupted run: {clock.Elapsed.TotalSeconds:F1} s");

        // When the same run is SIGKILLed once its checkpoint-2 is complete, then resumed
        using (var child = Start(["train", "--config", config, .. heavier, $"trainer.run_dir={killed}"], out _))
        {
            var poll = Stopwatch.StartNew();
            while (!Directory.Exists(Path.Combine(killed, "checkpoint-2")) && !child.HasExited && poll.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(2);
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }
        int rowsAtKill = Rows(killed).Count;
        Assert.True(rowsAtKill < 6 && !Directory.Exists(Path.Combine(killed, "checkpoint-6")), "the run finished before the kill; the test proved nothing");
        log.WriteLine($"killed with {rowsAtKill} metric rows written; checkpoints: {string.Join(", ", Directory.GetDirectories(killed, "checkpoint-*").Select(Path.GetFileName))}");
        Assert.Equal(0, RunToEnd([.. heavier, $"trainer.run_dir={killed}", "--resume", "auto"], config));

        // Then steps 1..6 have the same reward, loss, grad_norm and every other non-timing metric
        var expected = Rows(full);
        var actual = Rows(killed);
        Assert.Equal(Enumerable.Range(1, 6), expected.Select(r => (int)r["step"]!));
        Assert.Contains(expected, r => (double)r["grad_norm"]! > 0);
        Assert.Equal(expected.Select(r => (int)r["step"]!), actual.Select(r => (int)r["step"]!));
        for (int i = 0; i < expected.Count; i++)
        {
            var keys = expected[i].Select(p => p.Key).Where(k => !k.StartsWith("time/", StringComparison.Ordinal)).ToList();
            Assert.Equal(keys, actual[i].Select(p => p.Key).Where(k => !k.StartsWith("time/", StringComparison.Ordinal)));
            foreach (var key in keys)
                Assert.True(expected[i][key]?.ToJsonString() == actual[i][key]?.ToJsonString(), $"step {i + 1}: {key} {expected[i][key]} vs {actual[i][key]}");
        }
        Assert.Equal(File.ReadAllBytes(Path.Combine(full, "checkpoint-6", "model.safetensors")), File.ReadAllBytes(Path.Combine(killed, "checkpoint-6", "model.safetensors")));
    }

    private int RunToEnd(string[] extra, string config)
    {
        using var child = Start(["train", "--config", config, .. extra], out var lines);
        Assert.True(child.WaitForExit(TimeSpan.FromSeconds(120)), "verity train did not finish in 120 s");
        child.WaitForExit();
        foreach (var line in lines) log.WriteLine(line);
        return child.ExitCode;
    }

    /// <summary>Starts the built CLI (verity.dll beside the test assembly) as a separate process.</summary>
    private static Process Start(string[] args, out ConcurrentQueue<string> lines)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "verity.dll");
        Assert.True(File.Exists(dll), $"{dll} missing: the test project must reference src/Verity.Cli");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var psi = new ProcessStartInfo(dotnet, [dll, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var received = new ConcurrentQueue<string>();
        var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) received.Enqueue(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) received.Enqueue("stderr: " + e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        lines = received;
        return p;
    }
}
