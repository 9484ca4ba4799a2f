using Verity.Rl.Algorithms.Advantages;

namespace Verity.Rl.Tests.Algorithms;

public class AdvantageEstimatorTests
{
    private static (double[] Advantages, double[] Returns) Run(string name, AdvantageBatch batch, AdvantageOptions? options = null)
    {
        var advantages = new double[batch.Mask.Length];
        var returns = new double[batch.Mask.Length];
        AdvantageEstimators.Get(name)(batch, options ?? new AdvantageOptions(), advantages, returns);
        return (advantages, returns);
    }

    /// <summary>One token per sequence, so the advantage array is the per-sequence advantage.</summary>
    private static AdvantageBatch Outcome(double[] rewards, int[]? groups = null) => new()
    {
        Rewards = rewards,
        Groups = groups ?? new int[rewards.Length],
        Mask = Enumerable.Repeat(1.0, rewards.Length).ToArray(),
        Tokens = 1,
    };

    [Fact]
    public void Grpo_matches_the_anchor_vector()
    {
        // rl-anchors §2.1: R = [1,0,0,1] → ±0.866025 (std unbiased = sqrt(1/3), ε = 1e-6)
        var (a, _) = Run("grpo", Outcome([1, 0, 0, 1]));
        double expected = 0.5 / (Math.Sqrt(1.0 / 3) + 1e-6);
        Numerics.AllClose([expected, -expected, -expected, expected], a, 1e-12);
        Numerics.Close(0.866025, a[0], 2e-6); // the anchor rounds 0.8660254 and notes ≈1e-6 shift from ε
    }

    [Fact]
    public void Dr_grpo_and_rloo_match_the_anchor_vectors()
    {
        Numerics.AllClose([0.5, -0.5, -0.5, 0.5], Run("dr_grpo", Outcome([1, 0, 0, 1])).Advantages, 1e-12);
        Numerics.AllClose([2.0 / 3, -2.0 / 3, -2.0 / 3, 2.0 / 3], Run("rloo", Outcome([1, 0, 0, 1])).Advantages, 1e-12);
    }

    [Fact]
    public void Rloo_is_reward_minus_mean_of_the_others()
    {
        double[] r = [3, 1, 0.5];
        var (a, _) = Run("rloo", Outcome(r));
        Numerics.AllClose([3 - 0.75, 1 - 1.75, 0.5 - 2], a, 1e-12);
    }

    [Fact]
    public void Lite_ppo_centers_per_group_and_scales_by_the_batch_std()
    {
        double[] r = [1, 0, 2, 2, 5, 1];
        int[] g = [0, 0, 0, 1, 1, 1];
        var (a, _) = Run("lite_ppo", Outcome(r, g), new AdvantageOptions { Epsilon = 0 });
        double mean = r.Average();
        double std = Math.Sqrt(r.Sum(x => (x - mean) * (x - mean)) / 5);
        Numerics.AllClose([0 / std, -1 / std, 1 / std, -0.6666666666666667 / std, 2.3333333333333335 / std, -1.6666666666666667 / std], a, 1e-12);
    }

    [Fact]
    public void Groups_are_normalized_independently()
    {
        var (a, _) = Run("dr_grpo", Outcome([1, 0, 10, 14], [7, 7, 3, 3]));
        Numerics.AllClose([0.5, -0.5, -2, 2], a, 1e-12);
    }

    [Theory]
    [InlineData("grpo")]
    [InlineData("dr_grpo")]
    [InlineData("lite_ppo")]
    [InlineData("rloo")]
    [InlineData("reinforce_pp_baseline")]
    public void All_equal_rewards_give_zero_advantage_not_NaN(string name)
    {
        var (a, _) = Run(name, Outcome([1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1]));
        Assert.All(a, x => Assert.Equal(0.0, x));
    }

    [Theory]
    [InlineData("grpo")]
    [InlineData("dr_grpo")]
    [InlineData("rloo")]
    public void Singleton_group_keeps_its_reward(string name)
    {
        // verl: a group of one has mean 0 and std 1, so A = R (no division by zero in RLOO)
        var (a, _) = Run(name, Outcome([0.7, 1, 0], [0, 1, 1]));
        Numerics.Close(0.7, a[0], 1e-12);
        Assert.True(a[1] > 0 && a[2] < 0);
    }

    [Fact]
    public void Outcome_advantage_is_broadcast_to_masked_tokens_only()
    {
        var batch = new AdvantageBatch
        {
            Rewards = [1, 0],
            Groups = [0, 0],
            Mask = [1, 1, 0, 1, 0, 0],
            Tokens = 3,
        };
        var (a, returns) = Run("dr_grpo", batch);
        Numerics.AllClose([0.5, 0.5, 0, -0.5, 0, 0], a, 1e-12);
        Numerics.AllClose(a, returns, 0);
    }

    [Fact]
    public void Reinforce_pp_returns_are_discounted_return_to_go_and_advantages_whitened()
    {
        var batch = new AdvantageBatch
        {
            Rewards = [1, 0],
            Groups = [0, 1],
            Mask = [1, 1, 1, 1, 1, 0],
            Tokens = 3,
            TokenRewards = [-0.1, -0.2, 0, -0.3, 0, 99], // 99 is padding: must be ignored
        };
        var (a, returns) = Run("reinforce_pp", batch, new AdvantageOptions { Gamma = 0.5 });
        // seq 0: G2 = 1, G1 = −0.2 + 0.5·1 = 0.3, G0 = −0.1 + 0.5·0.3 = 0.05; seq 1: G1 = 0, G0 = −0.3
        Numerics.AllClose([0.05, 0.3, 1, -0.3, 0, 0], returns, 1e-12);
        double[] g = [0.05, 0.3, 1, -0.3, 0];
        double mean = g.Average(), std = Math.Sqrt(g.Sum(x => (x - mean) * (x - mean)) / 4 + 1e-8);
        Numerics.AllClose([.. g.Select(x => (x - mean) / std), 0], a, 1e-12);
    }

    [Fact]
    public void Reinforce_pp_baseline_subtracts_the_group_mean_first()
    {
        var plain = Run("reinforce_pp", Outcome([1, 0, 0, 1], [0, 0, 1, 1])).Returns;
        var withBaseline = Run("reinforce_pp_baseline", Outcome([1, 0, 0, 1], [0, 0, 1, 1])).Returns;
        Numerics.AllClose([1, 0, 0, 1], plain, 1e-12);
        Numerics.AllClose([0.5, -0.5, -0.5, 0.5], withBaseline, 1e-12);
    }

    [Fact]
    public void Gae_matches_a_hand_computed_recursion()
    {
        var batch = new AdvantageBatch
        {
            Rewards = [1, 0],
            Groups = [0, 1],
            Mask = [1, 1, 1, 1, 0, 0],
            Tokens = 3,
            Values = [0.5, 0.4, 0.2, 0.3, 0, 0],
        };
        var (a, returns) = Run("gae", batch, new AdvantageOptions { Gamma = 0.9, Lambda = 0.8 });
        // δ2 = 1 − 0.2 = 0.8; δ1 = 0.9·0.2 − 0.4 = −0.22, A1 = −0.22 + 0.72·0.8 = 0.356;
        // δ0 = 0.9·0.4 − 0.5 = −0.14, A0 = −0.14 + 0.72·0.356 = 0.11632; seq 1: A = 0 − 0.3
        double[] raw = [0.11632, 0.356, 0.8, -0.3];
        Numerics.AllClose([0.61632, 0.756, 1.0, 0, 0, 0], returns, 1e-12);
        double mean = raw.Average(), std = Math.Sqrt(raw.Sum(x => (x - mean) * (x - mean)) / 3 + 1e-8);
        Numerics.AllClose([(raw[0] - mean) / std, (raw[1] - mean) / std, (raw[2] - mean) / std, (raw[3] - mean) / std, 0, 0], a, 1e-12);
    }

    [Fact]
    public void Gae_with_gamma_lambda_one_returns_the_monte_carlo_return_and_skips_masked_gaps()
    {
        var batch = new AdvantageBatch
        {
            Rewards = [2],
            Groups = [0],
            Mask = [1, 0, 1, 1],
            Tokens = 4,
            Values = [0.1, 55, 0.7, -0.4], // 55 sits under a masked tool-output token and must not leak in
        };
        var (_, returns) = Run("gae", batch);
        Numerics.AllClose([2, 0, 2, 2], returns, 1e-12);
    }

    [Fact]
    public void Gae_without_values_names_the_fix()
    {
        var ex = Assert.Throws<ArgumentException>(() => Run("gae", Outcome([1, 0])));
        Assert.Contains("HINT", ex.Message);
    }

    [Fact]
    public void Unknown_estimator_lists_the_known_ones()
    {
        var ex = Assert.Throws<ArgumentException>(() => AdvantageEstimators.Get("grpoo"));
        foreach (var name in AdvantageEstimators.All.Keys) Assert.Contains(name, ex.Message);
    }
}
