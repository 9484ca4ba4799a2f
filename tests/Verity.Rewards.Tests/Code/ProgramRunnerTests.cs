using System.Diagnostics;
using Verity.Rewards.Code;

namespace Verity.Rewards.Tests.Code;

/// <summary>The code interpreter's runner: whole programs, their output, and the limits that stop hostile ones.</summary>
[Collection("sandbox")]
public sealed class ProgramRunnerTests(SandboxFixture fixture)
{
    private ProgramRunner Runner(double timeoutSeconds = 3, int workers = 2) => new(fixture.Sandbox,
        SandboxFixture.FastLimits with { TestTimeout = TimeSpan.FromSeconds(timeoutSeconds), SolutionBudget = TimeSpan.FromSeconds(timeoutSeconds) }, workers);

    [Fact]
    public void A_batch_returns_each_programs_output_and_verdict_in_order()
    {
        var runs = Runner().RunBatch([
            "print(6 * 7)",
            "import sys\nprint('out')\nprint('err', file=sys.stderr)\n1 / 0",
            "def f(:\n  pass",
            "x = bytearray(1 << 40)",
        ]);

        Assert.Equal(("42\n", CodeVerdict.AC), (runs[0].Stdout, runs[0].Verdict));
        Assert.Equal("out\n", runs[1].Stdout);
        Assert.Equal(CodeVerdict.RE, runs[1].Verdict);
        Assert.Contains("err", runs[1].Stderr);
        Assert.Contains("ZeroDivisionError", runs[1].Stderr);
        Assert.True(runs[2].Verdict == CodeVerdict.CE, $"{runs[2]}");
        Assert.Equal(CodeVerdict.MLE, runs[3].Verdict);
        Assert.Matches(@"^SyntaxError: [^\n]*line 1", InterpreterProtocol.FormatOutput(runs[2], new CodeLimits(), 200, out _));
        Assert.Contains("MemoryError", InterpreterProtocol.FormatOutput(runs[3], new CodeLimits(), 200, out _));
    }

    [Theory]
    [InlineData("while True:\n    pass")]
    [InlineData("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass")]
    public void Loops_and_fork_bombs_end_at_the_timeout_with_an_error_message_and_leave_nothing(string program)
    {
        // Given a program that never ends (alone, so its own wall time is measured)
        var runner = Runner(timeoutSeconds: 2);

        // When it runs as a tool call
        var clock = Stopwatch.StartNew();
        var run = runner.RunBatch([program])[0];

        // Then it is stopped shortly after its timeout, the model is told why, and no process of it survives
        Assert.Equal(CodeVerdict.TLE, run.Verdict);
        Assert.InRange(clock.Elapsed.TotalSeconds, 2, 5);
        Assert.Contains("TimeoutError: the program ran longer than 2 s", InterpreterProtocol.FormatOutput(run, runner.Limits, 500, out _));
        foreach (int uid in fixture.Sandbox.Uids) Assert.Empty(Sandbox.ProcessesLeft(uid, TimeSpan.FromSeconds(1)));

        // and the runner still works afterwards
        Assert.Equal("ok\n", runner.RunBatch(["print('ok')"])[0].Stdout);
    }

    [Fact]
    public void Short_programs_in_a_parallel_batch_are_never_killed_from_outside()
    {
        // Given many programs that end at once (started from short-lived threads, bwrap's --die-with-parent once
        // SIGKILLed about 1 in 20 of them: exit 137 within 50 ms, read as TLE)
        var programs = Enumerable.Range(0, 60).Select(i => i % 2 == 0 ? "" : $"print({i})").ToList();

        // When run as one batch on two workers
        var runs = Runner().RunBatch(programs);

        // Then every one exited cleanly with its own output
        for (int i = 0; i < runs.Count; i++)
        {
            Assert.True(runs[i].Verdict == CodeVerdict.AC, $"program {i}: {runs[i]}");
            Assert.Equal(i % 2 == 0 ? "" : $"{i}\n", runs[i].Stdout);
        }
    }

    [Fact]
    public void Bad_worker_counts_are_rejected_with_a_hint()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ProgramRunner(fixture.Sandbox, new CodeLimits(), 0));
        Assert.Contains("HINT", ex.Message);
    }
}
