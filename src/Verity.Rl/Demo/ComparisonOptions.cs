namespace Verity.Rl.Demo;

/// <summary>
/// What <c>verity demo --compare</c> runs: each preset's algorithm on the demo task from the same SFT
/// checkpoint per seed, for the same sample budget (steps × prompts × n), then the held-out evaluation.
/// </summary>
public sealed record ComparisonOptions
{
    /// <summary>Preset names, each a file configs/&lt;name&gt;.yaml under <see cref="ConfigDir"/>.</summary>
    public required IReadOnlyList<string> Presets { get; init; }

    public required IReadOnlyList<int> Seeds { get; init; }

    public string ConfigDir { get; init; } = "configs";

    /// <summary>Per seed: the SFT checkpoint, the training prompts and one run directory per preset.</summary>
    public string WorkDir { get; init; } = "runs/compare";

    /// <summary>The Markdown table is written here.</summary>
    public string OutPath { get; init; } = "docs/algorithm-comparison.md";

    /// <summary>
    /// The demo protocol: model, SFT, held-out set and k, RL learning rate, steps and samples per step
    /// (<see cref="DemoOptions.PromptsPerStep"/> × <see cref="DemoOptions.GroupSize"/>, kept for every preset).
    /// </summary>
    public DemoOptions Demo { get; init; } = new();

    /// <summary>Only tabulate finished runs found in <see cref="WorkDir"/>; a preset without one is listed as not run.</summary>
    public bool ReuseOnly { get; init; }

    /// <summary>"Steps to target": first step whose 10-step mean training reward is this far above the seed's SFT avg@k.</summary>
    public double TargetGain { get; init; } = 0.20;
}
