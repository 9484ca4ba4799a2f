namespace Verity.Rl.Algorithms.Losses;

/// <summary>
/// Critic loss with value clipping (rl-anchors §2.1): ℓ = 0.5·max((V − ret)², (clip(V, V_old ± c) − ret)²),
/// written per token with ∂ℓ/∂V. Where the clipped branch wins and V lies outside [V_old − c, V_old + c]
/// the clipped value is constant, so the gradient is 0 (the critic may not move further this epoch).
/// Aggregate with the same token weights as the actor loss.
/// </summary>
public static class ValueLoss
{
    /// <summary>
    /// values V, oldValues V_old (rollout-time critic), returns ret: all [B*T]; clip c (null: plain
    /// 0.5·(V − ret)²); writes loss and ∂ℓ/∂V. Returns the fraction of masked tokens where the clipped branch won.
    /// </summary>
    public static double Compute(ReadOnlySpan<double> values, ReadOnlySpan<double> oldValues, ReadOnlySpan<double> returns,
        ReadOnlySpan<double> mask, double? clip, Span<double> loss, Span<double> gradValue)
    {
        double n = 0, clipped = 0;
        for (int i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0) { loss[i] = 0; gradValue[i] = 0; continue; }
            n++;
            double plain = values[i] - returns[i];
            double lossPlain = 0.5 * plain * plain;
            if (clip is not double c) { loss[i] = lossPlain; gradValue[i] = plain; continue; }
            double vClipped = Math.Clamp(values[i], oldValues[i] - c, oldValues[i] + c);
            double diff = vClipped - returns[i];
            double lossClipped = 0.5 * diff * diff;
            if (lossPlain >= lossClipped) { loss[i] = lossPlain; gradValue[i] = plain; }
            else
            {
                // the clipped error can only be larger when V lies outside [V_old − c, V_old + c], where
                // clip(V) is constant: no gradient
                clipped++;
                loss[i] = lossClipped;
                gradValue[i] = 0;
            }
        }
        return n > 0 ? clipped / n : 0;
    }
}
