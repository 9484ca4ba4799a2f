using Spectre.Console;

namespace Verity.Rl.Tracking;

/// <summary>What the tracking backends need to know about the run; everything else is per step.</summary>
public sealed record TrackerOptions
{
    /// <summary>The run directory (runs/&lt;name&gt;); file backends write into it.</summary>
    public required string RunDir { get; init; }

    /// <summary>
    /// Step the run resumed from, or null for a fresh run. File backends keep the rows with
    /// <c>step &lt;= ResumeStep</c> and drop the rest (steps that will be done again); a fresh run starts
    /// its files empty.
    /// </summary>
    public long? ResumeStep { get; init; }

    /// <summary>Planned number of steps (for "step 12/200" and the ETA); 0 when unknown.</summary>
    public long TotalSteps { get; init; }

    /// <summary>Write sampled completions every this many steps (0 = never). TRL: <c>log_completions</c>.</summary>
    public int CompletionsEvery { get; init; }

    /// <summary>Clock for step times and wall times; tests pass a fixed one.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where the plain progress lines go (default: standard output).</summary>
    public TextWriter? PlainOut { get; init; }

    /// <summary>Console for the live display (default: <see cref="AnsiConsole.Console"/>).</summary>
    public IAnsiConsole? LiveConsole { get; init; }

    /// <summary>Force plain lines (true) or the live display (false); null = <see cref="ConsoleMode.PreferPlain()"/>.</summary>
    public bool? Plain { get; init; }
}
