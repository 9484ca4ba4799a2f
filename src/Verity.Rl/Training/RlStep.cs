using System.Diagnostics;
using Verity.Engine.Generation;
using Verity.Engine.Model;
using Verity.Engine.Optim;
using Verity.Rl.Algorithms;
using Verity.Rl.Algorithms.Advantages;
using Verity.Rl.Algorithms.Aggregation;
using Verity.Rl.Algorithms.Filters;
using Verity.Rl.Algorithms.Losses;
using Verity.Rl.Config;

namespace Verity.Rl.Training;

/// <summary>A prompt to train on: its token ids and the reference answer its reward checks against.</summary>
public sealed record RlPrompt(int[] PromptIds, string Answer);

/// <summary>
/// Scores one response against the reference answer; null means void (e.g. a sandbox failure): the
/// sample is excluded from statistics and loss, never scored 0.
/// </summary>
public delegate double? RewardFunction(string response, string answer);

/// <summary>Everything a step needs besides the prompts; built once per run.</summary>
public sealed class RlContext
{
    public required TransformerModel Policy { get; init; }

    /// <summary>Frozen reference for a KL loss; null when the config has no KL.</summary>
    public TransformerModel? Reference { get; init; }

    public required AdamW Optimizer { get; init; }

    public required Generator Generator { get; init; }

    /// <summary>Token ids → text for the reward (the engine knows only ids; rewards know only text).</summary>
    public required Func<int[], string> Decode { get; init; }

    public required RewardFunction Reward { get; init; }

    public required RunConfig Config { get; init; }

    public required AlgorithmSetup Setup { get; init; }

    /// <summary>Stop ids for sampling (the tokenizer's EOS ids).</summary>
    public IReadOnlyCollection<int> StopTokenIds { get; init; } = [];
}

/// <summary>One sampled response with its reward, for logs and completions.jsonl.</summary>
public sealed record RlSample(int Group, int[] PromptIds, int[] ResponseIds, float[] RolloutLogProbs, string Response, double? Reward, FinishReason Finish);

/// <summary>What one step did: TRL-style metrics and the samples.</summary>
public sealed record RlStepResult(IReadOnlyDictionary<string, double> Metrics, IReadOnlyList<RlSample> Samples);

/// <summary>
/// One GRPO-family step, top to bottom: rollout → reward → group statistics and filters → advantages →
/// (old / reference log-probs) → mini-batch updates → metrics. Strictly on-policy by default
/// (ppo_epochs = 1, one mini-batch): the old log-probs are then the current ones and the ratio is 1.
/// </summary>
public static class RlStep
{
    public static RlStepResult Run(RlContext ctx, IReadOnlyList<RlPrompt> prompts, long step, double learningRate)
    {
        var cfg = ctx.Config;
        var setup = ctx.Setup;
        var metrics = new Dictionary<string, double>();
        var clock = Stopwatch.StartNew();

        // 1. rollout: n samples per prompt, each prompt prefilled once
        var sampling = new SamplingParams
        {
            N = cfg.Rollout.N, Temperature = (float)cfg.Rollout.Temperature, TopP = (float)cfg.Rollout.TopP,
            TopK = cfg.Rollout.TopK, MinP = (float)cfg.Rollout.MinP, MaxNewTokens = cfg.Rollout.MaxNewTokens,
        };
        var requests = prompts.Select((p, i) => new GenerationRequest(p.PromptIds,
            sampling with { Seed = SeedFor(cfg.Trainer.Seed, step, i) }) { StopTokenIds = ctx.StopTokenIds }).ToList();
        var generation = ctx.Generator.Generate(requests);
        var samples = new List<RlSample>();
        for (int g = 0; g < prompts.Count; g++)
        {
            var r = generation.Requests[g];
            if (!r.Ok) throw new ArgumentException($"rollout: prompt {g}: {r.Error}");
            foreach (var s in r.Samples)
                samples.Add(new RlSample(g, prompts[g].PromptIds, s.CompletionIds, s.PolicyLogProbs, "", null, s.Finish));
        }
        metrics["time/generate"] = clock.Elapsed.TotalSeconds;

        // 2. reward: text only
        clock.Restart();
        for (int i = 0; i < samples.Count; i++)
        {
            string text = ctx.Decode(samples[i].ResponseIds);
            samples[i] = samples[i] with { Response = text, Reward = ctx.Reward(text, prompts[samples[i].Group].Answer) };
        }
        metrics["time/reward"] = clock.Elapsed.TotalSeconds;
        clock.Restart();

        // 3. group statistics and filters: void samples leave; dynamic sampling drops zero-variance groups
        var scored = samples.Where(s => s.Reward is not null).ToList();
        var rewardsAll = scored.Select(s => s.Reward!.Value).ToArray();
        var groupsAll = scored.Select(s => s.Group).ToArray();
        var keep = new bool[scored.Count];
        if (cfg.Algorithm.DynamicSampling.Enable) DynamicSampling.KeepSequences(rewardsAll, groupsAll, keep);
        else keep.AsSpan().Fill(true);
        var train = scored.Where((_, i) => keep[i]).ToList();
        metrics["reward"] = rewardsAll.Length > 0 ? rewardsAll.Average() : 0;
        metrics["reward_std"] = GroupStatistics.Std(rewardsAll);
        metrics["acc"] = rewardsAll.Length > 0 ? rewardsAll.Count(r => r > 0) / (double)rewardsAll.Length : 0;
        metrics["frac_reward_zero_std"] = ZeroStdFraction(rewardsAll, groupsAll);
        metrics["frac_void"] = 1 - scored.Count / (double)samples.Count;
        metrics["completions/mean_length"] = samples.Average(s => s.ResponseIds.Length);
        metrics["completions/max_length"] = samples.Max(s => s.ResponseIds.Length);
        metrics["completions/clipped_ratio"] = samples.Count(s => s.Finish == FinishReason.Length) / (double)samples.Count;
        if (train.Count == 0)
        {
            metrics["time/train"] = clock.Elapsed.TotalSeconds;
            return new RlStepResult(metrics, samples);
        }

        // 4. advantages over the kept samples, in response layout [B·T]
        var batch = new SequenceBatch(train.Select(s => s.PromptIds).ToList(), train.Select(s => s.ResponseIds).ToList());
        int B = batch.B, T = batch.T;
        var advantages = new double[B * T];
        var returns = new double[B * T];
        setup.Advantage(new AdvantageBatch
        {
            Rewards = train.Select(s => s.Reward!.Value).ToArray(),
            Groups = train.Select(s => s.Group).ToArray(),
            Mask = batch.Mask,
            Tokens = T,
        }, setup.AdvantageOptions, advantages, returns);

        // 5. old log-probs (only when the policy moves within the step) and reference log-probs (KL loss)
        int micro = Math.Max(1, cfg.Optim.MicroBatch);
        int miniBatch = Math.Min(B, cfg.Optim.MiniBatch ?? B);
        bool offPolicy = cfg.Optim.PpoEpochs > 1 || miniBatch < B;
        double[]? old = offPolicy ? LogProbs(ctx.Policy, train, T, micro) : null;
        bool klLoss = !setup.KlInReward && setup.KlController.Coefficient != 0;
        double[]? reference = null;
        if (klLoss)
        {
            var refModel = ctx.Reference ?? throw new ArgumentException("a KL loss needs a reference model. HINT: set model.reference_path, or algorithm.kl.coef=0.");
            reference = LogProbs(refModel, train, T, micro);
        }

        // 6. updates: per epoch, per mini-batch one optimizer step; micro-batches accumulate gradients
        double lossSum = 0, entropySum = 0, entropyTokens = 0, klSum = 0, gradNorm = 0, mismatch = 0;
        var clip = new PolicyLossStats();
        int updates = 0;
        long engineTicks = 0, optimizerTicks = 0; // time/forward_backward and time/optimizer: the rest of time/train is the trainer's own overhead
        for (int epoch = 0; epoch < cfg.Optim.PpoEpochs; epoch++)
        {
            for (int m0 = 0; m0 < B; m0 += miniBatch)
            {
                int m1 = Math.Min(B, m0 + miniBatch);
                var normalizer = LossNormalizer.ForMiniBatch(batch.Mask.AsSpan(m0 * T, (m1 - m0) * T), T, setup.MaxLength);
                var settings = setup.ActorSettings(entropyTokens > 0 ? entropySum / entropyTokens : double.NaN);
                ctx.Policy.ZeroGrad();
                for (int u0 = m0; u0 < m1; u0 += micro)
                {
                    int u1 = Math.Min(m1, u0 + micro);
                    var part = train.Skip(u0).Take(u1 - u0).ToList();
                    var mb = new SequenceBatch(part.Select(s => s.PromptIds).ToList(), part.Select(s => s.ResponseIds).ToList(), responseWidth: T);
                    long t0 = Stopwatch.GetTimestamp();
                    var forward = ctx.Policy.Forward(mb.Engine);
                    engineTicks += Stopwatch.GetTimestamp() - t0;
                    var logp = mb.Gather(forward.LogProbs);
                    var entropy = mb.Gather(forward.Entropies);
                    if (updates == 0) mismatch = Math.Max(mismatch, Mismatch(part, logp, T)); // policy not yet moved this step
                    var input = new ActorLossInput
                    {
                        LogProbs = logp,
                        OldLogProbs = old?.AsSpan(u0 * T, (u1 - u0) * T).ToArray() ?? logp,
                        Advantages = advantages.AsSpan(u0 * T, (u1 - u0) * T).ToArray(),
                        Mask = mb.Mask,
                        Tokens = T,
                        RefLogProbs = reference?.AsSpan(u0 * T, (u1 - u0) * T).ToArray(),
                        Entropies = entropy,
                        Positive = part.Select(s => s.Reward > 0).ToArray(),
                    };
                    var gradLogp = new double[logp.Length];
                    var gradEntropy = new double[logp.Length];
                    var result = ActorLoss.Compute(input, settings, normalizer, gradLogp, gradEntropy);
                    var (gradLogpRows, gradEntropyRows) = (mb.Scatter(gradLogp), mb.Scatter(gradEntropy));
                    t0 = Stopwatch.GetTimestamp();
                    ctx.Policy.Backward(mb.Engine, gradLogpRows, gradEntropyRows);
                    engineTicks += Stopwatch.GetTimestamp() - t0;
                    lossSum += result.Total;
                    klSum += result.KlLoss;
                    clip = clip.Add(result.Stats);
                    for (int i = 0; i < entropy.Length; i++)
                        if (mb.Mask[i] > 0) { entropySum += entropy[i]; entropyTokens++; }
                }
                long o0 = Stopwatch.GetTimestamp();
                gradNorm = GradientOps.ClipGlobalNorm(ctx.Optimizer.Parameters, cfg.Optim.GradClip);
                ctx.Optimizer.Step(learningRate);
                optimizerTicks += Stopwatch.GetTimestamp() - o0;
                updates++;
            }
        }
        metrics["time/train"] = clock.Elapsed.TotalSeconds;
        metrics["time/forward_backward"] = engineTicks / (double)Stopwatch.Frequency;
        metrics["time/optimizer"] = optimizerTicks / (double)Stopwatch.Frequency;

        // 7. metrics of the update
        metrics["loss"] = lossSum / updates;
        metrics["entropy"] = entropyTokens > 0 ? entropySum / entropyTokens : 0;
        metrics["kl"] = klLoss ? klSum / updates : 0;
        metrics["clip_ratio/low_mean"] = clip.Tokens > 0 ? clip.ClippedLow / (double)clip.Tokens : 0;
        metrics["clip_ratio/high_mean"] = clip.Tokens > 0 ? clip.ClippedHigh / (double)clip.Tokens : 0;
        metrics["grad_norm"] = gradNorm;
        metrics["rollout/logprob_mismatch_max"] = mismatch;
        metrics["lr"] = learningRate;
        metrics["num_tokens"] = batch.Mask.Sum();
        return new RlStepResult(metrics, samples);
    }

    /// <summary>Per-request seed: a function of the run seed, the step and the prompt's index only.</summary>
    public static ulong SeedFor(int seed, long step, int index) =>
        (ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)step * 0xBF58476D1CE4E5B9UL ^ (ulong)index * 0x94D049BB133111EBUL;

    /// <summary>Response-layout log-probs [B·T] of a model, in micro-batches (no gradients kept).</summary>
    static double[] LogProbs(TransformerModel model, IReadOnlyList<RlSample> samples, int width, int micro)
    {
        var result = new double[samples.Count * width];
        for (int u0 = 0; u0 < samples.Count; u0 += micro)
        {
            var part = samples.Skip(u0).Take(micro).ToList();
            var mb = new SequenceBatch(part.Select(s => s.PromptIds).ToList(), part.Select(s => s.ResponseIds).ToList(), responseWidth: width);
            mb.Gather(model.Forward(mb.Engine, keepActivations: false).LogProbs).CopyTo(result, u0 * width);
        }
        return result;
    }

    /// <summary>Largest |rollout log-prob − training log-prob| of a micro-batch (same weights): the sampler/learner gap.</summary>
    static double Mismatch(IReadOnlyList<RlSample> part, double[] logp, int width)
    {
        double max = 0;
        for (int b = 0; b < part.Count; b++)
            for (int k = 0; k < part[b].RolloutLogProbs.Length; k++)
                max = Math.Max(max, Math.Abs(part[b].RolloutLogProbs[k] - logp[b * width + k]));
        return max;
    }

    static double ZeroStdFraction(double[] rewards, int[] groups)
    {
        var byGroup = rewards.Zip(groups).GroupBy(x => x.Second).ToList();
        return byGroup.Count == 0 ? 0 : byGroup.Count(g => g.Select(x => x.First).Distinct().Count() == 1) / (double)byGroup.Count;
    }
}
