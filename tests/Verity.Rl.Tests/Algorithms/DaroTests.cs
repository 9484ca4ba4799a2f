using Verity.Rl.Algorithms.Advantages;
using Verity.Rl.Algorithms.Daro;

namespace Verity.Rl.Tests.Algorithms;

public class DaroTests
{
    [Theory]
    [InlineData(0.0, 8, -1)]
    [InlineData(1.0, 8, -1)]
    [InlineData(0.125, 8, 1)]
    [InlineData(0.5, 8, 4)]
    [InlineData(0.875, 8, 7)]
    public void Pass_rates_map_to_buckets_and_extremes_are_dropped(double mu, int g, int bucket) =>
        Assert.Equal(bucket, DaroWeights.Bucket(mu, g));

    [Fact]
    public void Weight_gradient_matches_finite_differences_and_the_closed_form()
    {
        var daro = new DaroWeights(4, initial: 0.7);
        double[] losses = [0, 0.5, -2.0, 0.25, 0]; // bucket 2 is negative: its magnitude is used
        bool[] present = [false, true, true, true, false];
        var grad = new double[5];
        daro.Gradient(losses, present, grad);
        for (int k = 1; k < 4; k++) Numerics.Close(Math.Abs(losses[k]) - 1 / 0.7, grad[k], 1e-12);

        // finite differences in w: L(w) = Σ (w·|L| − ln w)
        for (int k = 1; k < 4; k++)
        {
            double f(double w) => w * Math.Abs(losses[k]) - Math.Log(w);
            Numerics.Close((f(0.7 + 1e-6) - f(0.7 - 1e-6)) / 2e-6, grad[k], 1e-8);
        }
        Numerics.Close(3 * (-Math.Log(0.7)) + 0.7 * (0.5 + 2 + 0.25), daro.Loss(losses, present), 1e-12);
    }

    [Fact]
    public void Gradient_steps_converge_to_the_optimum_one_over_L_and_equalize_buckets()
    {
        var daro = new DaroWeights(4);
        double[] losses = [0, 0.5, 2.0, 0.25, 0];
        bool[] present = [false, true, true, true, false];
        for (int i = 0; i < 2000; i++) daro.Step(losses, present, 0.05);
        for (int k = 1; k < 4; k++)
        {
            Numerics.Close(DaroWeights.OptimalWeight(losses[k]), daro.Weight(k), 1e-9, $"w[{k}]");
            Numerics.Close(1.0, daro.Weight(k) * losses[k], 1e-9, "w·L");
        }
    }

    [Fact]
    public void Absent_buckets_are_not_updated()
    {
        var daro = new DaroWeights(4);
        daro.Step([0, 0, 0, 0, 0], [false, false, true, false, false], 0.5); // present with L = 0 → grows
        daro.Step([0, 0, 0, 0, 0], [false, false, false, false, false], 0.5);
        Assert.Equal(1.0, daro.Weight(1));
        Assert.True(daro.Weight(2) > 1);
    }

    [Fact]
    public void Bucket_losses_accumulate_over_micro_batches()
    {
        double[] losses = new double[5];
        bool[] present = new bool[5];
        DaroWeights.AccumulateBucketLosses([0.1, 0.2, -0.5, 0.0], [1, -1], 2, losses, present);
        DaroWeights.AccumulateBucketLosses([0.3, 0.1], [1], 2, losses, present);
        Numerics.AllClose([0, 0.7, 0, 0, 0], losses, 1e-15);
        Assert.Equal([false, true, false, false, false], present);
    }

    [Fact]
    public void Approximate_bucket_loss_follows_the_paper()
    {
        Numerics.Close(Math.Abs(300.0 - 500.0) / 1000 * Math.Sqrt(0.25 * 0.75), DaroWeights.ApproximateBucketLoss(300, 500, 1000, 0.25), 1e-15);
    }

    [Fact]
    public void Dr_grpo_weighting_turns_grpo_advantages_into_dr_grpo_advantages()
    {
        // 0/1 rewards: GRPO divides by std_unbiased = sqrt(G/(G−1))·sqrt(μ(1−μ)); the weight puts it back
        double[] r = [1, 0, 0, 0, 1, 1, 1, 0];
        int[] groups = [0, 0, 0, 0, 1, 1, 1, 1];
        var batch = new AdvantageBatch { Rewards = r, Groups = groups, Mask = Enumerable.Repeat(1.0, 8).ToArray(), Tokens = 1 };
        double[] grpo = new double[8], dr = new double[8], weights = new double[8], scratch = new double[8];
        AdvantageEstimators.Get("grpo")(batch, new AdvantageOptions { Epsilon = 0 }, grpo, scratch);
        AdvantageEstimators.Get("dr_grpo")(batch, new AdvantageOptions(), dr, scratch);
        SampleWeightings.PerSequence(SampleWeightings.Get("dr_grpo"), r, groups, weights);
        for (int b = 0; b < 8; b++) Numerics.Close(dr[b], grpo[b] * weights[b] * Math.Sqrt(4.0 / 3), 1e-12);
    }

    [Fact]
    public void Dapo_weighting_drops_unanimous_groups()
    {
        var w = new double[6];
        SampleWeightings.PerSequence(SampleWeightings.Get("dapo"), [1, 1, 0, 0, 1, 0], [0, 0, 1, 1, 2, 2], w);
        Assert.Equal([0, 0, 0, 0, 1, 1], w);
        Assert.Equal(1.0, SampleWeightings.Get("grpo")(0));
    }
}
