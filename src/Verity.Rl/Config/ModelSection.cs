namespace Verity.Rl.Config;

/// <summary>Checkpoints (Hugging Face layout: config.json, model.safetensors, tokenizer.json).</summary>
public sealed record ModelSection
{
    /// <summary>Directory of the policy checkpoint to start from (a base or SFT model).</summary>
    public string Path { get; init; } = "";

    /// <summary>Frozen reference model for the KL term; null uses the starting policy (the usual choice).
    /// Only loaded when algorithm.kl.coef &gt; 0.</summary>
    public string? ReferencePath { get; init; }

    /// <summary>Critic (value model) checkpoint for adv_estimator gae; null initializes it from the policy
    /// with a fresh scalar value head.</summary>
    public string? CriticPath { get; init; }
}

/// <summary>Prompt data.</summary>
public sealed record DataSection
{
    /// <summary>JSONL files of training prompts (one object per line).</summary>
    public List<string> TrainFiles { get; init; } = [];

    /// <summary>JSONL files evaluated every trainer.eval_every steps.</summary>
    public List<string> EvalFiles { get; init; } = [];

    /// <summary>JSON field holding the question.</summary>
    public string PromptKey { get; init; } = "prompt";

    /// <summary>JSON field holding the reference answer the verifier compares with.</summary>
    public string AnswerKey { get; init; } = "answer";

    /// <summary>Instruction appended to the question: boxed ("... output the final answer within \boxed{}."),
    /// gsm8k ("... after \"####\"."), none, or chat (the model's chat template).</summary>
    public string Template { get; init; } = "boxed";

    /// <summary>Prompts longer than this many tokens are skipped (verl default 512).</summary>
    public int MaxPromptLength { get; init; } = 512;

    /// <summary>Prompts per step; the step trains on batch_size × rollout.n responses.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Prompts generated per round of dynamic sampling (DAPO: 3 × batch_size, i.e. 1536 for 512): rounds
    /// repeat until batch_size groups with signal are kept; null = batch_size. Only read when
    /// algorithm.dynamic_sampling.enable is true.</summary>
    public int? GenBatchSize { get; init; }

    /// <summary>Prompt order: sequential, random (reshuffled each epoch), history_resampling (SRPO, arXiv 2504.14286:
    /// shuffled epochs; at each epoch end the prompts all of whose rollouts in that epoch were correct leave the
    /// set, mixed and all-wrong ones stay) or gaussian_difficulty (seed note 002: a step's prompts drawn without
    /// replacement with weight exp(−(p − gaussian_mean)² / 2·gaussian_std²) over the prompt's pass rate p: its
    /// latest observed group pass rate, else the pass_rate_key field, else gaussian_mean). See docs/rl-algorithms.md.</summary>
    public string Sampler { get; init; } = "random";

    /// <summary>JSON field of a prompt's offline pass rate in [0, 1], as written by `verity data difficulty`
    /// (pass_rate). Read by min_pass_rate / max_pass_rate and by the gaussian_difficulty sampler.</summary>
    public string PassRateKey { get; init; } = "pass_rate";

    /// <summary>Offline pass-rate filter (AceReason, Skywork-OR1): prompts whose pass_rate_key field is below this
    /// are not loaded (e.g. 0.0625 drops never-solved prompts at k = 16); null = no lower bound. Every line then
    /// needs the field.</summary>
    public double? MinPassRate { get; init; }

    /// <summary>Offline pass-rate filter: prompts whose pass_rate_key field is above this are not loaded (e.g.
    /// 0.9375 drops always-solved prompts at k = 16; Skywork-OR1's later stages 0.375 = 6/16); null = no upper bound.</summary>
    public double? MaxPassRate { get; init; }

    /// <summary>JSON field of a per-prompt score for the curriculum data.top_fraction (e.g. R1-Code-Interpreter's
    /// improvement potential); null = no score curriculum.</summary>
    public string? ScoreKey { get; init; }

    /// <summary>Curriculum by score: train on the ⌈top_fraction·N⌉ prompts with the highest score_key (ties in file
    /// order). R1-Code-Interpreter: stages at 0.25, 0.5, 0.75, 1.0 (one per entry of `stages:`). 1.0 = all prompts.</summary>
    public double TopFraction { get; init; } = 1.0;

    /// <summary>Centre μ of gaussian_difficulty, a pass rate (seed note 002: 0.5, medium problems favoured).</summary>
    public double GaussianMean { get; init; } = 0.5;

    /// <summary>Width σ of gaussian_difficulty (seed note 002: 0.1, so by 3σ nearly every draw has pass rate in
    /// [0.2, 0.8]). Larger values flatten the weights toward uniform.</summary>
    public double GaussianStd { get; init; } = 0.1;
}
