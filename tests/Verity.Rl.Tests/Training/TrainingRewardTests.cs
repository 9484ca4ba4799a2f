using Verity.Rl.Config;
using Verity.Rl.Training;

namespace Verity.Rl.Tests.Training;

public class TrainingRewardTests
{
    [Fact]
    public void The_mix_weights_its_parts_skips_void_ones_and_reports_each_mean()
    {
        var reward = new TrainingReward([new RewardEntry { Name = "math_accuracy", Weight = 0.8 }, new RewardEntry { Name = "boxed_present", Weight = 0.2 }]);
        Assert.Equal(1.0, reward.Score("so \\boxed{4}", "4")!.Value, 12);
        Assert.Equal(0.2, reward.Score("so \\boxed{5}", "4")!.Value, 12);
        Assert.Equal(1.0, reward.Score("so \\boxed{5}", "")!.Value, 12); // no reference: math_accuracy is void, boxed carries all weight
        var metrics = new Dictionary<string, double>();
        reward.TakeMeans(metrics);
        Assert.Equal(0.5, metrics["rewards/math_accuracy/mean"], 12);
        Assert.Equal(1.0, metrics["rewards/boxed_present/mean"], 12);
        metrics.Clear();
        reward.TakeMeans(metrics);
        Assert.Empty(metrics); // reset after each step
    }

    [Fact]
    public void Soft_overlong_measures_tokens_against_max_new_tokens()
    {
        var config = new RunConfig { Rollout = new RolloutSection { MaxNewTokens = 10 }, Algorithm = new AlgorithmSection { Overlong = new OverlongSection { BufferLen = 4 } } };
        var reward = new TrainingReward([new RewardEntry { Name = "soft_overlong", Weight = 1 }], TrainingReward.SettingsFor(config), text => text.Split(' ').Length);
        Assert.Equal(0.0, reward.Score("a b c d e f", "")!.Value, 12);       // 6 tokens = L_max − buffer
        Assert.Equal(-0.5, reward.Score("a b c d e f g h", "")!.Value, 12);  // 8 tokens: half way into the buffer
        Assert.Equal(-1.0, reward.Score("a b c d e f g h i j", "")!.Value, 12);
    }

    [Fact]
    public void An_unknown_reward_names_its_config_key_and_the_known_ones()
    {
        var ex = Assert.Throws<ArgumentException>(() => new TrainingReward([new RewardEntry(), new RewardEntry { Name = "acurracy" }]));
        Assert.StartsWith("config: reward.1.name: unknown reward 'acurracy'", ex.Message);
        Assert.Contains("math_accuracy", ex.Message);
    }
}
