namespace Verity.Rl.Algorithms.Advantages;

/// <summary>
/// REINFORCE++ (rl-anchors §2.1): token rewards r_t (e.g. −β·KL_t) plus the outcome reward on the last
/// response token, discounted return-to-go G_t = Σ_{k≥t} γ^{k−t} r_k, then whitened over all batch tokens.
/// Masked-out positions inside a response (tool output) are skipped: the return flows through them
/// instead of restarting, so a tool call does not cut the credit of the tokens before it.
/// </summary>
public static class ReinforcePlusPlus
{
    public static void Estimate(AdvantageBatch batch, AdvantageOptions options, Span<double> advantages, Span<double> returns) =>
        Run(batch, batch.Rewards, options, advantages, returns);

    /// <summary>REINFORCE++-baseline: subtract the group mean from R first (a per-prompt baseline), then as above.</summary>
    public static void EstimateWithBaseline(AdvantageBatch batch, AdvantageOptions options, Span<double> advantages, Span<double> returns)
    {
        var stats = new GroupStatistics(batch.Rewards, batch.Groups);
        var centered = new double[batch.Rewards.Length];
        for (int b = 0; b < centered.Length; b++)
            centered[b] = stats.Count(batch.Groups[b]) == 1 ? batch.Rewards[b] : batch.Rewards[b] - stats.Mean(batch.Groups[b]);
        Run(batch, centered, options, advantages, returns);
    }

    private static void Run(AdvantageBatch batch, double[] outcome, AdvantageOptions options, Span<double> advantages, Span<double> returns)
    {
        var layout = batch.Layout();
        layout.Require(advantages, "advantages");
        layout.Require(returns, "returns");
        int T = layout.Tokens;
        for (int b = 0; b < layout.Sequences; b++)
        {
            int last = layout.LastToken(batch.Mask, b);
            double running = 0;
            for (int t = T - 1; t >= 0; t--)
            {
                int i = b * T + t;
                if (batch.Mask[i] == 0) { returns[i] = 0; continue; }
                double r = (batch.TokenRewards?[i] ?? 0) + (t == last ? outcome[b] : 0);
                running = r + options.Gamma * running;
                returns[i] = running;
            }
        }
        returns.CopyTo(advantages);
        Whitening.InPlace(advantages, batch.Mask);
    }
}
