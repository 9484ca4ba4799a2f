namespace Verity.Rl.Algorithms.Advantages;

/// <summary>
/// Generalized advantage estimation with a critic (rl-anchors §2.1): δ_t = r_t + γV_{t+1} − V_t,
/// A_t = δ_t + γλA_{t+1}, returns = A + V (the critic's targets), then A whitened over the batch (verl).
/// r_t = token reward, plus the outcome reward on the last response token; V after the last token is 0.
/// Masked-out positions are skipped (V_{t+1} is the next masked-in token's value).
/// </summary>
public static class Gae
{
    public static void Estimate(AdvantageBatch batch, AdvantageOptions options, Span<double> advantages, Span<double> returns)
    {
        var layout = batch.Layout();
        layout.Require(advantages, "advantages");
        layout.Require(returns, "returns");
        var values = batch.Values ?? throw new ArgumentException("adv_estimator 'gae' needs critic values per token. HINT: enable the critic (model.critic_path) or pick an outcome estimator such as 'grpo'");
        int T = layout.Tokens;
        for (int b = 0; b < layout.Sequences; b++)
        {
            int last = layout.LastToken(batch.Mask, b);
            double nextValue = 0, nextAdvantage = 0;
            for (int t = T - 1; t >= 0; t--)
            {
                int i = b * T + t;
                if (batch.Mask[i] == 0) { advantages[i] = 0; returns[i] = 0; continue; }
                double r = (batch.TokenRewards?[i] ?? 0) + (t == last ? batch.Rewards[b] : 0);
                double delta = r + options.Gamma * nextValue - values[i];
                nextAdvantage = delta + options.Gamma * options.Lambda * nextAdvantage;
                nextValue = values[i];
                advantages[i] = nextAdvantage;
                returns[i] = nextAdvantage + values[i];
            }
        }
        Whitening.InPlace(advantages, batch.Mask);
    }
}
