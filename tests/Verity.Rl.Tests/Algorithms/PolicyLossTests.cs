using Verity.Rl.Algorithms.Aggregation;
using Verity.Rl.Algorithms.Losses;

namespace Verity.Rl.Tests.Algorithms;

public class PolicyLossTests
{
    private static readonly PolicyLossOptions Anchor = new() { EpsilonLow = 0.2, EpsilonHigh = 0.28, DualClip = 3 };

    private static (double[] Loss, double[] Grad, PolicyLossStats Stats) Run(string name, double[] lp, double[] lo, double[] a, double[] mask, int tokens, PolicyLossOptions options)
    {
        var loss = new double[lp.Length];
        var grad = new double[lp.Length];
        var stats = PolicyLosses.Get(name)(new PolicyLossInput(lp, lo, a, mask, tokens), options, loss, grad);
        return (loss, grad, stats);
    }

    private static double Single(string name, double p, double a, PolicyLossOptions options) =>
        Run(name, [Math.Log(p)], [Math.Log(0.5)], [a], [1], 1, options).Grad[0];

    // rl-anchors §2.2 hand-computed table: lo = ln 0.5, ε_l = 0.2, ε_h = 0.28, c = 3
    [Theory]
    [InlineData(0.6, +1, -1.2, -1.2, -1.2)]
    [InlineData(0.7, +1, 0.0, -1.28, -1.28)]
    [InlineData(0.3, +1, -0.6, -0.6, -0.8)]
    [InlineData(0.3, -1, 0.0, +0.8, +0.8)]
    [InlineData(0.7, -1, +1.4, +1.4, +1.28)]
    [InlineData(2.0, -1, 0.0, 0.0, +1.28)]
    public void Gradients_match_the_anchor_table(double p, double a, double ppo, double gppo, double cispo)
    {
        Numerics.Close(ppo, Single("ppo_clip", p, a, Anchor), 1e-12, "ppo_clip");
        Numerics.Close(gppo, Single("gppo", p, a, Anchor), 1e-12, "gppo");
        Numerics.Close(cispo, Single("cispo", p, a, Anchor), 1e-12, "cispo");
    }

    [Fact]
    public void Ppo_forward_values_follow_the_clipped_surrogate()
    {
        var (loss, _, stats) = Run("ppo_clip",
            [Math.Log(0.6), Math.Log(0.7), Math.Log(0.3), Math.Log(2.0)], Enumerable.Repeat(Math.Log(0.5), 4).ToArray(),
            [1, 1, -1, -1], [1, 1, 1, 1], 4, Anchor);
        // −1.2 (inside); −1.28 (clipped high); +0.8 (clipped low); min(4, 3) = 3 (dual clip)
        Numerics.AllClose([-1.2, -1.28, 0.8, 3.0], loss, 1e-12);
        Assert.Equal(new PolicyLossStats(4, 1, 1, 1), stats);
    }

    [Fact]
    public void Gppo_betas_scale_only_the_clipped_gradients()
    {
        var options = Anchor with { GppoBetaLow = 0.5, GppoBetaHigh = 0.25 };
        Numerics.Close(-0.25 * 1.28, Single("gppo", 0.7, 1, options), 1e-12);
        Numerics.Close(0.5 * 0.8, Single("gppo", 0.3, -1, options), 1e-12);
        Numerics.Close(-1.2, Single("gppo", 0.6, 1, options), 1e-12);
    }

    [Fact]
    public void Cispo_loss_is_the_stopped_weight_times_advantage_times_logprob()
    {
        var (loss, _, _) = Run("cispo", [Math.Log(0.7)], [Math.Log(0.5)], [2], [1], 1, Anchor);
        Numerics.Close(-1.28 * 2 * Math.Log(0.7), loss[0], 1e-12);
    }

    [Fact]
    public void Pg_gradient_is_minus_advantage_and_ignores_old_logprobs()
    {
        var (loss, grad, _) = Run("pg", [Math.Log(0.3), -2], [123, -7], [1.5, -0.5], [1, 1], 2, Anchor);
        Numerics.AllClose([-1.5, 0.5], grad, 0);
        Numerics.AllClose([-1.5 * Math.Log(0.3), -0.5 * 2], loss, 1e-12);
    }

    [Fact]
    public void Gspo_matches_the_anchor_vector_after_seq_mean_token_mean()
    {
        var options = new PolicyLossOptions { EpsilonLow = 3e-4, EpsilonHigh = 4e-4 };
        double[] lo = [Math.Log(0.5), Math.Log(0.5)], mask = [1, 1], a = [1, 1];
        var weights = new double[2];
        LossAggregations.Get("seq_mean_token_mean")(mask, 2, LossNormalizer.ForMiniBatch(mask, 2, 2), weights);

        var (_, grad, _) = Run("gspo", [Math.Log(0.50005), Math.Log(0.5)], lo, a, mask, 2, options);
        Numerics.AllClose([-0.500025, -0.500025], [grad[0] * weights[0], grad[1] * weights[1]], 1e-9);

        var (_, clipped, stats) = Run("gspo", [Math.Log(0.6), Math.Log(0.5)], lo, a, mask, 2, options);
        Numerics.AllClose([0, 0], clipped, 0);
        Assert.Equal(2, stats.ClippedHigh);
    }

    /// <summary>Aggregated loss Σ w_t·ℓ_t as a function of lp, with fixed weights (they depend on the mask only).</summary>
    private static double Total(string name, double[] lp, double[] lo, double[] a, double[] mask, int tokens, PolicyLossOptions options, double[] weights)
    {
        var (loss, _, _) = Run(name, lp, lo, a, mask, tokens, options);
        return LossAggregations.Aggregate(loss, weights);
    }

    [Theory]
    [InlineData("ppo_clip", "token_mean")]
    [InlineData("ppo_clip", "seq_mean_token_sum")]
    [InlineData("gspo", "seq_mean_token_mean")]
    [InlineData("pg", "dr_grpo")]
    public void Gradients_match_float64_finite_differences(string name, string aggregation)
    {
        var rng = new Random(7);
        const int B = 4, T = 5;
        double[] mask = [1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0];
        var lo = Numerics.Random(rng, B * T, -3, -0.2);
        var lp = lo.Select(x => x + (rng.NextDouble() - 0.5) * 0.8).ToArray();
        // GSPO takes one advantage per sequence; the token losses take any per-token advantage
        var a = name == "gspo"
            ? Enumerable.Range(0, B * T).Select(i => new[] { 1.0, -0.7, 0.4, -1.3 }[i / T]).ToArray()
            : Numerics.Random(rng, B * T, -1.5, 1.5);
        var options = new PolicyLossOptions { EpsilonLow = 0.2, EpsilonHigh = 0.28, DualClip = 3 };
        if (name == "gspo") options = options with { EpsilonLow = 0.05, EpsilonHigh = 0.08 };
        var weights = new double[B * T];
        LossAggregations.Get(aggregation)(mask, T, LossNormalizer.ForMiniBatch(mask, T, 6), weights);

        var (_, grad, stats) = Run(name, lp, lo, a, mask, T, options);
        var numeric = Numerics.Gradient(x => Total(name, x, lo, a, mask, T, options, weights), lp);
        for (int i = 0; i < lp.Length; i++) Numerics.Close(numeric[i], weights[i] * grad[i], 1e-7, $"{name} d/dlp[{i}]");
        if (name != "pg") Assert.True(stats.ClippedLow + stats.ClippedHigh + stats.DualClipped > 0, "the sample should exercise a clipped branch");
        if (name != "pg") Assert.True(stats.ClippedLow + stats.ClippedHigh + stats.DualClipped < stats.Tokens, "and an unclipped one");
    }

    [Fact]
    public void Gppo_and_cispo_gradients_match_finite_differences_where_nothing_is_clipped()
    {
        // inside the trust region both reduce to the PPO gradient −rA (cispo: of its stopped surrogate, −rA too)
        double[] lo = [-1.0, -2.0], lp = [-0.95, -2.1], a = [0.8, -1.2], mask = [1, 1], w = [0.5, 0.5];
        foreach (var name in new[] { "gppo", "ppo_clip" })
        {
            var (_, grad, _) = Run(name, lp, lo, a, mask, 2, Anchor);
            var numeric = Numerics.Gradient(x => Total(name, x, lo, a, mask, 2, Anchor, w), lp);
            Numerics.AllClose(numeric, [grad[0] * 0.5, grad[1] * 0.5], 1e-8, name);
        }
        var (_, cispo, _) = Run("cispo", lp, lo, a, mask, 2, Anchor);
        Numerics.AllClose([-Math.Exp(0.05) * 0.8, Math.Exp(-0.1) * 1.2], cispo, 1e-12);
    }

    [Theory]
    [InlineData("ppo_clip")]
    [InlineData("gppo")]
    [InlineData("cispo")]
    [InlineData("gspo")]
    [InlineData("pg")]
    public void Masked_tokens_get_no_loss_and_no_gradient(string name)
    {
        var (loss, grad, stats) = Run(name, [-0.3, -5, -0.7, -9], [-0.5, -1, -0.6, -1], [1, 10, -1, 10], [1, 0, 1, 0], 2, Anchor);
        Assert.Equal(0, loss[1]); Assert.Equal(0, grad[1]);
        Assert.Equal(0, loss[3]); Assert.Equal(0, grad[3]);
        Assert.NotEqual(0, grad[0]);
        Assert.Equal(2, stats.Tokens);
    }

    [Fact]
    public void Unknown_loss_lists_the_known_ones()
    {
        var ex = Assert.Throws<ArgumentException>(() => PolicyLosses.Get("ppo"));
        foreach (var name in PolicyLosses.All.Keys) Assert.Contains(name, ex.Message);
    }

    [Fact]
    public void Mismatched_lengths_are_rejected_with_the_expected_shape()
    {
        var ex = Assert.Throws<ArgumentException>(() => Run("ppo_clip", [0, 0, 0], [0, 0], [0, 0], [1, 1], 2, Anchor));
        Assert.Contains("B*T", ex.Message);
    }
}
