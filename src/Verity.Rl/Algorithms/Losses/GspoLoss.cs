namespace Verity.Rl.Algorithms.Losses;

/// <summary>
/// GSPO (sequence-level ratio, rl-anchors §2.2) in the token form verl implements:
/// s_i = exp(mean_{t∈o_i}(lp − lo)) (log s clamped ≤ 10), s_{i,t} = sg(s_i)·exp(lp_t − sg(lp_t)),
/// ℓ_{i,t} = max(−s_{i,t}A_t, −clip(s_{i,t}, 1−ε_l, 1+ε_h)A_t), g_t = −s_i·A_t unclipped, else 0.
/// Aggregated with seq_mean_token_mean (weight 1/(B|o_i|)) this is exactly the sequence-level gradient
/// ∂ℓ_i/∂lp_t = −A_i·s_i/|o_i| of GSPO; any other aggregation weights sequences by length (config
/// validation rejects that pairing).
/// </summary>
public static class GspoLoss
{
    /// <summary>verl clamps the sequence log-ratio at 10 to keep s finite.</summary>
    public const double MaxLogRatio = 10;

    public static PolicyLossStats Compute(in PolicyLossInput input, PolicyLossOptions options, Span<double> loss, Span<double> gradLogProb)
    {
        var layout = input.Layout;
        int T = layout.Tokens;
        var stats = new PolicyLossStats();
        for (int b = 0; b < layout.Sequences; b++)
        {
            double n = 0, sum = 0;
            for (int t = 0; t < T; t++)
            {
                int i = b * T + t;
                n += input.Mask[i];
                sum += input.Mask[i] * (input.LogProbs[i] - input.OldLogProbs[i]);
            }
            double logS = n > 0 ? sum / n : 0;
            bool saturated = logS > MaxLogRatio;
            double s = Math.Exp(Math.Min(logS, MaxLogRatio));
            double sClipped = Math.Clamp(s, 1 - options.EpsilonLow, 1 + options.EpsilonHigh);
            for (int t = 0; t < T; t++)
            {
                int i = b * T + t;
                if (input.Mask[i] == 0) { loss[i] = 0; gradLogProb[i] = 0; continue; }
                double a = input.Advantages[i];
                double unclipped = -s * a, clipped = -sClipped * a;
                loss[i] = Math.Max(unclipped, clipped);
                gradLogProb[i] = unclipped >= clipped && !saturated ? -s * a : 0;
                stats = stats.Add(new PolicyLossStats(1, a < 0 && s < 1 - options.EpsilonLow ? 1 : 0, a > 0 && s > 1 + options.EpsilonHigh ? 1 : 0, 0));
            }
        }
        return stats;
    }
}
