using System.Diagnostics;
using System.Globalization;
using Verity.Engine.Optim;
using Verity.Rewards.Math;
using Verity.Rl.Algorithms;
using Verity.Rl.Config;
using Verity.Rl.Tracking;
using Verity.Rl.Training;

namespace Verity.Rl.Demo;

/// <summary>
/// The demo's RL phase: GRPO with the token-level loss and no KL (as the prototype and DAPO), strictly
/// on-policy, fresh training problems every step, metrics.jsonl in the run directory.
/// </summary>
public static class DemoGrpo
{
    /// <summary>The RL config the demo runs (also the base the algorithm comparison overrides).</summary>
    public static RunConfig Config(DemoOptions o) => new()
    {
        Data = new DataSection { BatchSize = o.PromptsPerStep },
        Rollout = new RolloutSection { N = o.GroupSize, Temperature = o.Temperature, MaxNewTokens = o.MaxNewTokens },
        Algorithm = new AlgorithmSection
        {
            AdvEstimator = "grpo", PolicyLoss = "ppo_clip", LossAggMode = "token_mean", AdvEpsilon = 1e-4,
        },
        Optim = new OptimSection { Lr = o.RlLr, WeightDecay = 0, GradClip = 1.0, MicroBatch = o.PromptsPerStep * o.GroupSize },
        Trainer = new TrainerSection { Steps = o.RlSteps, Seed = o.Seed, RunDir = o.RunDir },
    };

    public static void Run(DemoSession session, DemoOptions o, Random rng, TextWriter log, Stopwatch clock)
    {
        var rl = Config(o);
        var ctx = new RlContext
        {
            Policy = session.Model,
            Optimizer = new AdamW(session.Model.Parameters, new AdamWOptions { LearningRate = o.RlLr, WeightDecay = 0 }),
            Generator = session.Generator,
            Decode = session.Decode,
            Reward = (response, answer) => MathVerifier.Verify(response, answer).Score,
            Config = rl,
            Setup = AlgorithmSetup.From(rl),
            StopTokenIds = [session.EosId],
        };
        using var tracker = Tracker.Create(["jsonl"], new TrackerOptions { RunDir = o.RunDir, TotalSteps = o.RlSteps, CompletionsEvery = 20 });
        for (int step = 1; step <= o.RlSteps; step++)
        {
            var prompts = Enumerable.Range(0, o.PromptsPerStep).Select(_ =>
            {
                var p = session.Task.SampleTrain(rng);
                return new RlPrompt(session.Encode(p.Prompt), p.Answer);
            }).ToList();
            var result = RlStep.Run(ctx, prompts, step, LearningRate(o, step));
            tracker.Log(step, result.Metrics);
            if (tracker.WantsCompletions(step))
                tracker.LogCompletions(step, result.Samples.Take(8).Select(s => new CompletionSample(session.Decode(s.PromptIds), s.Response, s.Reward ?? double.NaN)));
            if (step % 20 == 0 || step == o.RlSteps)
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"grpo {step}/{o.RlSteps}  reward {result.Metrics["reward"]:F3}  entropy {result.Metrics.GetValueOrDefault("entropy"):F3}  len {result.Metrics["completions/mean_length"]:F1}  {clock.Elapsed.TotalSeconds:F0}s"));
        }
    }

    /// <summary>Constant at the peak, then linear decay to 10 % over the last <see cref="DemoOptions.RlDecayFraction"/> of the steps.</summary>
    public static double LearningRate(DemoOptions o, int step)
    {
        double decayStart = o.RlSteps * (1 - o.RlDecayFraction);
        if (step <= decayStart) return o.RlLr;
        double progress = (step - decayStart) / Math.Max(1, o.RlSteps - decayStart);
        return o.RlLr * (1 - 0.9 * progress);
    }
}
