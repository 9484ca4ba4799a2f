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

    /// <summary>Prompts generated per round of dynamic sampling (DAPO: 3 × batch_size); null = batch_size.</summary>
    public int? GenBatchSize { get; init; }

    /// <summary>Prompt order: sequential, random (reshuffled each epoch), history_resampling (SRPO: at each epoch end
    /// drop prompts whose rollouts were all correct) or gaussian_difficulty (DARO notes: sample prompts with
    /// probability from N(0.5, 0.1) over their estimated pass rate).</summary>
    public string Sampler { get; init; } = "random";
}
