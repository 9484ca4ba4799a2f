namespace Verity.Rl.Algorithms.Losses;

/// <summary>
/// PPO-clip with clip-higher and optional dual-clip (rl-anchors §2.2):
/// ℓ = max(−rA, −clip(r, 1−ε_l, 1+ε_h)A); with dual-clip c (A &lt; 0 only) ℓ = min(ℓ, −cA).
/// g = −rA, or 0 where the clipped branch is active: (A&gt;0 ∧ r&gt;1+ε_h), (A&lt;0 ∧ r&lt;1−ε_l), (A&lt;0 ∧ r&gt;c).
/// </summary>
public static class PpoClipLoss
{
    public static PolicyLossStats Compute(in PolicyLossInput input, PolicyLossOptions options, Span<double> loss, Span<double> gradLogProb)
    {
        var stats = new PolicyLossStats();
        for (int i = 0; i < input.Mask.Length; i++)
        {
            if (input.Mask[i] == 0) { loss[i] = 0; gradLogProb[i] = 0; continue; }
            var (l, g, s) = Token(input.LogProbs[i], input.OldLogProbs[i], input.Advantages[i], options);
            loss[i] = l; gradLogProb[i] = g;
            stats = stats.Add(s);
        }
        return stats;
    }

    /// <summary>One token: (ℓ, ∂ℓ/∂lp, which clip fired). Shared with GPPO, whose forward value is PPO's.</summary>
    internal static (double Loss, double Grad, PolicyLossStats Stats) Token(double lp, double lo, double a, PolicyLossOptions o)
    {
        var (r, saturated) = PolicyLosses.Ratio(lp, lo);
        double unclipped = -r * a;
        double clipped = -Math.Clamp(r, 1 - o.EpsilonLow, 1 + o.EpsilonHigh) * a;
        double l = Math.Max(unclipped, clipped);
        double g = unclipped >= clipped && !saturated ? -r * a : 0;
        var stats = new PolicyLossStats(1, a < 0 && r < 1 - o.EpsilonLow ? 1 : 0, a > 0 && r > 1 + o.EpsilonHigh ? 1 : 0, 0);
        if (o.DualClip is double c && a < 0 && l > -c * a)
        {
            l = -c * a;
            g = 0;
            stats = stats with { DualClipped = 1 };
        }
        return (l, g, stats);
    }
}
