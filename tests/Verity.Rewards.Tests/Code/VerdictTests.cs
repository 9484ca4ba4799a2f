using System.Text.Json;
using Verity.Rewards.Code;

namespace Verity.Rewards.Tests.Code;

/// <summary>Every verdict, every test kind, and how verdicts become rewards (binary, pass rate, ±1, early stop,
/// test cap, void samples, dedupe and cache).</summary>
[Collection("sandbox")]
public sealed class VerdictTests(SandboxFixture fixture)
{
    private static readonly StdioSuite Doubling = new([new StdioCase("3\n", "6\n"), new StdioCase("5\n", "10\n"), new StdioCase("7\n", "14\n")]);
    private static readonly AssertsSuite Asserts = new("import math", ["assert f(1) == 2", "assert f(2) == 4", "assert math.isclose(f(0.5), 1.0)"]);

    private static CallCase Call(string args, string expected) =>
        new(JsonDocument.Parse(args).RootElement.Clone(), JsonDocument.Parse(expected).RootElement.Clone());

    public static TheoryData<string, string> StdioVerdicts => new()
    {
        { "print(int(input()) * 2)", "AC" },
        { "print(int(input()) * 2 + 1)", "WA" },
        { "import time\ntime.sleep(60)", "TLE" },
        { "x = 'a' * (1 << 40)", "MLE" },
        { "raise ValueError('boom')", "RE" },
        { "import sys\nsys.exit(3)", "RE" },
        { "print('z' * (4 << 20))", "OLE" },
        { "import sys\nsys.stderr.write('e' * (4 << 20))", "OLE" },
        { "def f(:\n    pass", "CE" },
    };

    [Theory]
    [MemberData(nameof(StdioVerdicts))]
    public void Stdio_programs_get_their_verdict(string program, string verdict)
    {
        var reward = fixture.Rewarder().Score(CodeData.Fenced(program), new StdioSuite([new StdioCase("3\n", "6\n")]));
        Assert.Equal([Enum.Parse<CodeVerdict>(verdict)], reward.Verdicts);
        Assert.Equal(verdict == "AC" ? 1.0 : 0.0, reward.Score);
    }

    [Fact]
    public void Missing_code_block_is_FORMAT_and_scores_minus_one_with_plus_minus_mapping()
    {
        var rewarder = fixture.Rewarder(new CodeRewardOptions { PlusMinusOne = true });
        var reward = rewarder.Score("The answer is print(6).", Doubling);
        Assert.Equal([CodeVerdict.FORMAT], reward.Verdicts);
        Assert.Equal(-1.0, reward.Score);
        Assert.Equal(0, rewarder.ProgramsRun);
    }

    [Fact]
    public void Broken_test_code_is_SANDBOX_ERROR_and_the_sample_is_void_not_zero()
    {
        var broken = new CheckSuite("f", "def check(candidate):\n    assert candidate(1) ==\n");
        var reward = fixture.Rewarder().Score(CodeData.Fenced("def f(x):\n    return x"), broken);
        Assert.Equal([CodeVerdict.SANDBOX_ERROR], reward.Verdicts);
        Assert.True(reward.IsVoid);
        Assert.Null(reward.Score);
    }

    [Fact]
    public void Binary_mode_stops_at_the_first_failure_and_pass_rate_mode_runs_every_test()
    {
        // Given a program right on the first case only
        string program = CodeData.Fenced("n = int(input())\nprint(6 if n == 3 else 0)");

        // When scored both ways
        var binary = fixture.Rewarder().Score(program, Doubling);
        var soft = fixture.Rewarder(new CodeRewardOptions { Mode = CodeRewardMode.PassRate }).Score(program, Doubling);
        var softPm = fixture.Rewarder(new CodeRewardOptions { Mode = CodeRewardMode.PassRate, PlusMinusOne = true }).Score(program, Doubling);

        // Then
        Assert.Equal([CodeVerdict.AC, CodeVerdict.WA], binary.Verdicts);
        Assert.Equal(0.0, binary.Score);
        Assert.Equal([CodeVerdict.AC, CodeVerdict.WA, CodeVerdict.WA], soft.Verdicts);
        Assert.Equal(1.0 / 3, soft.Score!.Value, 12);
        Assert.Equal(2.0 / 3 - 1, softPm.Score!.Value, 12);
    }

    [Fact]
    public void Asserts_are_judged_one_by_one_with_setup()
    {
        // f doubles ints but not floats: 2 of 3 asserts pass
        var rewarder = fixture.Rewarder(new CodeRewardOptions { Mode = CodeRewardMode.PassRate });
        var reward = rewarder.Score(CodeData.Fenced("def f(x):\n    return 2 * x if isinstance(x, int) else 0.0"), Asserts);
        Assert.Equal([CodeVerdict.AC, CodeVerdict.AC, CodeVerdict.WA], reward.Verdicts);
        Assert.Equal(2.0 / 3, reward.Score!.Value, 12);
        var right = rewarder.Score(CodeData.Fenced("def f(x):\n    return 2 * x"), Asserts);
        Assert.Equal(1.0, right.Score);
    }

    [Fact]
    public void Call_tests_use_a_LeetCode_Solution_class_and_compare_values_in_the_host()
    {
        var suite = new CallSuite("pair", [Call("[1, 2]", "[1, 2]"), Call("[3, 4]", "[3, 4]"), Call("[10, 2]", "[10, 2]")]);
        var rewarder = fixture.Rewarder(new CodeRewardOptions { Mode = CodeRewardMode.PassRate });

        // A tuple return is accepted for a list (LiveCodeBench semantics); a wrong value is WA; an exception is RE
        var tuple = rewarder.Score(CodeData.Fenced("class Solution:\n    def pair(self, a, b):\n        return (a, b)"), suite);
        var partly = rewarder.Score(CodeData.Fenced("def pair(a, b):\n    if a > 5:\n        raise KeyError(a)\n    return [a, b] if a == 1 else [b, a]"), suite);

        Assert.Equal(1.0, tuple.Score);
        Assert.Equal([CodeVerdict.AC, CodeVerdict.WA, CodeVerdict.RE], partly.Verdicts);
    }

    [Fact]
    public void A_crashing_call_does_not_sink_the_following_tests_in_pass_rate_mode()
    {
        // The serve process dies (os._exit) on the second case; a fresh one answers the third
        var suite = new CallSuite("f", [Call("[1]", "1"), Call("[2]", "2"), Call("[3]", "3")]);
        var reward = fixture.Rewarder(new CodeRewardOptions { Mode = CodeRewardMode.PassRate })
            .Score(CodeData.Fenced("import os\ndef f(x):\n    if x == 2:\n        os._exit(0)\n    return x"), suite);
        Assert.Equal([CodeVerdict.AC, CodeVerdict.RE, CodeVerdict.AC], reward.Verdicts);
    }

    [Fact]
    public void Check_programs_are_one_all_or_nothing_test()
    {
        var check = new CheckSuite("add", "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-1, 1) == 0\n");
        var rewarder = fixture.Rewarder();
        Assert.Equal(1.0, rewarder.Score(CodeData.Fenced("def add(a, b):\n    return a + b"), check).Score);
        var wrong = rewarder.Score(CodeData.Fenced("def add(a, b):\n    return abs(a) + b"), check);
        Assert.Equal([CodeVerdict.WA], wrong.Verdicts);
    }

    [Fact]
    public void Identical_programs_run_once_per_batch_and_results_are_cached_across_batches()
    {
        // Given 6 responses holding 2 distinct programs (different prose around the same code)
        var rewarder = fixture.Rewarder();
        var batch = Enumerable.Range(0, 6).Select(i => new CodeRewardRequest(
            $"Attempt {i}:\n```python\n{(i % 2 == 0 ? "print(int(input()) * 2)" : "print(int(input()) + 3)")}\n```", Doubling)).ToArray();

        // When scored twice
        var first = rewarder.ScoreBatch(batch);
        int afterFirst = rewarder.ProgramsRun;
        var second = rewarder.ScoreBatch(batch);

        // Then 2 programs ran, once; the second batch came from the cache with the same rewards
        Assert.Equal(2, afterFirst);
        Assert.Equal(2, rewarder.ProgramsRun);
        Assert.Equal(first.Select(r => r.Score), second.Select(r => r.Score));
        Assert.Equal([1.0, 0.0, 1.0, 0.0, 1.0, 0.0], first.Select(r => r.Score!.Value));
    }

    [Fact]
    public void Max_tests_keeps_the_longest_inputs()
    {
        var suite = new StdioSuite([new StdioCase("1\n", "2\n"), new StdioCase("100000\n", "200000\n"), new StdioCase("33\n", "66\n")]);
        var capped = (StdioSuite)suite.Take(2);
        Assert.Equal(["100000\n", "33\n"], capped.Cases.Select(c => c.Input));
        // a program wrong only on the short input passes the capped suite
        var reward = fixture.Rewarder(new CodeRewardOptions { MaxTests = 2 })
            .Score(CodeData.Fenced("n = int(input())\nprint(0 if n == 1 else 2 * n)"), suite);
        Assert.Equal(1.0, reward.Score);
        Assert.Equal(2, reward.Verdicts.Count);
    }

    [Fact]
    public void Process_file_and_size_limits_hold_inside_the_sandbox()
    {
        // Given a program that probes each limit and prints "limited" for every one that stopped it
        const string program = """
import os, time
kids = 0
try:
    for _ in range(100):
        pid = os.fork()
        if pid == 0:
            time.sleep(2)
            os._exit(0)
        kids += 1
except OSError:
    pass
print("nproc", "limited" if kids < 40 else kids)
files = []
try:
    for _ in range(200):
        files.append(open("/dev/null"))
except OSError:
    pass
print("nofile", "limited" if len(files) < 100 else len(files))
try:
    with open("big", "wb") as f:
        f.write(b"x" * (32 << 20))
    print("fsize", os.path.getsize("big"))
except OSError:
    print("fsize", "limited")
try:
    block = bytearray(2 << 30)
    print("as", len(block))
except MemoryError:
    print("as", "limited")
""";
        var suite = new StdioSuite([new StdioCase("", "nproc limited\nnofile limited\nfsize limited\nas limited\n")]);

        // When run under the defaults (32 processes, 64 files, 16 MiB files) and 512 MiB of address space
        var reward = fixture.Rewarder().Score(CodeData.Fenced(program), suite);

        // Then every limit held (and the forked children did not outlive the run)
        Assert.Equal([CodeVerdict.AC], reward.Verdicts);
        foreach (int uid in fixture.Sandbox.Uids) Assert.Empty(Sandbox.ProcessesLeft(uid, TimeSpan.FromSeconds(1)));
    }
}
