namespace Verity.Rl.Algorithms.Advantages;

/// <summary>
/// Estimators from one scalar reward per sequence, relative to the other samples of the same prompt; the
/// sequence advantage is broadcast to its masked tokens (rl-anchors §2.1). A singleton group gets mean 0
/// and std 1 (verl), so A = R there; a group whose rewards all agree gets A = 0 (no NaN: std 0 + ε).
/// </summary>
public static class OutcomeAdvantages
{
    /// <summary>GRPO: A = (R − mean_g) / (std_g + ε), std unbiased.</summary>
    public static void Grpo(AdvantageBatch batch, AdvantageOptions options, Span<double> advantages, Span<double> returns) =>
        Broadcast(batch, advantages, returns, (stats, b, r) =>
        {
            int g = batch.Groups[b];
            return stats.Count(g) == 1 ? r : (r - stats.Mean(g)) / (stats.Std(g) + options.Epsilon);
        });

    /// <summary>Dr.GRPO: A = R − mean_g (no std division: avoids up-weighting near-unanimous groups).</summary>
    public static void DrGrpo(AdvantageBatch batch, AdvantageOptions options, Span<double> advantages, Span<double> returns) =>
        Broadcast(batch, advantages, returns, (stats, b, r) =>
        {
            int g = batch.Groups[b];
            return stats.Count(g) == 1 ? r : r - stats.Mean(g);
        });

    /// <summary>Lite PPO (TRL scale_rewards="batch"): A = (R − mean_g) / (std of all rewards in the batch + ε).</summary>
    public static void LitePpo(AdvantageBatch batch, AdvantageOptions options, Span<double> advantages, Span<double> returns)
    {
        double scale = GroupStatistics.Std(batch.Rewards) + options.Epsilon;
        Broadcast(batch, advantages, returns, (stats, b, r) =>
        {
            int g = batch.Groups[b];
            return (stats.Count(g) == 1 ? r : r - stats.Mean(g)) / scale;
        });
    }

    /// <summary>RLOO: A = R − mean of the other G−1 rewards = G/(G−1)·(R − mean_g).</summary>
    public static void Rloo(AdvantageBatch batch, AdvantageOptions options, Span<double> advantages, Span<double> returns) =>
        Broadcast(batch, advantages, returns, (stats, b, r) =>
        {
            int g = batch.Groups[b];
            int n = stats.Count(g);
            return n == 1 ? r : (r - stats.Mean(g)) * n / (n - 1);
        });

    private static void Broadcast(AdvantageBatch batch, Span<double> advantages, Span<double> returns,
        Func<GroupStatistics, int, double, double> perSequence)
    {
        var layout = batch.Layout();
        layout.Require(advantages, "advantages");
        layout.Require(returns, "returns");
        var stats = new GroupStatistics(batch.Rewards, batch.Groups);
        for (int b = 0; b < layout.Sequences; b++)
        {
            double a = perSequence(stats, b, batch.Rewards[b]);
            for (int t = 0; t < layout.Tokens; t++)
            {
                int i = b * layout.Tokens + t;
                advantages[i] = a * batch.Mask[i];
                returns[i] = advantages[i];
            }
        }
    }
}
