using Spectre.Console;
using Verity.Rl.Tracking;

namespace Verity.Rl.Tests.Tracking;

public class ConsoleProgressTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Should_Write_One_Plain_Line_Per_Step_With_Step_Time_And_Eta()
    {
        // Given plain output, 200 planned steps and a clock that moves 3.1 s per step
        var clock = new ManualClock(Start);
        var output = new StringWriter();
        using var progress = new ConsoleProgressBackend(new TrackerOptions { RunDir = "unused", TotalSteps = 200, Time = clock, Plain = true, PlainOut = output });

        // When two steps are logged
        clock.Advance(TimeSpan.FromSeconds(3.1));
        progress.Log(1, new Dictionary<string, double>
        {
            ["reward"] = 0.41, ["rewards/accuracy_reward/mean"] = 0.375, ["completions/mean_length"] = 311.6,
            ["kl"] = 0.0021345, ["entropy"] = 0.51234, ["reward_std"] = 0.2,
        });
        clock.Advance(TimeSpan.FromSeconds(12.5));
        progress.Log(2, new Dictionary<string, double> { ["reward"] = 0.5 });

        // Then each line shows what exists, with the ETA from the mean step time so far
        Assert.Equal(
            "step 1/200 | reward 0.410 | acc 0.375 | len 312 | kl 0.002135 | ent 0.512 | 3.10s | eta 10m17s\n" +
            "step 2/200 | reward 0.500 | 12.5s | eta 25m44s\n",
            output.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Should_Leave_Out_Total_And_Eta_When_The_Length_Is_Unknown()
    {
        var clock = new ManualClock(Start);
        var output = new StringWriter();
        using var progress = new ConsoleProgressBackend(new TrackerOptions { RunDir = "unused", Time = clock, Plain = true, PlainOut = output });
        clock.Advance(TimeSpan.FromHours(1.5));
        progress.Log(5, new Dictionary<string, double> { ["accuracy"] = 1, ["kl"] = double.NaN });
        Assert.Equal("step 5 | acc 1.000 | kl NaN | 5400.0s\n", output.ToString().ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData(59, "59s")]
    [InlineData(61, "1m01s")]
    [InlineData(3600 * 26 + 120, "26h02m")]
    public void Should_Format_Durations_Compactly(int seconds, string expected) =>
        Assert.Equal(expected, ProgressRow.Duration(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData(true, null, null, true)]
    [InlineData(false, null, null, false)]
    [InlineData(false, "1", null, true)]
    [InlineData(false, "", null, false)] // NO_COLOR only counts when non-empty (no-color.org)
    [InlineData(false, null, "dumb", true)]
    public void Should_Choose_Plain_Lines_Off_A_Terminal(bool redirected, string? noColor, string? term, bool plain)
    {
        var env = new Dictionary<string, string?> { ["NO_COLOR"] = noColor, ["TERM"] = term };
        Assert.Equal(plain, ConsoleMode.PreferPlain(redirected, k => env.GetValueOrDefault(k)));
    }

    [Fact]
    public void Should_Draw_The_Live_Table_On_A_Terminal()
    {
        // Given an interactive ANSI console writing into memory
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(output),
        });
        var clock = new ManualClock(Start);

        // When steps are logged and the backend is disposed (which ends the live display)
        using (var progress = new ConsoleProgressBackend(new TrackerOptions { RunDir = "unused", TotalSteps = 10, Time = clock, Plain = false, LiveConsole = console }))
        {
            clock.Advance(TimeSpan.FromSeconds(2));
            progress.Log(1, new Dictionary<string, double> { ["reward"] = 0.123, ["kl"] = 0.5 });
            clock.Advance(TimeSpan.FromSeconds(2));
            progress.Log(2, new Dictionary<string, double> { ["reward"] = 0.987, ["kl"] = 0.25, ["entropy"] = 1.5 });
        }

        // Then the last frame holds the last row, in a table with the headers
        var text = output.ToString();
        Assert.Contains("verity train", text);
        Assert.Contains("step time", text);
        Assert.Contains("2/10", text);
        Assert.Contains("0.987", text);
        Assert.Contains("1.500", text);
        Assert.Contains("16s", text); // ETA: 2 s/step × 8 steps left
    }
}
