using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Verity.Rl.Checkpoints;
using Xunit.Abstractions;

namespace Verity.Rl.Tests.Checkpoints;

/// <summary>
/// Kills a real process (tests/CheckpointCrashProbe) with SIGKILL while it saves checkpoints with 4 MB model files,
/// then checks that resume auto finds a checkpoint whose every byte is right, never a torn one, and never loses a
/// checkpoint the probe had reported as saved.
/// </summary>
public class CheckpointCrashTests(ITestOutputHelper output)
{
    private const int ModelMegabytes = 4;

    [Fact]
    public void Should_Always_Resume_From_A_Whole_Checkpoint_After_SIGKILL()
    {
        using var run = new TempDir();
        var rng = new Random(20260101);
        long lastValid = 0;
        int tornFound = 0, killedMidSave = 0;
        for (int round = 0; round < 8; round++)
        {
            // Given the probe resuming from what the previous round left
            using var probe = StartProbe(run.Path, out var lines);
            Assert.Equal($"resumed {lastValid}", Next(lines));

            // When it is killed at a random moment: right after announcing a save (mid-write), or after a random delay
            long lastSaved = lastValid, lastBegun = lastValid;
            int savesToLetFinish = rng.Next(0, 3);
            bool midSave = round % 2 == 0;
            if (midSave)
            {
                while (true)
                {
                    var line = Next(lines);
                    if (line.StartsWith("saved ", StringComparison.Ordinal)) lastSaved = long.Parse(line[6..]);
                    if (line.StartsWith("begin ", StringComparison.Ordinal))
                    {
                        lastBegun = long.Parse(line[6..]);
                        if (savesToLetFinish-- == 0) break;
                    }
                }
                Thread.Sleep(rng.Next(0, 25));
            }
            else
            {
                Thread.Sleep(rng.Next(50, 600));
            }
            probe.Kill(entireProcessTree: true);
            probe.WaitForExit();
            while (lines.TryTake(out var line))
            {
                if (line.StartsWith("saved ", StringComparison.Ordinal)) lastSaved = long.Parse(line[6..]);
                if (line.StartsWith("begin ", StringComparison.Ordinal)) lastBegun = long.Parse(line[6..]);
            }
            int torn = Directory.GetDirectories(run.Path, "checkpoint-*.*-*").Length;
            tornFound += torn;
            if (torn > 0) killedMidSave++;

            // Then resume auto finds a checkpoint no older than the last one reported saved, and it is whole
            var logger = new ListLogger();
            var latest = new CheckpointManager(run.Path, logger: logger).Resolve("auto");
            if (lastSaved == 0 && latest is null) continue;
            Assert.NotNull(latest);
            Assert.InRange(latest.Step, lastSaved, lastBegun);
            AssertWhole(latest);
            Assert.Empty(Directory.GetDirectories(run.Path, "checkpoint-*.*-*"));
            foreach (var c in new CheckpointManager(run.Path).ListComplete(cleanUp: false)) AssertWhole(c);
            lastValid = latest.Step;
        }
        output.WriteLine($"8 kills; last resumed step {lastValid}; {tornFound} torn folders found in {killedMidSave} rounds, all ignored and removed");
        Assert.True(lastValid > 0, "the probe never completed a checkpoint; the test proved nothing");
    }

    private static void AssertWhole(Checkpoint c)
    {
        long step = c.Step;
        Assert.Equal(CheckpointManager.FolderName(step), Path.GetFileName(c.Path));
        var model = Path.Combine(c.Path, "model.safetensors");
        Assert.Equal((long)ModelMegabytes << 20, new FileInfo(model).Length);
        byte expected = (byte)(step % 251);
        var buffer = new byte[1 << 20];
        using (var f = File.OpenRead(model))
        {
            int n;
            while ((n = f.Read(buffer)) > 0)
                Assert.True(buffer.AsSpan(0, n).IndexOfAnyExcept(expected) < 0, $"{model} holds bytes of another step");
        }
        Assert.Equal(4096 + step % 7, new FileInfo(Path.Combine(c.Path, "optimizer", "adamw.bin")).Length);
        Assert.Equal($"{{\"step\":{step}}}", File.ReadAllText(Path.Combine(c.Path, "rng.json")));
        Assert.Equal(step * 0.5, c.State.ControllerStates["kl"].GetProperty("beta").GetDouble());
        Assert.Equal(Math.Sin(step), c.State.MetricValue);
    }

    private static Process StartProbe(string runDir, out BlockingCollection<string> lines)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "CheckpointCrashProbe.dll");
        Assert.True(File.Exists(dll), $"{dll} missing: the test project must reference tests/CheckpointCrashProbe");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var psi = new ProcessStartInfo(dotnet, [dll, runDir, ModelMegabytes.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var received = new BlockingCollection<string>();
        var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) received.Add(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) received.Add("stderr: " + e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        lines = received;
        return p;
    }

    private static string Next(BlockingCollection<string> lines)
    {
        Assert.True(lines.TryTake(out var line, TimeSpan.FromSeconds(60)), "probe printed nothing for 60 s");
        Assert.False(line!.StartsWith("stderr: ", StringComparison.Ordinal), line);
        return line;
    }
}
