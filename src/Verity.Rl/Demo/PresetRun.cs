namespace Verity.Rl.Demo;

/// <summary>
/// One preset on one seed: held-out accuracy after RL, and what its metrics.jsonl says about the run.
/// <see cref="NotRun"/> holds the one-line reason when the preset could not run.
/// </summary>
public sealed record PresetRun
{
    public required string Preset { get; init; }
    public required int Seed { get; init; }
    public string? NotRun { get; init; }

    /// <summary>Config keys the preset sets that the RL step does not act on yet (the run went on without them).</summary>
    public IReadOnlyList<string> NotApplied { get; init; } = [];

    public double AvgAtK { get; init; }
    public double Greedy { get; init; }

    /// <summary>First step whose 10-step mean training reward reached the target; null if never.</summary>
    public int? StepsToTarget { get; init; }

    /// <summary>Mean token entropy and response length over the last 10 % of the steps.</summary>
    public double EntropyEnd { get; init; }
    public double LengthEnd { get; init; }

    /// <summary>Mean fraction of groups whose rewards all agreed (zero advantage, no gradient) over the run.</summary>
    public double ZeroAdvantageFraction { get; init; }

    /// <summary>Wall seconds of the RL run (training only, not the evaluation).</summary>
    public double Seconds { get; init; }

    /// <summary>CPU seconds of the same (all threads; on a shared machine the figure to compare; 0 when not measured).</summary>
    public double CpuSeconds { get; init; }
}
