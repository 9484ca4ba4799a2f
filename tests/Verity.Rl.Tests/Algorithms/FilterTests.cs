using Verity.Rl.Algorithms.Filters;

namespace Verity.Rl.Tests.Algorithms;

public class FilterTests
{
    [Theory]
    [InlineData(18432, -0.5)] // rl-anchors §2.6: L_max 20480, L_cache 4096
    [InlineData(16384, 0.0)]
    [InlineData(100, 0.0)]
    [InlineData(20480, -1.0)]
    [InlineData(17408, -0.25)]
    public void Soft_overlong_punishment_matches_the_anchor(int length, double expected) =>
        Numerics.Close(expected, Overlong.Penalty(length, 20480, 4096, 1.0), 1e-15);

    [Fact]
    public void Truncated_sequences_lose_their_loss_mask()
    {
        double[] mask = [1, 1, 1, 1, 1, 0];
        Overlong.MaskTruncated([false, true], 3, mask);
        Assert.Equal([1, 1, 1, 0, 0, 0], mask);
    }

    [Fact]
    public void Dynamic_sampling_drops_groups_whose_rewards_all_agree()
    {
        var keep = new bool[7];
        DynamicSampling.KeepSequences([1, 1, 0, 0, 0.5, 0.7, 3], [0, 0, 1, 1, 2, 2, 3], keep);
        Assert.Equal([false, false, false, false, true, true, true], keep);
        Assert.True(DynamicSampling.KeepGroup([0.2, 0.2, 0.9]));
    }
}
