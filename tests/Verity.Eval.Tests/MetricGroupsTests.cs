using Verity.Eval.Reports;

namespace Verity.Eval.Tests;

public class MetricGroupsTests
{
    [Theory]
    [InlineData("kl", "kl")]
    [InlineData("kl_coef", "kl")]                 // verity train's β of a KL loss or KL in the reward
    [InlineData("daro/weight_0.125", "daro")]     // DARO's learnable weight per pass rate
    [InlineData("eval/avg@4", "eval")]            // trainer.eval_every rows
    [InlineData("overlong/penalty_mean", "overlong")]
    public void Trainer_metrics_chart_in_their_groups(string metric, string group) => Assert.Equal(group, MetricGroups.GroupOf(metric));
}
