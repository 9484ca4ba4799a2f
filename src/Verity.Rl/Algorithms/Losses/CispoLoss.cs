namespace Verity.Rl.Algorithms.Losses;

/// <summary>
/// CISPO (MiniMax-M1; verl's two-sided form, rl-anchors §2.2): ℓ = −sg(clip(r, 1−ε_l, 1+ε_h))·A·lp,
/// g = −clip(r)·A — the importance weight is clipped but the token always keeps a gradient.
/// MiniMax effectively drops the lower clip (set ε_low to 1) and tunes ε_high. Pitfall: TRL's epsilon_high=5.0
/// (ScaleRL) is an absolute cap min(r, 5), which is ε_high = 4 here. No dual clip.
/// </summary>
public static class CispoLoss
{
    public static PolicyLossStats Compute(in PolicyLossInput input, PolicyLossOptions options, Span<double> loss, Span<double> gradLogProb)
    {
        var stats = new PolicyLossStats();
        for (int i = 0; i < input.Mask.Length; i++)
        {
            if (input.Mask[i] == 0) { loss[i] = 0; gradLogProb[i] = 0; continue; }
            double a = input.Advantages[i];
            var (r, _) = PolicyLosses.Ratio(input.LogProbs[i], input.OldLogProbs[i]);
            double w = Math.Clamp(r, 1 - options.EpsilonLow, 1 + options.EpsilonHigh);
            loss[i] = -w * a * input.LogProbs[i];
            gradLogProb[i] = -w * a;
            stats = stats.Add(new PolicyLossStats(1, r < 1 - options.EpsilonLow ? 1 : 0, r > 1 + options.EpsilonHigh ? 1 : 0, 0));
        }
        return stats;
    }
}
