using System.Diagnostics;
using Verity.Rewards.Code;
using Xunit.Abstractions;

namespace Verity.Rewards.Tests.Code;

/// <summary>
/// Throughput benchmark (a figure to report, not a timing assertion): a GRPO-like batch over the 64 real problems,
/// 4 samples each — the reference solution, a wrong one, a duplicate of the reference in other prose (deduped) and
/// a response without a code block — scored as in training (binary, early stop, at most 16 tests per sample).
/// Reports samples/s, programs/s and sandboxed runs/s; asserts only what the scores must be.
/// </summary>
[Collection("sandbox")]
[Trait("Category", "Benchmark")]
public sealed class CodeRewardBenchmark(SandboxFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void Training_mix_throughput()
    {
        var problems = CodeData.Problems();
        var wrong = CodeData.WrongSolutions();
        var batch = problems.SelectMany(p => new[]
        {
            new CodeRewardRequest(CodeData.Fenced(p.Canonical), p.Tests),
            new CodeRewardRequest(CodeData.Fenced(wrong[p.Id]), p.Tests),
            new CodeRewardRequest("Same idea, restated.\n```python\n" + p.Canonical + "\n```", p.Tests),
            new CodeRewardRequest("I think the answer follows from the constraints.", p.Tests),
        }).ToArray();
        var rewarder = fixture.Rewarder(new CodeRewardOptions { MaxTests = 16 }, SandboxFixture.FastLimits with { TestTimeout = TimeSpan.FromSeconds(6) });

        using var cpu = CpuAccount.TryStart();
        var self = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var rewards = rewarder.ScoreBatch(batch);
        double seconds = clock.Elapsed.TotalSeconds;
        double? cpuSeconds = cpu?.Seconds();
        double selfSeconds = (Process.GetCurrentProcess().TotalProcessorTime - self).TotalSeconds;

        output.WriteLine($"{Environment.ProcessorCount} cores, {rewarder.Options.Workers} workers: {batch.Length} samples, "
            + $"{rewarder.ProgramsRun} programs, {rewarder.Launches} sandboxed runs in {seconds:F1} s = "
            + $"{batch.Length / seconds:F1} samples/s, {rewarder.ProgramsRun / seconds:F1} programs/s, {rewarder.Launches / seconds:F1} runs/s (wall, machine load {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
        if (cpuSeconds is double c)
            output.WriteLine($"CPU: {c:F2} s for {rewarder.Launches} runs = {1000 * c / rewarder.Launches:F1} ms per run "
                + $"(of which this .NET process {1000 * selfSeconds / rewarder.Launches:F1} ms) "
                + $"→ {2 * rewarder.Launches / c:F0} runs/s on 2 otherwise idle cores");
        for (int i = 0; i < problems.Count; i++)
        {
            Assert.Equal(1.0, rewards[4 * i].Score);
            Assert.Equal(0.0, rewards[4 * i + 1].Score);
            Assert.Equal(1.0, rewards[4 * i + 2].Score);
            Assert.Equal([CodeVerdict.FORMAT], rewards[4 * i + 3].Verdicts);
        }
        Assert.Equal(2 * problems.Count, rewarder.ProgramsRun);
    }
}

/// <summary>CPU time of this process and all its descendants, from a cgroup-v1 cpuacct group (the sandboxes are
/// forked from here, so their CPU is counted however busy the rest of the machine is). Null where cgroup v1 is not
/// writable.</summary>
internal sealed class CpuAccount : IDisposable
{
    private const string Root = "/sys/fs/cgroup/cpuacct";
    private readonly string _dir;
    private readonly long _start;

    private CpuAccount(string dir)
    {
        _dir = dir;
        _start = long.Parse(File.ReadAllText(Path.Combine(dir, "cpuacct.usage")));
    }

    public static CpuAccount? TryStart()
    {
        string dir = Path.Combine(Root, "verity-bench-" + Environment.ProcessId);
        try
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "cgroup.procs"), Environment.ProcessId.ToString());
            return new CpuAccount(dir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public double Seconds() => (long.Parse(File.ReadAllText(Path.Combine(_dir, "cpuacct.usage"))) - _start) / 1e9;

    public void Dispose()
    {
        try
        {
            File.WriteAllText(Path.Combine(Root, "cgroup.procs"), Environment.ProcessId.ToString());
            Directory.Delete(_dir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    }
}
