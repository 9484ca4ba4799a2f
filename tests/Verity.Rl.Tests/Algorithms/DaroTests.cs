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

public class DaroTrainingStepTests
{
    [Fact]
    public void Bucket_losses_from_the_actor_loss_feed_the_weights_and_weight_the_policy_gradient()
    {
        // G = 4: group 0 passes 1/4 (bucket 1), group 1 passes 2/4 (bucket 2), group 2 passes 4/4 (dropped)
        double[] rewards = [1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1];
        int[] groups = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];
        const int B = 12, T = 3;
        var mask = Enumerable.Range(0, B * T).Select(i => i % T == 2 && i / T % 2 == 1 ? 0.0 : 1.0).ToArray();
        var batch = new Verity.Rl.Algorithms.Advantages.AdvantageBatch { Rewards = rewards, Groups = groups, Mask = mask, Tokens = T };
        double[] a = new double[B * T], scratch = new double[B * T];
        Verity.Rl.Algorithms.Advantages.AdvantageEstimators.Get("grpo")(batch, new(), a, scratch);
        var rng = new Random(2);
        var lo = Numerics.Random(rng, B * T, -2, -0.5);
        var lp = lo.Select(x => x + 0.05 * (rng.NextDouble() - 0.5)).ToArray();

        var daro = new DaroWeights(4);
        daro.Step([0, 0.5, 0.25, 0, 0], [false, true, true, false, false], 1.0); // make w_1 ≠ w_2
        int[] buckets = new int[B];
        double[] weights = new double[B];
        daro.SequenceWeights(rewards, groups, buckets, weights);
        Assert.Equal([1, 1, 1, 1, 2, 2, 2, 2, -1, -1, -1, -1], buckets);
        Assert.Equal(daro.Weight(1), weights[0]);
        Assert.Equal(0, weights[8]);

        var settings = new Verity.Rl.Algorithms.ActorLossSettings
        {
            PolicyLoss = Verity.Rl.Algorithms.Losses.PolicyLosses.Get("ppo_clip"),
            Aggregation = Verity.Rl.Algorithms.Aggregation.LossAggregations.Get("token_mean"),
        };
        var normalizer = Verity.Rl.Algorithms.Aggregation.LossNormalizer.ForMiniBatch(mask, T, T);
        var input = new Verity.Rl.Algorithms.ActorLossInput { LogProbs = lp, OldLogProbs = lo, Advantages = a, Mask = mask, Tokens = T, SequenceWeights = weights };
        double[] grad = new double[B * T], perToken = new double[B * T];
        var result = Verity.Rl.Algorithms.ActorLoss.Compute(input, settings, normalizer, grad, new double[B * T], perToken);

        double[] bucketLosses = new double[5];
        bool[] present = new bool[5];
        DaroWeights.AccumulateBucketLosses(perToken, buckets, T, bucketLosses, present);
        Assert.Equal([false, true, true, false, false], present);
        // the weighted sum of the bucket losses is the policy loss the actor optimized
        Numerics.Close(result.PolicyLoss, daro.Weight(1) * bucketLosses[1] + daro.Weight(2) * bucketLosses[2], 1e-12);

        // the policy gradient of a bucket-1 token is w_1 times the unweighted one
        var plain = new double[B * T];
        Verity.Rl.Algorithms.ActorLoss.Compute(new Verity.Rl.Algorithms.ActorLossInput { LogProbs = lp, OldLogProbs = lo, Advantages = a, Mask = mask, Tokens = T },
            settings, normalizer, plain, new double[B * T]);
        Numerics.Close(daro.Weight(1) * plain[0], grad[0], 1e-15);
        Numerics.Close(daro.Weight(2) * plain[4 * T], grad[4 * T], 1e-15);
        Assert.Equal(0, grad[8 * T]);
    }
}
