using Verity.Rewards.Code;

namespace Verity.Rewards.Tests.Code;

public class InterpreterProtocolTests
{
    [Theory]
    [InlineData("Let me check.\n```python\nprint(1)\n```", "print(1)")]
    [InlineData("```py\nx = 2\nprint(x)\n```\nand more", "x = 2\nprint(x)")]
    [InlineData("text\n  ```Python3  \na\n  ```", "a")]
    [InlineData("```python\n```", "")]
    public void A_closed_python_block_yields_its_code(string text, string code) =>
        Assert.Equal(code, InterpreterProtocol.ClosedBlock(text));

    [Theory]
    [InlineData("```python\nprint(1)\n")]                 // still open
    [InlineData("```python\nprint(1)\n``")]               // the fence is not complete yet
    [InlineData("```output\n42\n```\n")]                  // not a python block
    [InlineData("see ```python\nprint(1)\n```")]          // an opening fence must start its line
    [InlineData("```bash\nls\n```")]
    public void No_closed_python_block_means_no_tool_call(string text) =>
        Assert.Null(InterpreterProtocol.ClosedBlock(text));

    [Fact]
    public void The_tool_message_is_an_output_block_on_its_own_lines()
    {
        Assert.Equal("\n```output\n4\n```\n", InterpreterProtocol.ToolMessage("```python\nprint(4)\n```", "4"));
        Assert.Equal("```output\n4\n```\n", InterpreterProtocol.ToolMessage("```python\nprint(4)\n```\n", "4\n"));
        Assert.Equal("```output\n```\n", InterpreterProtocol.ToolMessage("x\n", ""));
    }

    [Fact]
    public void Long_output_keeps_its_head_and_tail_within_the_cap()
    {
        // Given 10 000 characters of stdout and a traceback at the end
        string stdout = string.Concat(Enumerable.Range(0, 2000).Select(i => $"{i % 10000,4}\n"));
        var run = new ProgramRun(stdout, "Traceback\nZeroDivisionError: division by zero\n", CodeVerdict.RE, TimeSpan.Zero);

        // When formatted for 200 characters
        string text = InterpreterProtocol.FormatOutput(run, new CodeLimits(), 200, out bool truncated);

        // Then the start and the error survive, the middle is replaced by a marker naming how much was cut
        Assert.True(truncated);
        Assert.StartsWith("   0\n   1\n", text);
        Assert.EndsWith("ZeroDivisionError: division by zero\n", text);
        int total = stdout.Length + run.Stderr.Length;
        Assert.Contains($"[{total - 200} characters truncated]", text);
        string marker = $"\n…[{total - 200} characters truncated]…\n";
        Assert.Equal(200, text.Length - marker.Length);
    }

    [Fact]
    public void Short_output_is_kept_whole_and_limits_are_named()
    {
        var limits = new CodeLimits { TestTimeout = TimeSpan.FromSeconds(2) };
        Assert.Equal("hi\n", InterpreterProtocol.FormatOutput(new ProgramRun("hi\n", "", CodeVerdict.AC, TimeSpan.Zero), limits, 100, out bool t1));
        Assert.False(t1);
        string tle = InterpreterProtocol.FormatOutput(new ProgramRun("partial", "", CodeVerdict.TLE, TimeSpan.Zero), limits, 500, out _);
        Assert.Equal("partial\nTimeoutError: the program ran longer than 2 s and was stopped", tle);
        string ce = InterpreterProtocol.FormatOutput(new ProgramRun("", "CE SyntaxError: invalid syntax (solution.py, line 1)\n", CodeVerdict.CE, TimeSpan.Zero), limits, 500, out _);
        Assert.Equal("SyntaxError: invalid syntax (solution.py, line 1)\n", ce);
    }

    private const string Call = "```python\nprint(6*7)\n```\n```output\n42\n```\n";

    [Theory]
    [InlineData("The answer is 42.", 0, true)]                                    // no code at all: nothing malformed
    [InlineData("Compute.\n" + Call + "So 42.", 1, true)]
    [InlineData(Call + Call + "So 42.", 2, true)]
    [InlineData(Call, 1, false)]                                                  // stopped right after the tool reply
    [InlineData("```python\nprint(1)\n```\nSo 1.", 0, false)]                     // a call the tool never answered
    [InlineData("```python\nprint(1)\n", 0, false)]                               // unclosed block
    [InlineData("```output\n42\n```\nSo 42.", 0, false)]                          // an output block the model forged
    [InlineData("```python\nprint(1)\n```\n```text\nx\n```\nSo.", 0, false)]      // the call is followed by another block
    [InlineData("", 0, false)]
    public void Transcripts_count_calls_and_check_their_format(string response, int calls, bool wellFormed)
    {
        var t = InterpreterProtocol.Parse(response);
        Assert.Equal(calls, t.Calls);
        Assert.Equal(wellFormed, t.WellFormed);
    }

    [Fact]
    public void Registered_turn_and_format_rewards_follow_r1_code_interpreter()
    {
        var format = RewardRegistry.Create("code_format");
        var turns = RewardRegistry.Create("code_turns", new RewardSettings { ToolTurnLimit = 2 });
        Assert.Equal(1, format(new RewardInput("Compute.\n" + Call + "So 42.")));
        Assert.Equal(-1, format(new RewardInput("```output\n42\n```\nSo 42.")));
        Assert.Equal(0, turns(new RewardInput(Call + Call + "So 42.")));
        Assert.Equal(-1, turns(new RewardInput(Call + Call + Call + "So 42.")));
        // the default limit is the paper's 6 turns
        Assert.Equal(0, RewardRegistry.Create("code_turns")(new RewardInput(string.Concat(Enumerable.Repeat(Call, 6)) + "x")));
        Assert.Equal(-1, RewardRegistry.Create("code_turns")(new RewardInput(string.Concat(Enumerable.Repeat(Call, 7)) + "x")));
    }
}
