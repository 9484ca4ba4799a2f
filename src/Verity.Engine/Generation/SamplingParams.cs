namespace Verity.Engine.Generation;

/// <summary>
/// How one request is sampled. The filters apply in this order, as in Hugging Face <c>generate</c>:
/// temperature → top-k → top-p → min-p; the survivors are renormalized and one token is drawn.
/// </summary>
public sealed record SamplingParams
{
    /// <summary>Divides the logits; 0 means greedy (argmax). Default 1. Must be ≥ 0.</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Keep only the k most likely tokens; 0 disables. Must be ≥ 0.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of most likely tokens whose mass reaches top_p; 1 disables. In (0, 1].</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Drop tokens whose probability is below min_p × the top token's probability; 0 disables. In [0, 1].</summary>
    public float MinP { get; init; }

    /// <summary>Samples per prompt (the GRPO group size). ≥ 1.</summary>
    public int N { get; init; } = 1;

    /// <summary>Generation stops after this many new tokens (finish reason <c>length</c>). ≥ 1.</summary>
    public int MaxNewTokens { get; init; } = 256;

    /// <summary>Seed of this request's random stream; the same seed gives the same samples.</summary>
    public ulong Seed { get; init; }

    public bool IsGreedy => Temperature == 0f;

    /// <summary>Rejects out-of-range values with a message naming the field and its valid range.</summary>
    public void Validate()
    {
        if (!(Temperature >= 0f) || float.IsInfinity(Temperature))
            throw new ArgumentException($"sampling: temperature must be a finite value ≥ 0 (0 = greedy), got {Temperature}.");
        if (TopK < 0) throw new ArgumentException($"sampling: top_k must be ≥ 0 (0 = off), got {TopK}.");
        if (!(TopP > 0f && TopP <= 1f)) throw new ArgumentException($"sampling: top_p must be in (0, 1] (1 = off), got {TopP}.");
        if (!(MinP >= 0f && MinP <= 1f)) throw new ArgumentException($"sampling: min_p must be in [0, 1] (0 = off), got {MinP}.");
        if (N < 1) throw new ArgumentException($"sampling: n must be ≥ 1, got {N}.");
        if (MaxNewTokens < 1) throw new ArgumentException($"sampling: max_new_tokens must be ≥ 1, got {MaxNewTokens}.");
    }
}
