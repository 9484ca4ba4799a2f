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
using Verity.Rl.Rollout;

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

    /// <summary>Value model for adv_estimator gae (see <see cref="CriticStep"/>); null for outcome estimators.</summary>
    public Critic? Critic { get; init; }

    public required Generator Generator { get; init; }

    /// <summary>Token ids → text for the reward (the engine knows only ids; rewards know only text).</summary>
    public required Func<int[], string> Decode { get; init; }

    public required RewardFunction Reward { get; init; }

    public required RunConfig Config { get; init; }

    public required AlgorithmSetup Setup { get; init; }

    /// <summary>Stop ids for sampling (the tokenizer's EOS ids).</summary>
    public IReadOnlyCollection<int> StopTokenIds { get; init; } = [];

    /// <summary>Stop strings (rollout.stop) as a criterion on the decoded completion; null = none. <see cref="Decode"/> cuts the text before them.</summary>
    public StopCriterion? StopCriterion { get; init; }

    /// <summary>The code interpreter for rollout.tool=code_interpreter (Rollout/CodeInterpreterRollout.cs); null otherwise.</summary>
    public CodeInterpreterRollout? ToolRollout { get; init; }
}

/// <summary>One sampled response with its reward, for logs and completions.jsonl.</summary>
public sealed record RlSample(int Group, int[] PromptIds, int[] ResponseIds, float[] RolloutLogProbs, string Response, double? Reward, FinishReason Finish)
{
    /// <summary>Per response token 1 = counts in the loss, 0 = a tool token (its rollout log-prob is 0); null = all count.</summary>
    public double[]? LossMask { get; init; }
}

/// <summary>What one step did: TRL-style metrics and the samples.</summary>
public sealed record RlStepResult(IReadOnlyDictionary<string, double> Metrics, IReadOnlyList<RlSample> Samples);

/// <summary>
/// One GRPO-family step, top to bottom: rollout → reward (+ overlong penalty) → group statistics and filters →
/// loss masks → (old / reference log-probs) → advantages (+ KL in the reward; with a critic: its values, GAE,
/// then its own update in <see cref="CriticStep"/>) and sample weights → mini-batch updates (DARO weights after
/// each) → metrics. Strictly on-policy by default
/// (ppo_epochs = 1, one mini-batch): the old log-probs are then the current ones and the ratio is 1.
/// </summary>
public static class RlStep
{
    /// <summary>One step on exactly these prompts (one generation round: no refill).</summary>
    public static RlStepResult Run(RlContext ctx, IReadOnlyList<RlPrompt> prompts, long step, double learningRate)
    {
        bool drawn = false;
        return Run(ctx, _ => { if (drawn) return []; drawn = true; return prompts; }, step, learningRate);
    }

    /// <summary>
    /// One step whose prompts come from <paramref name="draw"/> (asked for a count, it returns that many prompts,
    /// or none when there are no more); sample groups are numbered in draw order across rounds.
    /// </summary>
    public static RlStepResult Run(RlContext ctx, Func<int, IReadOnlyList<RlPrompt>> draw, long step, double learningRate)
    {
        var cfg = ctx.Config;
        var setup = ctx.Setup;
        var metrics = new Dictionary<string, double>();
        var clock = Stopwatch.StartNew();

        // 1–3. rounds of rollout → reward → group filters (RolloutRound). With DAPO dynamic sampling, rounds of
        // data.gen_batch_size prompts repeat until data.batch_size groups are kept or max_gen_batches rounds ran,
        // and the first batch_size kept groups are trained on; otherwise one round of data.batch_size prompts.
        var ds = cfg.Algorithm.DynamicSampling;
        int want = cfg.Data.BatchSize;
        var rounds = new List<RolloutRound>();
        do
        {
            var prompts = draw(ds.Enable ? cfg.Data.GenBatchSize ?? want : want);
            if (prompts.Count == 0) break;
            rounds.Add(RolloutRound.Run(ctx, prompts, step, firstGroup: rounds.Sum(r => r.Groups), metrics));
        }
        while (ds.Enable && rounds.Sum(r => r.KeptGroups) < want && rounds.Count < ds.MaxGenBatches);
        var samples = rounds.SelectMany(r => r.Samples).ToList();
        var kept = rounds.SelectMany(r => r.Kept).ToList();
        var train = ds.Enable ? FirstGroups(kept, want) : kept;

        var scored = samples.Where(s => s.Reward is not null).ToList();
        var rewardsAll = scored.Select(s => s.Reward!.Value).ToArray();
        var groupsAll = scored.Select(s => s.Group).ToArray();
        metrics["time/generate"] = rounds.Sum(r => r.GenerateSeconds);
        metrics["time/generate_prefill"] = rounds.Sum(r => r.PrefillSeconds); // part of time/generate: the prompts' forwards
        metrics["time/reward"] = rounds.Sum(r => r.RewardSeconds);
        if (cfg.Algorithm.Overlong.Punish) metrics["overlong/penalty_mean"] = rounds.Sum(r => r.PenaltySum) / Math.Max(1, scored.Count);
        metrics["reward"] = rewardsAll.Length > 0 ? rewardsAll.Average() : 0;
        metrics["reward_std"] = GroupStatistics.Std(rewardsAll);
        metrics["acc"] = rewardsAll.Length > 0 ? rewardsAll.Count(r => r > 0) / (double)rewardsAll.Length : 0;
        metrics["frac_reward_zero_std"] = ZeroStdFraction(rewardsAll, groupsAll); // before the filters, over every round
        metrics["frac_void"] = 1 - scored.Count / (double)samples.Count;
        metrics["completions/mean_length"] = samples.Average(s => s.ResponseIds.Length);
        metrics["completions/max_length"] = samples.Max(s => s.ResponseIds.Length);
        metrics["completions/clipped_ratio"] = samples.Count(s => s.Finish == FinishReason.Length) / (double)samples.Count;
        if (ds.Enable)
        {
            int trainGroups = train.Select(s => s.Group).Distinct().Count();
            metrics["dynamic_sampling/gen_batches"] = rounds.Count;
            metrics["dynamic_sampling/kept_groups"] = trainGroups;
            metrics["dynamic_sampling/batch_full"] = trainGroups >= want ? 1 : 0; // 0: max_gen_batches ran out, trained on fewer
        }
        if (cfg.Algorithm.PassRateFilter.Enable)
            metrics["pass_rate_filter/frac_dropped"] = rounds.Sum(r => r.PassRateDropped) / (double)Math.Max(1, rounds.Sum(r => r.Groups));
        clock.Restart();
        if (train.Count == 0)
        {
            metrics["time/train"] = clock.Elapsed.TotalSeconds;
            return new RlStepResult(metrics, samples);
        }

        // 4. the kept samples in response layout [B·T]; the loss mask leaves out overlong-filtered responses
        var lossMasks = OverlongHandling.LossMasks(train, cfg.Algorithm.Overlong);
        var batch = new SequenceBatch(train.Select(s => s.PromptIds).ToList(), train.Select(s => s.ResponseIds).ToList(), lossMasks);
        int B = batch.B, T = batch.T;
        if (cfg.Algorithm.Overlong.Filter) metrics["overlong/filtered_ratio"] = train.Count(s => s.Finish == FinishReason.Length) / (double)B;
        if (batch.Mask.Sum() == 0)
        {
            metrics["time/train"] = clock.Elapsed.TotalSeconds;
            return new RlStepResult(metrics, samples);
        }

        // 5. old log-probs (when the policy moves within the step, or for KL in the reward) and reference log-probs
        int micro = Math.Max(1, cfg.Optim.MicroBatch);
        int miniBatch = Math.Min(B, cfg.Optim.MiniBatch ?? B);
        bool offPolicy = cfg.Optim.PpoEpochs > 1 || miniBatch < B;
        bool klLoss = !setup.KlInReward && setup.KlController.Coefficient != 0;
        bool klInReward = setup.KlInReward && setup.KlController.Coefficient != 0;
        double[]? old = offPolicy || klInReward ? LogProbs(ctx.Policy, train, T, micro) : null;
        double[]? reference = null;
        if (klLoss || klInReward)
        {
            var refModel = ctx.Reference ?? throw new ArgumentException("KL to the reference needs a reference model. HINT: set model.reference_path, or algorithm.kl.coef=0.");
            reference = LogProbs(refModel, train, T, micro);
        }

        // 6. advantages (with −β·KL in the token rewards when configured) and per-sample weights
        var rewards = train.Select(s => s.Reward!.Value).ToArray();
        var groups = train.Select(s => s.Group).ToArray();
        var (shaped, tokenRewards) = klInReward
            ? KlRewardPenalty.Apply(setup, cfg.Algorithm.AdvEstimator, rewards, old!, reference!, batch.Mask, T, metrics) : (rewards, null);
        var advantages = new double[B * T];
        var returns = new double[B * T];
        double[]? values = ctx.Critic is { } valueModel ? CriticStep.Values(valueModel, train, T, micro) : null; // critic: pre-update V(s_t)
        setup.Advantage(new AdvantageBatch { Rewards = shaped, Groups = groups, Mask = batch.Mask, Tokens = T, TokenRewards = tokenRewards, Values = values },
            setup.AdvantageOptions, advantages, returns);
        var weights = SampleWeights.For(setup, cfg, rewards, groups, batch.Mask, T);

        // 6b. critic (gae): value-loss updates on the returns; during trainer.critic_warmup the actor waits
        if (ctx.Critic is { } critic)
        {
            CriticStep.Update(critic, train, T, batch.Mask, values!, returns, cfg, setup, metrics);
            if (critic.FreezesActor(step))
            {
                metrics["time/train"] = clock.Elapsed.TotalSeconds;
                return new RlStepResult(metrics, samples);
            }
        }

        // 7. updates: per epoch, per mini-batch one optimizer step; micro-batches accumulate gradients
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
                    var mb = new SequenceBatch(part.Select(s => s.PromptIds).ToList(), part.Select(s => s.ResponseIds).ToList(), lossMasks?.GetRange(u0, u1 - u0), responseWidth: T);
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
                        RefLogProbs = klLoss ? reference!.AsSpan(u0 * T, (u1 - u0) * T).ToArray() : null,
                        Entropies = entropy,
                        SequenceWeights = weights?.Slice(u0, u1),
                        Positive = part.Select(s => s.Reward > 0).ToArray(),
                    };
                    var gradLogp = new double[logp.Length];
                    var gradEntropy = new double[logp.Length];
                    var tokenLosses = weights?.WantsTokenLosses == true ? new double[logp.Length] : null;
                    var result = ActorLoss.Compute(input, settings, normalizer, gradLogp, gradEntropy, tokenLosses);
                    if (tokenLosses is not null) weights!.Accumulate(tokenLosses, u0, T);
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
                weights?.EndMiniBatch(m0, m1);
                updates++;
            }
        }
        metrics["time/train"] = clock.Elapsed.TotalSeconds;
        metrics["time/forward_backward"] = engineTicks / (double)Stopwatch.Frequency;
        metrics["time/optimizer"] = optimizerTicks / (double)Stopwatch.Frequency;

        // 8. metrics of the update
        metrics["loss"] = lossSum / updates;
        metrics["entropy"] = entropyTokens > 0 ? entropySum / entropyTokens : 0;
        if (!klInReward) metrics["kl"] = klLoss ? klSum / updates : 0;
        if (klLoss) metrics["kl_coef"] = setup.KlController.Coefficient;
        weights?.AddMetrics(metrics);
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
            var mb = new SequenceBatch(part.Select(s => s.PromptIds).ToList(), part.Select(s => s.ResponseIds).ToList(), ToolRolloutStage.Masks(part), responseWidth: width);
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
                if (ToolRolloutStage.Sampled(part[b], k)) max = Math.Max(max, Math.Abs(part[b].RolloutLogProbs[k] - logp[b * width + k]));
        return max;
    }

    /// <summary>The samples of the first <paramref name="groups"/> groups in draw order (DAPO truncates to train_batch_size).</summary>
    static List<RlSample> FirstGroups(List<RlSample> samples, int groups)
    {
        var first = samples.Select(s => s.Group).Distinct().Take(groups).ToHashSet();
        return samples.Where(s => first.Contains(s.Group)).ToList();
    }

    static double ZeroStdFraction(double[] rewards, int[] groups)
    {
        var byGroup = rewards.Zip(groups).GroupBy(x => x.Second).ToList();
        return byGroup.Count == 0 ? 0 : byGroup.Count(g => g.Select(x => x.First).Distinct().Count() == 1) / (double)byGroup.Count;
    }
}
