using System.Diagnostics;
using System.Text.Json;
using Verity.Rl.Tracking;

namespace Verity.Rl.Tests.Tracking;

public class TensorBoardTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Should_Write_Version_Record_Then_One_Event_Per_Step()
    {
        // Given a backend on a fixed clock
        using var dir = new TempDir();
        var clock = new ManualClock(Start);
        string path;
        using (var tb = new TensorBoardBackend(dir.Path, clock))
        {
            path = tb.Path;
            // When two steps are logged 1.5 s apart
            clock.Advance(TimeSpan.FromSeconds(1.5));
            tb.Log(1, new Dictionary<string, double> { ["reward"] = 0.25, ["completions/mean_length"] = 312.5 });
            clock.Advance(TimeSpan.FromSeconds(1.5));
            tb.Log(2, new Dictionary<string, double> { ["reward"] = 0.75, ["kl"] = double.NaN });
        }

        // Then the file name follows TensorBoard's pattern and every record decodes with valid CRCs
        Assert.Equal($"events.out.tfevents.{Start.ToUnixTimeSeconds()}.{Environment.MachineName}.{Environment.ProcessId}", Path.GetFileName(path));
        var events = TensorBoardReader.Read(path);
        Assert.Equal(3, events.Count);
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        Assert.Equal(Start.ToUnixTimeSeconds(), events[0].WallTime);
        Assert.Empty(events[0].Scalars);

        Assert.Equal(1, events[1].Step);
        Assert.Equal(Start.ToUnixTimeSeconds() + 1.5, events[1].WallTime);
        Assert.Equal([("reward", 0.25f), ("completions/mean_length", 312.5f)], events[1].Scalars);
        Assert.Null(events[1].FileVersion);

        Assert.Equal(2, events[2].Step);
        Assert.Equal("kl", events[2].Scalars[1].Tag);
        Assert.True(float.IsNaN(events[2].Scalars[1].Value));
    }

    [Fact]
    public void Should_Encode_Large_And_Negative_Steps_As_Varints()
    {
        using var dir = new TempDir();
        string path;
        using (var tb = new TensorBoardBackend(dir.Path, new ManualClock(Start)))
        {
            path = tb.Path;
            tb.Log(300, new Dictionary<string, double> { ["a"] = 1 });          // two-byte varint
            tb.Log(5_000_000_000, new Dictionary<string, double> { ["a"] = 2 }); // beyond 32 bits
            tb.Log(-1, new Dictionary<string, double> { ["a"] = 3 });            // ten-byte varint
        }
        var steps = TensorBoardReader.Read(path).Skip(1).Select(e => e.Step).ToArray();
        Assert.Equal([300L, 5_000_000_000L, -1L], steps);
    }

    [Fact]
    public void Should_Be_Readable_By_The_Python_Reader_When_Python_Is_Present()
    {
        // Given an event file
        using var dir = new TempDir();
        string path;
        using (var tb = new TensorBoardBackend(dir.Path, new ManualClock(Start)))
        {
            path = tb.Path;
            tb.Log(7, new Dictionary<string, double> { ["reward"] = 0.5, ["clip_ratio/low_mean"] = 0.125 });
        }
        var script = FindFixture("tb_read.py");
        string? python = FindOnPath("python3");
        if (python is null)
        {
            // Nothing to run it with: the C# reader above still checks the format; say so rather than pass silently.
            Console.WriteLine("tb_read.py check did not run: python3 not on PATH");
            Assert.True(File.Exists(script));
            return;
        }

        // When the independent Python reader (own CRC32C table, own protobuf walker) decodes it
        var psi = new ProcessStartInfo(python, [script, path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();

        // Then it verifies both CRCs of every record and sees the same events
        Assert.True(p.ExitCode == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal("brain.Event:2", first.RootElement.GetProperty("file_version").GetString());
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal(7, second.RootElement.GetProperty("step").GetInt64());
        Assert.Equal(0.125, second.RootElement.GetProperty("scalars").GetProperty("clip_ratio/low_mean").GetDouble());
        Assert.Equal(0.5, second.RootElement.GetProperty("scalars").GetProperty("reward").GetDouble());
    }

    internal static string FindFixture(string name)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "tests", "fixtures", name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"tests/fixtures/{name} not found above {AppContext.BaseDirectory}");
    }

    private static string? FindOnPath(string exe) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, exe)).FirstOrDefault(File.Exists);
}
