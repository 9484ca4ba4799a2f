namespace Verity.Engine.Generation;

/// <summary>Why a sample stopped.</summary>
public enum FinishReason
{
    /// <summary>It produced a stop token id (kept as the last completion token) or met a stop criterion.</summary>
    Stop,

    /// <summary>It reached max_new_tokens.</summary>
    Length,
}

/// <summary>
/// Decides whether a growing completion should stop (e.g. a stop string, checked by the Hub on decoded
/// text — the engine itself knows only ids). Called after each new token.
/// </summary>
public delegate bool StopCriterion(IReadOnlyList<int> completionIds);

/// <summary>One prompt to sample <see cref="SamplingParams.N"/> completions for.</summary>
public sealed record GenerationRequest(int[] PromptIds, SamplingParams Sampling)
{
    /// <summary>Token ids that end a sample (generation_config.json may give several). Null uses the generator's default.</summary>
    public IReadOnlyCollection<int>? StopTokenIds { get; init; }

    /// <summary>Extra stop condition on the completion so far, such as stop strings.</summary>
    public StopCriterion? StopCriterion { get; init; }
}

/// <summary>One sampled completion.</summary>
/// <param name="CompletionIds">Generated ids; a stop token that ended the sample is included as the last id.</param>
/// <param name="PolicyLogProbs">Per generated token, log π(token | prefix) under the model's own distribution
/// (raw logits, temperature 1, no truncation): what the training forward recomputes.</param>
/// <param name="SamplingLogProbs">Per generated token, log q(token | prefix) under the tempered, truncated
/// distribution it was actually drawn from (0 under greedy).</param>
/// <param name="Finish">Stop or length.</param>
public sealed record GeneratedSample(int[] CompletionIds, float[] PolicyLogProbs, float[] SamplingLogProbs, FinishReason Finish);

/// <summary>The outcome of one request: its samples in sample order, or the error that rejected it.</summary>
public sealed record RequestResult(IReadOnlyList<GeneratedSample> Samples, string? Error)
{
    public bool Ok => Error is null;
}

/// <summary>Counters of one generate call.</summary>
/// <param name="PromptTokens">Prompt tokens prefilled (once per request, shared by its samples).</param>
/// <param name="GeneratedTokens">New tokens over all samples.</param>
/// <param name="DecodeSteps">Batched decode steps run.</param>
/// <param name="MaxConcurrent">Largest number of sequences decoded together.</param>
/// <param name="Seconds">Wall time.</param>
public sealed record GenerationStats(long PromptTokens, long GeneratedTokens, int DecodeSteps, int MaxConcurrent, double Seconds)
{
    /// <summary>
    /// Largest |policy log-prob from generation − log-prob from the training forward| over all generated
    /// tokens, when <see cref="GeneratorOptions.CheckParity"/> is on (else null). Above ~1e-4 in float32
    /// the rollout and the learner disagree about the policy: a known silent failure of RL trainers.
    /// </summary>
    public double? MaxLogProbMismatch { get; init; }

    /// <summary>
    /// Wall seconds of <see cref="Seconds"/> spent in prompt forwards (prefill: the time to first token, summed over
    /// the calls that admitted new prompts). The rest is decode steps, sampling and bookkeeping, so
    /// <see cref="DecodeSteps"/> / (Seconds − PrefillSeconds) is the decode step rate, which the memory-bandwidth
    /// bound of a single sequence (one read of the weights per step) applies to.
    /// </summary>
    public double PrefillSeconds { get; init; }
}

/// <summary>The whole call: one result per request, in request order.</summary>
public sealed record GenerationResult(IReadOnlyList<RequestResult> Requests, GenerationStats Stats);

/// <summary>Limits and defaults of a <see cref="Generator"/>.</summary>
public sealed record GeneratorOptions
{
    /// <summary>Sequences decoded together at most; finished ones are replaced by pending samples (continuous batching).</summary>
    public int MaxConcurrentSequences { get; init; } = 64;

    /// <summary>
    /// KV-cache budget in bytes (float32 K and V of prompts and samples); admission waits when full. Released
    /// blocks, up to this many bytes, are kept by the generator for its later sequences and calls (their pages
    /// are already resident), until the generator is dropped.
    /// </summary>
    public long MaxKvBytes { get; init; } = 4L << 30;

    /// <summary>Stop token ids for requests that give none (usually the model's EOS ids).</summary>
    public IReadOnlyCollection<int> DefaultStopTokenIds { get; init; } = [];

    /// <summary>
    /// Prefill each prompt once and share its KV cache among the request's samples (default). Off, every
    /// sample prefills its own copy — the same results, more work; kept to test that sharing is exact.
    /// </summary>
    public bool SharePrefix { get; init; } = true;

    /// <summary>Recompute every sample with the training forward and report the largest log-prob mismatch.</summary>
    public bool CheckParity { get; init; }
}
