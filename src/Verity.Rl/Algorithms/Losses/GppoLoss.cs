namespace Verity.Rl.Algorithms.Losses;

/// <summary>
/// GPPO, gradient-preserving clipping (Klear-Reasoner; rl-anchors §2.2). Forward value is PPO's; the
/// clipped branch is written −A·b·r/sg(r), so outside the trust region the gradient is bounded instead
/// of zero: g = −β₂(1+ε_h)A if A&gt;0 ∧ r&gt;1+ε_h; −β₁(1−ε_l)A if A&lt;0 ∧ r&lt;1−ε_l; else −rA.
/// The dual-clip region (A&lt;0 ∧ r&gt;c) still gets 0, as in Klear.
/// </summary>
public static class GppoLoss
{
    public static PolicyLossStats Compute(in PolicyLossInput input, PolicyLossOptions options, Span<double> loss, Span<double> gradLogProb)
    {
        var stats = new PolicyLossStats();
        for (int i = 0; i < input.Mask.Length; i++)
        {
            if (input.Mask[i] == 0) { loss[i] = 0; gradLogProb[i] = 0; continue; }
            double a = input.Advantages[i];
            var (l, _, s) = PpoClipLoss.Token(input.LogProbs[i], input.OldLogProbs[i], a, options);
            var (r, saturated) = PolicyLosses.Ratio(input.LogProbs[i], input.OldLogProbs[i]);
            double g;
            if (s.DualClipped == 1) g = 0;
            else if (a > 0 && r > 1 + options.EpsilonHigh) g = -options.GppoBetaHigh * (1 + options.EpsilonHigh) * a;
            else if (a < 0 && r < 1 - options.EpsilonLow) g = -options.GppoBetaLow * (1 - options.EpsilonLow) * a;
            else g = saturated ? 0 : -r * a;
            loss[i] = l; gradLogProb[i] = g;
            stats = stats.Add(s);
        }
        return stats;
    }
}
