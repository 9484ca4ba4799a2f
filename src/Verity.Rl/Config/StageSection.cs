namespace Verity.Rl.Config;

/// <summary>
/// One stage of a multi-stage run (SRPO math → code; DeepScaleR / Skywork-OR1 / DeepCoder 8k → 16k → 32k response
/// length; R1-Code-Interpreter curricula by score). A stage is the base config plus its overrides, trained for its
/// steps from the previous stage's final weights, as a separate verl or TRL run started from that checkpoint would
/// be: AdamW moments, the lr schedule and the sampler start afresh.
/// </summary>
public sealed record StageSection
{
    /// <summary>Name of the stage; its outputs go to trainer.run_dir/stage-&lt;k&gt;-&lt;name&gt; (k from 1).</summary>
    public string Name { get; init; } = "";

    /// <summary>Steps of this stage. The stages' steps must add up to trainer.steps.</summary>
    public int Steps { get; init; } = 1;

    /// <summary>Dotted key=value overrides applied on top of the base config for this stage, with the CLI's syntax:
    /// e.g. ["data.train_files=[code.jsonl]", "rollout.max_new_tokens=16384", "optim.lr=5e-7",
    /// "algorithm.pass_rate_filter.enable=true"]. trainer.*, model.path and stages are managed by the run and
    /// cannot be overridden.</summary>
    public List<string> Overrides { get; init; } = [];
}
