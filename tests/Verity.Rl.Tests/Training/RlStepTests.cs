using Verity.Engine.Generation;
using Verity.Engine.Model;
using Verity.Engine.Optim;
using Verity.Rl.Algorithms;
using Verity.Rl.Config;
using Verity.Rl.Training;

namespace Verity.Rl.Tests.Training;

public class RlStepTests
{
    private static TransformerModel Tiny(int seed = 3) => TinyPolicy.Create(seed);

    /// <summary>Text is the ids themselves; the reward likes responses whose first token is below 5.</summary>
    private static RlContext Context(TransformerModel model, string lossAgg = "token_mean", int ppoEpochs = 1, int? miniBatch = null, int micro = 64)
    {
        var config = new RunConfig
        {
            Data = new DataSection { BatchSize = 8 },
            Rollout = new RolloutSection { N = 8, Temperature = 1.0, MaxNewTokens = 4 },
            Algorithm = new AlgorithmSection { AdvEstimator = "grpo", PolicyLoss = "ppo_clip", LossAggMode = lossAgg },
            Optim = new OptimSection { Lr = 0.02, WeightDecay = 0, MicroBatch = micro, MiniBatch = miniBatch, PpoEpochs = ppoEpochs },
            Trainer = new TrainerSection { Seed = 5 },
        };
        return new RlContext
        {
            Policy = model,
            Optimizer = new AdamW(model.Parameters, new AdamWOptions { LearningRate = 0.02, WeightDecay = 0 }),
            Generator = new Generator(model),
            Decode = ids => string.Join(' ', ids),
            Reward = (response, _) => int.Parse(response.Split(' ')[0]) < 5 ? 1.0 : 0.0,
            Config = config,
            Setup = AlgorithmSetup.From(config),
        };
    }

    private static List<RlPrompt> Prompts(int step) =>
        Enumerable.Range(0, 8).Select(i => new RlPrompt([1 + (i + step) % 7, 2, 3], "")).ToList();

    [Fact]
    public void Grpo_steps_raise_the_reward_of_a_learnable_task()
    {
        // Given a random policy that starts near the base rate (5 of 20 first tokens are rewarded)
        var ctx = Context(Tiny());
        double first = RlStep.Run(ctx, Prompts(0), 0, 0.02).Metrics["reward"];

        // When training for 25 steps
        double last = 0;
        for (int s = 1; s <= 25; s++) last = RlStep.Run(ctx, Prompts(s), s, 0.02).Metrics["reward"];

        // Then most samples are rewarded
        Assert.InRange(first, 0.0, 0.5);
        Assert.True(last > 0.8, $"reward went from {first:F2} to {last:F2}");
    }

    [Fact]
    public void A_step_reports_the_trl_metrics_and_an_on_policy_ratio_of_one()
    {
        var result = RlStep.Run(Context(Tiny()), Prompts(0), 0, 0.02);
        foreach (var key in new[] { "reward", "reward_std", "acc", "frac_reward_zero_std", "completions/mean_length", "completions/clipped_ratio",
                     "entropy", "kl", "clip_ratio/low_mean", "grad_norm", "lr", "time/generate", "time/reward", "time/train", "rollout/logprob_mismatch_max" })
            Assert.True(result.Metrics.ContainsKey(key), key);
        Assert.Equal(0, result.Metrics["clip_ratio/low_mean"]);   // ratio is exactly 1 on-policy
        Assert.True(result.Metrics["rollout/logprob_mismatch_max"] < 1e-4);
        Assert.InRange(result.Metrics["time/generate_prefill"], double.Epsilon, result.Metrics["time/generate"]); // the prompts' forwards, inside the generate
        Assert.Equal(64, result.Samples.Count);
        Assert.All(result.Samples, s => Assert.Equal(4, s.ResponseIds.Length));
    }

    [Fact]
    public void Same_seed_same_step_and_micro_batching_does_not_change_the_update()
    {
        // one micro-batch of 64 vs eight of 8: the same normalizer, so the same gradient and weights
        var a = Tiny();
        var b = Tiny();
        var ra = RlStep.Run(Context(a, micro: 64), Prompts(0), 0, 0.02);
        var rb = RlStep.Run(Context(b, micro: 8), Prompts(0), 0, 0.02);
        Assert.Equal(ra.Metrics["reward"], rb.Metrics["reward"]);
        // float32 gradients summed in a different order agree to rounding, not bit for bit: every gradient entry (left in
        // Grad after the step) within 1e-5 of the largest one. A micro-batch normalized on its own would be 8× off.
        Assert.True(Math.Abs(ra.Metrics["grad_norm"] - rb.Metrics["grad_norm"]) < 1e-5 * ra.Metrics["grad_norm"]);
        double scale = a.Parameters.Max(p => p.Grad!.Max(Math.Abs));
        for (int p = 0; p < a.Parameters.Count; p++)
            for (int i = 0; i < a.Parameters[p].Length; i++)
            {
                float ga = a.Parameters[p].Grad![i], gb = b.Parameters[p].Grad![i];
                Assert.True(Math.Abs(ga - gb) <= 1e-5 * scale, $"grad {a.Parameters[p].Key}[{i}]: {ga} vs {gb}");
                // AdamW's first step moves a weight by lr·g/(|g| + ε): the same for both wherever g is clearly away from 0.
                // Where g is down at the rounding level the step itself is rounding noise (up to lr), so only bound it.
                double tolerance = Math.Abs(ga) > 1e-3 * scale ? 1e-6 : 2 * 0.02 + 1e-6;
                Assert.True(Math.Abs(a.Parameters[p].Data[i] - b.Parameters[p].Data[i]) <= tolerance, $"{a.Parameters[p].Key}[{i}]");
            }
    }

    [Fact]
    public void Several_epochs_over_mini_batches_clip_once_the_policy_moves()
    {
        var ctx = Context(Tiny(), ppoEpochs: 4, miniBatch: 16, micro: 16);
        var result = RlStep.Run(ctx, Prompts(0), 0, 0.02);
        Assert.True(result.Metrics["clip_ratio/low_mean"] + result.Metrics["clip_ratio/high_mean"] > 0,
            "with 16 updates at lr 0.02 some ratios leave [0.8, 1.2]");
    }
}
