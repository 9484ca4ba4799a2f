namespace Verity.Rl.Algorithms.Aggregation;

/// <summary>
/// The denominators of a loss aggregation, computed ONCE over the whole mini-batch (one optimizer step)
/// and handed to every micro-batch call. Because no normalizer is computed from a micro-batch, summing
/// the micro-batch gradients gives exactly the full mini-batch gradient (rl-anchors §2.3, §4 item 6).
/// </summary>
/// <param name="Tokens">N = Σ mask over the mini-batch.</param>
/// <param name="Sequences">B = sequences of the mini-batch with at least one masked-in token
/// (an overlong-filtered, fully masked sequence does not dilute the mean).</param>
/// <param name="MaxLength">L_max, Dr.GRPO's constant length normalizer (rollout.max_new_tokens).</param>
public readonly record struct LossNormalizer(double Tokens, int Sequences, int MaxLength)
{
    public static LossNormalizer ForMiniBatch(ReadOnlySpan<double> mask, int tokens, int maxLength)
    {
        var layout = TokenLayout.Of(mask, tokens);
        double n = 0;
        int sequences = 0;
        for (int b = 0; b < layout.Sequences; b++)
        {
            double length = layout.Length(mask, b);
            n += length;
            if (length > 0) sequences++;
        }
        return new LossNormalizer(n, sequences, maxLength);
    }
}

/// <summary>
/// Writes the per-token weight w_t of a micro-batch: loss = Σ_t w_t·ℓ_t and d loss/d lp_t = w_t·g_t.
/// Zero outside the mask.
/// </summary>
public delegate void TokenWeights(ReadOnlySpan<double> mask, int tokens, LossNormalizer normalizer, Span<double> weights);

/// <summary>Loss aggregation modes keyed by <c>algorithm.loss_agg_mode</c> (rl-anchors §2.3).</summary>
public static class LossAggregations
{
    public static IReadOnlyDictionary<string, TokenWeights> All { get; } = new Dictionary<string, TokenWeights>
    {
        // Σ ℓ / N: every token counts the same (DAPO; verl default; TRL "dapo").
        ["token_mean"] = (mask, T, norm, w) => Fill(mask, T, w, (_, _) => 1 / Positive(norm.Tokens, "token count")),
        // (1/B) Σ_i (1/|o_i|) Σ_t ℓ: original GRPO; tokens of long answers weigh less (length bias).
        ["seq_mean_token_mean"] = (mask, T, norm, w) => Fill(mask, T, w, (_, length) => 1 / (Positive(norm.Sequences, "sequence count") * length)),
        // (1/B) Σ_i Σ_t ℓ.
        ["seq_mean_token_sum"] = (mask, T, norm, w) => Fill(mask, T, w, (_, _) => 1 / Positive(norm.Sequences, "sequence count")),
        // Σ ℓ / (B·L_max): Dr.GRPO's constant normalizer, unbiased in length (TRL "dr_grpo").
        ["dr_grpo"] = (mask, T, norm, w) => Fill(mask, T, w, (_, _) => 1 / (Positive(norm.Sequences, "sequence count") * Positive(norm.MaxLength, "max length"))),
    };

    public static TokenWeights Get(string name) => Registry.Resolve(All, name, "loss aggregation (algorithm.loss_agg_mode)");

    /// <summary>Σ_t w_t·x_t.</summary>
    public static double Aggregate(ReadOnlySpan<double> perToken, ReadOnlySpan<double> weights)
    {
        double sum = 0;
        for (int i = 0; i < perToken.Length; i++) sum += weights[i] * perToken[i];
        return sum;
    }

    private static void Fill(ReadOnlySpan<double> mask, int tokens, Span<double> weights, Func<int, double, double> perSequence)
    {
        var layout = TokenLayout.Of(mask, tokens);
        layout.Require(weights, "weights");
        for (int b = 0; b < layout.Sequences; b++)
        {
            double length = layout.Length(mask, b);
            double w = length > 0 ? perSequence(b, length) : 0;
            for (int t = 0; t < tokens; t++) weights[b * tokens + t] = w * mask[b * tokens + t];
        }
    }

    private static double Positive(double value, string what) => value > 0 ? value
        : throw new ArgumentException($"loss normalizer {what} is {value}. HINT: build it with LossNormalizer.ForMiniBatch over the whole mini-batch (it has no response tokens?)");
}
