using Verity.Rl.Algorithms.Entropy;
using Verity.Rl.Algorithms.Kl;

namespace Verity.Rl.Tests.Algorithms;

public class KlAndEntropyTests
{
    [Fact]
    public void K3_matches_the_anchor_vector()
    {
        // rl-anchors §2.4: δ = 0.3 → k3 = 0.040818, g = 0.259182
        double k3 = KlEstimators.Get("k3")(0.3, out double g);
        Numerics.Close(Math.Exp(-0.3) - 1 + 0.3, k3, 1e-15);
        Numerics.Close(0.040818, k3, 1e-6);
        Numerics.Close(0.259182, g, 1e-6);
    }

    [Theory]
    [InlineData("k1", 0.3, 0.3, 1.0)]
    [InlineData("k2", 0.3, 0.045, 0.3)]
    [InlineData("k2", -0.5, 0.125, -0.5)]
    [InlineData("k1", -0.5, -0.5, 1.0)]
    public void K1_and_k2_values_and_gradients(string name, double delta, double value, double grad)
    {
        Numerics.Close(value, KlEstimators.Get(name)(delta, out double g), 1e-15);
        Numerics.Close(grad, g, 1e-15);
    }

    [Theory]
    [InlineData("k1")]
    [InlineData("k2")]
    [InlineData("k3")]
    public void Gradients_match_finite_differences(string name)
    {
        var estimator = KlEstimators.Get(name);
        foreach (var delta in new[] { -2.5, -0.4, 0.01, 0.3, 1.7 })
        {
            estimator(delta, out double g);
            double numeric = (estimator(delta + 1e-6, out _) - estimator(delta - 1e-6, out _)) / 2e-6;
            Numerics.Close(numeric, g, 1e-8, $"{name} at δ={delta}");
        }
    }

    [Fact]
    public void K3_is_clamped_at_ten_with_zero_gradient()
    {
        double value = KlEstimators.Get("k3")(-15, out double g);
        Assert.Equal(KlEstimators.MaxK3, value);
        Assert.Equal(0, g);
    }

    [Fact]
    public void Per_token_kl_respects_the_mask()
    {
        double[] kl = new double[3], grad = new double[3];
        KlEstimators.Compute(KlEstimators.Get("k2"), [0.5, 9, -0.2], [0.1, 0, 0], [1, 0, 1], kl, grad);
        Numerics.AllClose([0.08, 0, 0.02], kl, 1e-15);
        Numerics.AllClose([0.4, 0, -0.2], grad, 1e-15);
    }

    [Fact]
    public void Kl_in_reward_is_minus_beta_times_kl_of_the_behaviour_policy()
    {
        var rewards = new double[3];
        double mean = KlInReward.Apply(KlEstimators.Get("k1"), [-1.0, -2.0, -3.0], [-1.5, -1.0, 0], [1, 1, 0], 0.1, rewards);
        Numerics.AllClose([-0.05, 0.1, 0], rewards, 1e-15);
        Numerics.Close(-0.25, mean, 1e-15);
    }

    [Fact]
    public void Adaptive_kl_controller_follows_the_proportional_rule()
    {
        var controller = new AdaptiveKlController(0.1, target: 0.1, horizon: 640);
        controller.Update(currentKl: 0.2, steps: 64); // error clipped to +0.2 → β·(1 + 0.2·0.1)
        Numerics.Close(0.102, controller.Coefficient, 1e-15);
        controller.Update(currentKl: 0.09, steps: 64); // error −0.1 → β·(1 − 0.01)
        Numerics.Close(0.102 * 0.99, controller.Coefficient, 1e-15);
        Assert.Equal(0.05, new FixedKlController(0.05).Coefficient);
    }

    [Fact]
    public void Adaptive_entropy_controller_raises_alpha_below_target_and_gates_the_bonus()
    {
        var controller = new AdaptiveEntropyController(initial: 0, target: 0.2, delta: 1e-4, min: 0, max: 2.5e-4);
        controller.Update(0.1);
        controller.Update(0.1);
        Numerics.Close(2e-4, controller.Alpha, 1e-18);
        controller.Update(0.1); // capped at max
        Numerics.Close(2.5e-4, controller.Alpha, 1e-18);
        Assert.Equal(controller.Alpha, controller.Coefficient(0.15));
        Assert.Equal(0, controller.Coefficient(0.25)); // healthy entropy: no bonus
        controller.Update(0.3);
        Numerics.Close(1.5e-4, controller.Alpha, 1e-18);
        for (int i = 0; i < 5; i++) controller.Update(0.3);
        Assert.Equal(0, controller.Alpha);
    }
}
