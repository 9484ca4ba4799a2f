namespace Verity.Rl.Config;

/// <summary>
/// A whole run, as written in a YAML file and `key=value` overrides (snake_case keys at the file boundary,
/// PascalCase here). These records are the single source of truth: every field is documented once, in its
/// XML doc, from which docs/config-reference.md is generated. Load with <see cref="ConfigLoader"/>.
/// </summary>
public sealed record RunConfig
{
    /// <summary>Policy, reference and critic checkpoints.</summary>
    public ModelSection Model { get; init; } = new();

    /// <summary>Prompt datasets, templates and the prompt sampler.</summary>
    public DataSection Data { get; init; } = new();

    /// <summary>Sampling of the n responses per prompt.</summary>
    public RolloutSection Rollout { get; init; } = new();

    /// <summary>Advantage estimator, policy loss, aggregation, KL, entropy and sample filters.</summary>
    public AlgorithmSection Algorithm { get; init; } = new();

    /// <summary>Optimizer, learning-rate schedule and batch split.</summary>
    public OptimSection Optim { get; init; } = new();

    /// <summary>Steps, seed, threads, run directory, checkpoints and logging.</summary>
    public TrainerSection Trainer { get; init; } = new();

    /// <summary>Reward functions and their weights; the scalar reward of a response is Σ weight·reward. The
    /// seed's PRM-hacking fix is [{name: prm, weight: 0.2}, {name: math_accuracy, weight: 0.8}].</summary>
    public List<RewardEntry> Reward { get; init; } = [new RewardEntry()];

    /// <summary>Supervised fine-tuning settings (`verity sft` only).</summary>
    public SftSection Sft { get; init; } = new();

    /// <summary>Multi-stage training (SRPO math → code; DeepScaleR 8k → 16k → 24k): a list of {name, steps, overrides};
    /// empty = one stage, the config as is. Stage k is trained for `steps` (the stages' steps must add up to
    /// trainer.steps) with `overrides` (CLI key=value syntax, e.g. "rollout.max_new_tokens=16384") on top of this
    /// config, into trainer.run_dir/stage-k-name, from the previous stage's final checkpoint; optimizer moments, lr
    /// schedule and sampler restart. See docs/rl-algorithms.md "Multi-stage runs".</summary>
    public List<StageSection> Stages { get; init; } = [];

    /// <summary>Cross-field checks; throws <see cref="InvalidDataException"/> naming the key and the fix.</summary>
    public RunConfig Validate()
    {
        ConfigValidation.Validate(this);
        return this;
    }
}

/// <summary>One reward function of the mix.</summary>
public sealed record RewardEntry
{
    /// <summary>Registered reward function name (e.g. math_accuracy, format, code_tests, prm).</summary>
    public string Name { get; init; } = "math_accuracy";

    /// <summary>Weight of this reward in the sum. Must be finite.</summary>
    public double Weight { get; init; } = 1.0;
}
