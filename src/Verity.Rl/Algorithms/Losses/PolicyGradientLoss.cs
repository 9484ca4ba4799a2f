namespace Verity.Rl.Algorithms.Losses;

/// <summary>
/// Plain policy gradient (REINFORCE / GPG): ℓ = −A·lp, g = −A. No importance ratio, so it is only
/// correct strictly on-policy (one update per rollout batch: ppo_epochs 1, mini_batch = batch) — the
/// setting AceReason / Skywork report avoids entropy collapse. Old log-probs are ignored.
/// </summary>
public static class PolicyGradientLoss
{
    public static PolicyLossStats Compute(in PolicyLossInput input, PolicyLossOptions options, Span<double> loss, Span<double> gradLogProb)
    {
        int tokens = 0;
        for (int i = 0; i < input.Mask.Length; i++)
        {
            if (input.Mask[i] == 0) { loss[i] = 0; gradLogProb[i] = 0; continue; }
            loss[i] = -input.Advantages[i] * input.LogProbs[i];
            gradLogProb[i] = -input.Advantages[i];
            tokens++;
        }
        return new PolicyLossStats(tokens, 0, 0, 0);
    }
}
