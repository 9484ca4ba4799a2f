using Verity.Rl.Algorithms;
using Verity.Rl.Algorithms.Advantages;
using Verity.Rl.Algorithms.Entropy;
using Verity.Rl.Algorithms.Kl;
using Verity.Rl.Algorithms.Losses;
using Verity.Rl.Config;
using Verity.Rl.Tests.Config;

namespace Verity.Rl.Tests.Algorithms;

public class AlgorithmSetupTests
{
    private static AlgorithmSetup Preset(string name, params string[] overrides) =>
        AlgorithmSetup.From(ConfigLoader.Load(Path.Combine(RepoPaths.Configs, name + ".yaml"), overrides));

    [Fact]
    public void Dapo_resolves_clip_higher_dual_clip_and_no_kl_term()
    {
        var setup = Preset("dapo");
        Assert.Equal(new PolicyLossOptions { EpsilonLow = 0.2, EpsilonHigh = 0.28, DualClip = 10 }, setup.PolicyOptions);
        Assert.Same(PolicyLosses.Get("ppo_clip"), setup.PolicyLoss);
        Assert.Equal(0, setup.ActorSettings(1.0).KlCoefficient);
        Assert.Null(setup.Daro);
    }

    [Fact]
    public void Kl_in_reward_keeps_the_kl_out_of_the_actor_loss()
    {
        var setup = Preset("ppo");
        Assert.True(setup.KlInReward);
        Assert.Equal(0.01, setup.KlController.Coefficient);
        Assert.Null(setup.ActorSettings(1.0).Kl);
        Assert.Same(AdvantageEstimators.Get("gae"), setup.Advantage);
        Assert.Equal(0.95, setup.AdvantageOptions.Lambda);
    }

    [Fact]
    public void Grpo_kl_loss_and_adaptive_controllers_come_from_the_config()
    {
        var setup = Preset("grpo", "algorithm.entropy.adaptive=true", "algorithm.entropy.coef=0.001");
        Assert.Equal(0.04, setup.ActorSettings(1.0).KlCoefficient);
        Assert.Same(KlEstimators.Get("k3"), setup.ActorSettings(1.0).Kl);
        Assert.IsType<AdaptiveEntropyController>(setup.EntropyController);
        Assert.Equal(0.001, setup.ActorSettings(0.1).EntropyCoefficient); // below target 0.2: bonus on
        Assert.Equal(0, setup.ActorSettings(0.5).EntropyCoefficient);

        var adaptive = Preset("rloo", "algorithm.kl.adaptive=true");
        Assert.IsType<AdaptiveKlController>(adaptive.KlController);
    }

    [Fact]
    public void Daro_preset_creates_weights_for_the_group_size()
    {
        var setup = Preset("daro", "rollout.n=6");
        Assert.NotNull(setup.Daro);
        Assert.Equal(6, setup.Daro!.GroupSize);
    }
}
