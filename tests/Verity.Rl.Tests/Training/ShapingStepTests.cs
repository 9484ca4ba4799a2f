using Verity.Engine.Generation;
using Verity.Engine.Model;
using Verity.Engine.Optim;
using Verity.Rl.Algorithms;
using Verity.Rl.Algorithms.Daro;
using Verity.Rl.Config;
using Verity.Rl.Tests.Algorithms;
using Verity.Rl.Training;

namespace Verity.Rl.Tests.Training;

/// <summary>Reward shaping and per-sample weighting inside <see cref="RlStep"/>, on a 20-token random policy.</summary>
public class ShapingStepTests
{
    private static TransformerModel Tiny(int seed = 3) => TinyPolicy.Create(seed);

    /// <summary>Rewarded when the first token is below 5, unless <paramref name="reward"/> says otherwise.</summary>
    private static RlContext Context(TransformerModel model, Func<AlgorithmSection, AlgorithmSection> algorithm, RewardFunction? reward = null,
        int[]? stopIds = null, TransformerModel? reference = null, string estimator = "grpo")
    {
        var config = new RunConfig
        {
            Data = new DataSection { BatchSize = 8 },
            Rollout = new RolloutSection { N = 8, Temperature = 1.0, MaxNewTokens = 4 },
            Algorithm = algorithm(new AlgorithmSection { AdvEstimator = estimator, PolicyLoss = "ppo_clip", LossAggMode = "token_mean" }),
            Optim = new OptimSection { Lr = 0.02, WeightDecay = 0, MicroBatch = 16 },
            Trainer = new TrainerSection { Seed = 5 },
        };
        return new RlContext
        {
            Policy = model,
            Reference = reference,
            Optimizer = new AdamW(model.Parameters, new AdamWOptions { LearningRate = 0.02, WeightDecay = 0 }),
            Generator = new Generator(model),
            Decode = ids => string.Join(' ', ids),
            Reward = reward ?? ((response, _) => int.Parse(response.Split(' ')[0]) < 5 ? 1.0 : 0.0),
            Config = config.Validate(),
            Setup = AlgorithmSetup.From(config),
            StopTokenIds = stopIds ?? [],
        };
    }

    private static List<RlPrompt> Prompts() => Enumerable.Range(0, 8).Select(i => new RlPrompt([1 + i % 7, 2, 3], "")).ToList();

    private static float[][] Weights(TransformerModel m) => m.Parameters.Select(p => p.Data.ToArray()).ToArray();

    [Fact]
    public void Overlong_punishment_subtracts_dapos_linear_penalty_in_the_buffer()
    {
        // L_max 4, buffer 2: lengths ≤ 2 keep reward 1, length 3 gets −0.5, length 4 gets −1 (DAPO formula by hand)
        var ctx = Context(Tiny(), a => a with { Overlong = new OverlongSection { Punish = true, BufferLen = 2, PenaltyFactor = 1.0 } },
            reward: (_, _) => 1.0, stopIds: [0, 1, 2, 3, 4, 5]);
        var result = RlStep.Run(ctx, Prompts(), 0, 0.02);

        var expected = new Dictionary<int, double> { [1] = 1.0, [2] = 1.0, [3] = 0.5, [4] = 0.0 };
        foreach (var s in result.Samples) Assert.Equal(expected[s.ResponseIds.Length], s.Reward!.Value, 12);
        Assert.Contains(result.Samples, s => s.ResponseIds.Length == 4);
        Assert.Contains(result.Samples, s => s.ResponseIds.Length < 3);
        Numerics.Close(result.Samples.Average(s => expected[s.ResponseIds.Length] - 1), result.Metrics["overlong/penalty_mean"], 1e-12);
        Numerics.Close(result.Samples.Average(s => s.Reward!.Value), result.Metrics["reward"], 1e-12);
    }

    [Fact]
    public void Overlong_filter_keeps_only_responses_that_ended_in_the_loss()
    {
        var ctx = Context(Tiny(), a => a with { Overlong = new OverlongSection { Filter = true } }, stopIds: [0, 1, 2, 3, 4, 5]);
        var result = RlStep.Run(ctx, Prompts(), 0, 0.02);

        var ended = result.Samples.Where(s => s.Finish == FinishReason.Stop).ToList();
        Assert.InRange(ended.Count, 1, result.Samples.Count - 1);
        Assert.Equal(ended.Sum(s => s.ResponseIds.Length), result.Metrics["num_tokens"]);
        Numerics.Close(1 - ended.Count / 64.0, result.Metrics["overlong/filtered_ratio"], 1e-12);
    }

    [Fact]
    public void Overlong_filter_with_every_response_truncated_leaves_the_policy_alone()
    {
        // no stop ids: every response runs to max_new_tokens and is filtered; without the filter the policy moves
        var filtered = Tiny();
        var result = RlStep.Run(Context(filtered, a => a with { Overlong = new OverlongSection { Filter = true } }), Prompts(), 0, 0.02);
        Assert.Equal(1.0, result.Metrics["overlong/filtered_ratio"]);
        Assert.False(result.Metrics.ContainsKey("loss"));
        Assert.Equal(Weights(Tiny()), Weights(filtered));

        var unfiltered = Tiny();
        RlStep.Run(Context(unfiltered, a => a), Prompts(), 0, 0.02);
        Assert.NotEqual(Weights(Tiny()), Weights(unfiltered));
    }

    [Theory]
    [InlineData("rloo")]          // outcome estimator: R − β·Σ kl
    [InlineData("reinforce_pp")]  // token rewards −β·kl
    public void Kl_in_the_reward_gives_a_gradient_where_the_task_reward_gives_none(string estimator)
    {
        // Given a constant reward, every advantage is 0 without KL
        RewardFunction constant = (_, _) => 1.0;
        var plain = RlStep.Run(Context(Tiny(), a => a, constant, estimator: estimator), Prompts(), 0, 0.02);
        Assert.Equal(0, plain.Metrics["grad_norm"]);

        // When −β·KL to a different reference goes into the reward (k1, β = 0.5)
        var reference = Tiny(seed: 9);
        var ctx = Context(Tiny(), a => a with { Kl = new KlSection { Type = "k1", Coef = 0.5, InReward = true } }, constant, reference: reference, estimator: estimator);
        var result = RlStep.Run(ctx, Prompts(), 0, 0.02);

        // Then the KL shapes the advantages, and kl is the mean of log π_old − log π_ref over response tokens
        Assert.True(result.Metrics["grad_norm"] > 0);
        Assert.Equal(0.5, result.Metrics["kl_coef"]);
        var samples = result.Samples;
        var batch = new SequenceBatch(samples.Select(s => s.PromptIds).ToList(), samples.Select(s => s.ResponseIds).ToList());
        var refLogp = batch.Gather(reference.Forward(batch.Engine, keepActivations: false).LogProbs);
        double sum = 0;
        int n = 0;
        for (int b = 0; b < samples.Count; b++)
            for (int t = 0; t < samples[b].ResponseIds.Length; t++) { sum += samples[b].RolloutLogProbs[t] - refLogp[b * batch.T + t]; n++; }
        Assert.True(Math.Abs(sum / n) > 1e-3, "the reference differs from the policy");
        Numerics.Close(sum / n, result.Metrics["kl"], 1e-4);
    }

    [Fact]
    public void Adaptive_kl_in_the_reward_moves_beta_once_per_step_by_the_ziegler_rule()
    {
        var kl = new KlSection { Type = "k3", Coef = 0.1, InReward = true, Adaptive = true, Target = 1e-4, Horizon = 100 };
        var ctx = Context(Tiny(), a => a with { Kl = kl }, reference: Tiny(seed: 9), estimator: "reinforce_pp_baseline");
        var first = RlStep.Run(ctx, Prompts(), 0, 0.02);
        var second = RlStep.Run(ctx, Prompts(), 1, 0.02);

        double error = Math.Clamp(first.Metrics["kl"] / kl.Target - 1, -0.2, 0.2);
        Assert.Equal(0.1, first.Metrics["kl_coef"]);
        Numerics.Close(0.1 * (1 + error * 64 / kl.Horizon), second.Metrics["kl_coef"], 1e-15);
        Assert.True(second.Metrics["kl_coef"] > 0.1, "KL above target raises β");
    }

    [Fact]
    public void Daro_steps_each_present_bucket_weight_by_the_papers_approximate_loss()
    {
        // Given DARO with the length-based measure, one mini-batch and every response 4 tokens long
        const double lr = 0.3;
        var ctx = Context(Tiny(), a => a with { Daro = new DaroSection { Enable = true, WeightLr = lr, LossMeasure = "approx" } });
        var result = RlStep.Run(ctx, Prompts(), 0, 0.02);

        // Then w_k = exp(−lr·(L_k − 1)) with L_k = |Σ_pos|o| − Σ_neg|o|| / L · √(μ(1−μ)) for buckets present, 1 for the others
        var passes = result.Samples.GroupBy(s => s.Group).Select(g => g.Count(s => s.Reward > 0)).ToList();
        double total = result.Samples.Sum(s => s.ResponseIds.Length);
        Assert.Contains(passes, k => k is > 0 and < 8);
        for (int k = 1; k < 8; k++)
        {
            int groups = passes.Count(p => p == k);
            double mu = k / 8.0;
            double loss = Math.Abs(groups * k * 4.0 - groups * (8 - k) * 4.0) / total * Math.Sqrt(mu * (1 - mu));
            double expected = groups > 0 ? Math.Exp(-lr * (loss - 1)) : 1.0;
            Numerics.Close(expected, result.Metrics[SampleWeights.WeightMetric(k, 8)], 1e-12, $"bucket {k}");
        }
        Assert.True(result.Metrics.ContainsKey("daro/weight_0.5") && result.Metrics.ContainsKey("daro/objective"));
    }

    [Fact]
    public void Daro_weights_scale_the_policy_gradient_of_their_buckets()
    {
        // every bucket starts at w = 2 instead of 1: the policy-gradient (the whole gradient here) doubles
        var one = RlStep.Run(Context(Tiny(), a => a with { Daro = new DaroSection { Enable = true } }), Prompts(), 0, 0.02);
        var two = RlStep.Run(Context(Tiny(), a => a with { Daro = new DaroSection { Enable = true, InitWeight = 2 } }), Prompts(), 0, 0.02);
        Assert.True(one.Metrics["grad_norm"] > 0);
        Numerics.Close(2 * one.Metrics["grad_norm"], two.Metrics["grad_norm"], 1e-6 * one.Metrics["grad_norm"]);
    }

    [Fact]
    public void Sample_weights_follow_the_unified_view_per_group_pass_rate()
    {
        // groups: 0 → μ 1/4, 1 → μ 0, 2 → μ 1/2 (reward > 0 passes)
        double[] rewards = [1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0];
        int[] groups = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];
        var mask = Enumerable.Repeat(1.0, 12 * 2).ToArray();
        var config = new RunConfig { Rollout = new RolloutSection { N = 4 } };
        double[] Weighted(string name)
        {
            var c = config with { Algorithm = new AlgorithmSection { SampleWeighting = name } };
            return SampleWeights.For(AlgorithmSetup.From(c), c, rewards, groups, mask, 2)!.Slice(0, 12);
        }
        double q = Math.Sqrt(0.25 * 0.75);
        Assert.Equal([q, q, q, q, 0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5], Weighted("lite_ppo"));
        Assert.Equal([1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1], Weighted("dapo"));
        Assert.Equal(Enumerable.Repeat(1.0, 12), Weighted("grpo"));
        Assert.Null(SampleWeights.For(AlgorithmSetup.From(config), config, rewards, groups, mask, 2));
    }

    [Fact]
    public void A_sample_weighting_changes_the_update_of_the_step()
    {
        var plain = RlStep.Run(Context(Tiny(), a => a), Prompts(), 0, 0.02);
        var ones = RlStep.Run(Context(Tiny(), a => a with { SampleWeighting = "grpo" }), Prompts(), 0, 0.02);
        var sqrt = RlStep.Run(Context(Tiny(), a => a with { SampleWeighting = "lite_ppo" }), Prompts(), 0, 0.02);
        Assert.Equal(plain.Metrics["grad_norm"], ones.Metrics["grad_norm"]);
        // √(μ(1−μ)) < 1 reweights the groups: a different, non-zero gradient
        Assert.True(sqrt.Metrics["grad_norm"] > 0);
        Assert.NotEqual(plain.Metrics["grad_norm"], sqrt.Metrics["grad_norm"]);
    }
}
