using Verity.Rl.Algorithms;
using Verity.Rl.Algorithms.Aggregation;
using Verity.Rl.Algorithms.Losses;

namespace Verity.Rl.Tests.Algorithms;

public class LossAggregationTests
{
    // rl-anchors §2.3: seq 1 has |o| = 2 with ℓ = 1, seq 2 has |o| = 4 with ℓ = 2 (T = 4)
    private static readonly double[] Mask = [1, 1, 0, 0, 1, 1, 1, 1];
    private static readonly double[] Loss = [1, 1, 0, 0, 2, 2, 2, 2];

    [Theory]
    [InlineData("token_mean", 1.6666666666666667)]
    [InlineData("seq_mean_token_mean", 1.5)]
    [InlineData("seq_mean_token_sum", 5.0)]
    [InlineData("dr_grpo", 0.625)]
    public void Modes_match_the_anchor_vector(string mode, double expected)
    {
        var weights = new double[8];
        LossAggregations.Get(mode)(Mask, 4, LossNormalizer.ForMiniBatch(Mask, 4, 8), weights);
        Numerics.Close(expected, LossAggregations.Aggregate(Loss, weights), 1e-12);
        Assert.Equal(0, weights[2]);
    }

    [Fact]
    public void Empty_sequences_do_not_count_as_sequences()
    {
        double[] mask = [1, 1, 0, 0];
        Assert.Equal(new LossNormalizer(2, 1, 7), LossNormalizer.ForMiniBatch(mask, 2, 7));
    }

    public static TheoryData<string, string> Combinations()
    {
        var data = new TheoryData<string, string>();
        foreach (var mode in LossAggregations.All.Keys)
            foreach (var loss in new[] { "ppo_clip", "gspo", "cispo" })
                data.Add(mode, loss);
        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void Micro_batch_gradients_sum_to_the_full_mini_batch_gradient(string mode, string loss)
    {
        var rng = new Random(11);
        const int B = 6, T = 5;
        int[] lengths = [5, 2, 3, 0, 4, 1];
        var mask = new double[B * T];
        for (int b = 0; b < B; b++) for (int t = 0; t < lengths[b]; t++) mask[b * T + t] = 1;
        var lo = Numerics.Random(rng, B * T, -3, -0.1);
        var lp = lo.Select(x => x + (rng.NextDouble() - 0.5) * 0.3).ToArray();
        var a = Enumerable.Range(0, B * T).Select(i => Math.Sin(i / T + 1.0)).ToArray();
        var settings = new ActorLossSettings { PolicyLoss = PolicyLosses.Get(loss), Aggregation = LossAggregations.Get(mode) };
        var normalizer = LossNormalizer.ForMiniBatch(mask, T, T);

        var fullGrad = new double[B * T];
        var full = ActorLoss.Compute(Input(lp, lo, a, mask, T, 0, B), settings, normalizer, fullGrad, new double[B * T]);

        var summedGrad = new double[B * T];
        double summed = 0;
        foreach (var (start, count) in new[] { (0, 2), (2, 3), (5, 1) })
        {
            var grad = new double[count * T];
            summed += ActorLoss.Compute(Input(lp, lo, a, mask, T, start, count), settings, normalizer, grad, new double[count * T]).Total;
            grad.CopyTo(summedGrad, start * T);
        }
        Numerics.Close(full.Total, summed, 1e-12);
        Numerics.AllClose(fullGrad, summedGrad, 1e-15);

        // and the point of the shared normalizer: one computed per micro-batch gives a different gradient
        var local = new double[2 * T];
        var first = Input(lp, lo, a, mask, T, 0, 2);
        ActorLoss.Compute(first, settings, LossNormalizer.ForMiniBatch(first.Mask, T, T), local, new double[2 * T]);
        Assert.NotEqual(fullGrad[0], local[0]);
    }

    private static ActorLossInput Input(double[] lp, double[] lo, double[] a, double[] mask, int T, int start, int count) => new()
    {
        LogProbs = lp[(start * T)..((start + count) * T)],
        OldLogProbs = lo[(start * T)..((start + count) * T)],
        Advantages = a[(start * T)..((start + count) * T)],
        Mask = mask[(start * T)..((start + count) * T)],
        Tokens = T,
    };

    [Fact]
    public void Unknown_mode_lists_the_known_ones()
    {
        var ex = Assert.Throws<ArgumentException>(() => LossAggregations.Get("token-mean"));
        Assert.Contains("seq_mean_token_mean", ex.Message);
        Assert.Contains("dr_grpo", ex.Message);
    }
}
