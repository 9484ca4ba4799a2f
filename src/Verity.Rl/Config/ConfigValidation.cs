using Verity.Rl.Algorithms.Advantages;
using Verity.Rl.Algorithms.Aggregation;
using Verity.Rl.Algorithms.Daro;
using Verity.Rl.Algorithms.Kl;
using Verity.Rl.Algorithms.Losses;

namespace Verity.Rl.Config;

/// <summary>
/// Cross-field rules (TRL's __post_init__ role). Each failure is one line: the key, what is wrong, and the fix.
/// Names are checked against the same registries the trainer resolves them from.
/// </summary>
internal static class ConfigValidation
{
    private static readonly string[] Samplers = ["sequential", "random", "history_resampling", "gaussian_difficulty"];
    private static readonly string[] Templates = ["boxed", "gsm8k", "none", "chat"];
    private static readonly string[] Schedules = ["constant", "linear", "cosine"];
    private static readonly string[] DaroMeasures = ["abs", "approx"];
    private static readonly HashSet<string> GroupEstimators = ["grpo", "dr_grpo", "lite_ppo", "rloo", "reinforce_pp_baseline"];

    public static void Validate(RunConfig c)
    {
        var a = c.Algorithm;
        Name(AdvantageEstimators.All, a.AdvEstimator, "algorithm.adv_estimator");
        Name(PolicyLosses.All, a.PolicyLoss, "algorithm.policy_loss");
        Name(LossAggregations.All, a.LossAggMode, "algorithm.loss_agg_mode");
        Name(KlEstimators.All, a.Kl.Type, "algorithm.kl.type");
        if (a.SampleWeighting is not null) Name(SampleWeightings.All, a.SampleWeighting, "algorithm.sample_weighting");
        OneOf(Samplers, c.Data.Sampler, "data.sampler");
        OneOf(Templates, c.Data.Template, "data.template");
        OneOf(Schedules, c.Optim.Schedule, "optim.schedule");
        OneOf(DaroMeasures, a.Daro.LossMeasure, "algorithm.daro.loss_measure");

        // rollout
        Check(c.Rollout.N >= 1, "rollout.n", $"must be ≥ 1, got {c.Rollout.N}", "set rollout.n=8");
        Check(c.Rollout.Temperature > 0, "rollout.temperature", $"must be > 0, got {c.Rollout.Temperature}", "use 1.0 for RL (greedy decoding gives a group no diversity)");
        Check(c.Rollout.TopP > 0 && c.Rollout.TopP <= 1, "rollout.top_p", $"must be in (0, 1], got {c.Rollout.TopP}", "use 1.0 to disable nucleus sampling");
        Check(c.Rollout.TopK >= 0, "rollout.top_k", $"must be ≥ 0, got {c.Rollout.TopK}", "use 0 to disable top-k");
        Check(c.Rollout.MinP >= 0 && c.Rollout.MinP < 1, "rollout.min_p", $"must be in [0, 1), got {c.Rollout.MinP}", "use 0 to disable min-p");
        Check(c.Rollout.MaxNewTokens >= 1, "rollout.max_new_tokens", $"must be ≥ 1, got {c.Rollout.MaxNewTokens}", "set e.g. rollout.max_new_tokens=512");
        ToolConfigValidation.Validate(c); // codeturns: rollout.tool and its keys
        Check(c.Data.BatchSize >= 1, "data.batch_size", $"must be ≥ 1, got {c.Data.BatchSize}", "set e.g. data.batch_size=32");
        Check(c.Data.MaxPromptLength >= 1, "data.max_prompt_length", $"must be ≥ 1, got {c.Data.MaxPromptLength}", "set e.g. data.max_prompt_length=512");
        if (c.Data.GenBatchSize is int gen)
            Check(gen >= c.Data.BatchSize, "data.gen_batch_size", $"({gen}) is smaller than data.batch_size ({c.Data.BatchSize})", "generate at least a full batch per round (DAPO uses 3 × batch_size) or set it to null");

        // group-relative algorithms need groups
        if (GroupEstimators.Contains(a.AdvEstimator))
            Check(c.Rollout.N >= 2, "rollout.n", $"is 1 but adv_estimator '{a.AdvEstimator}' compares samples of the same prompt", "set rollout.n ≥ 2 (e.g. 8), or use adv_estimator=reinforce_pp or gae");
        Check(!a.DynamicSampling.Enable || c.Rollout.N >= 2, "algorithm.dynamic_sampling.enable",
            "needs groups: with rollout.n=1 every group has zero reward std and would be dropped", "set rollout.n ≥ 2 or algorithm.dynamic_sampling.enable=false");
        PassRates(c);
        Check(a.DynamicSampling.MaxGenBatches >= 1, "algorithm.dynamic_sampling.max_gen_batches", $"must be ≥ 1, got {a.DynamicSampling.MaxGenBatches}", "DAPO uses 10");
        Check(!a.Daro.Enable || c.Rollout.N >= 2, "algorithm.daro.enable", "needs pass-rate buckets 1/n … (n−1)/n, which do not exist for rollout.n=1", "set rollout.n ≥ 2 (the paper uses 8)");
        Check(!a.Daro.Enable || GroupEstimators.Contains(a.AdvEstimator), "algorithm.daro.enable", $"weights GRPO-style group losses, but adv_estimator is '{a.AdvEstimator}'", "use adv_estimator=grpo (or dr_grpo, lite_ppo, rloo)");
        Check(a.Daro.InitWeight > 0, "algorithm.daro.init_weight", $"must be > 0, got {a.Daro.InitWeight}", "use 1.0");
        Check(a.Daro.WeightLr > 0, "algorithm.daro.weight_lr", $"must be > 0, got {a.Daro.WeightLr}", "use 0.01");

        // clipping
        Check(a.EpsilonLow > 0 && a.EpsilonLow <= 1, "algorithm.epsilon_low", $"must be in (0, 1], got {a.EpsilonLow}", "use 0.2 (1.0 removes the lower clip, as CISPO does)");
        Check(a.EpsilonHigh >= a.EpsilonLow || a.PolicyLoss == "cispo" && a.EpsilonLow == 1, "algorithm.epsilon_high",
            $"({a.EpsilonHigh}) is smaller than algorithm.epsilon_low ({a.EpsilonLow}); clip-higher means ε_high ≥ ε_low", $"set algorithm.epsilon_high ≥ {a.EpsilonLow} (DAPO: 0.28 with 0.2)");
        if (a.DualClipC is double dual)
            Check(dual > 1, "algorithm.dual_clip_c", $"must be > 1, got {dual}", "use 3.0 (verl) or 10 (DAPO), or null to disable it");
        Check(a.GppoBetaLow >= 0 && a.GppoBetaHigh >= 0, "algorithm.gppo_beta_low/high", "must be ≥ 0", "use 1.0 (Klear) or 0.25–0.5 for β₁");
        Check(a.PolicyLoss != "gspo" || a.LossAggMode == "seq_mean_token_mean", "algorithm.loss_agg_mode",
            $"is '{a.LossAggMode}' but policy_loss gspo is a sequence-level loss; any other aggregation weights sequences by length", "set algorithm.loss_agg_mode=seq_mean_token_mean");
        Check(a.PolicyLoss != "pg" || c.Optim.PpoEpochs == 1 && c.Optim.MiniBatch is null, "algorithm.policy_loss",
            "pg has no importance ratio, so it is only correct strictly on-policy, but optim.ppo_epochs > 1 or optim.mini_batch splits the batch",
            "set optim.ppo_epochs=1 and optim.mini_batch=null, or use policy_loss=ppo_clip");
        if (a.AdvEstimator == "gae" && a.ValueClip is double vc)
            Check(vc > 0, "algorithm.value_clip", $"must be > 0, got {vc}", "use 0.5 (verl) or null to disable it");
        Check(a.Gamma > 0 && a.Gamma <= 1, "algorithm.gamma", $"must be in (0, 1], got {a.Gamma}", "use 1.0 for outcome rewards");
        Check(a.Lam >= 0 && a.Lam <= 1, "algorithm.lam", $"must be in [0, 1], got {a.Lam}", "use 1.0 (verl) or 0.95");
        Check(a.AdvEpsilon >= 0, "algorithm.adv_epsilon", $"must be ≥ 0, got {a.AdvEpsilon}", "use 1e-6");
        Check(a.SftCoef >= 0, "algorithm.sft_coef", $"must be ≥ 0, got {a.SftCoef}", "use 0.1 (Klear) or 0 to disable it");

        // KL and entropy
        Check(a.Kl.Coef >= 0, "algorithm.kl.coef", $"must be ≥ 0, got {a.Kl.Coef}", "use 0 (no KL) or e.g. 0.001");
        Check(!a.Kl.Adaptive || a.Kl.InReward, "algorithm.kl.adaptive", "adapts the KL penalty in the reward, but algorithm.kl.in_reward is false", "set algorithm.kl.in_reward=true, or algorithm.kl.adaptive=false for a fixed KL loss");
        Check(!a.Kl.Adaptive || a.Kl.Coef > 0, "algorithm.kl.adaptive", "needs a starting coefficient > 0 (β is multiplied each step)", "set algorithm.kl.coef (e.g. 0.01)");
        Check(!a.Kl.Adaptive || a.Kl.Target > 0 && a.Kl.Horizon > 0, "algorithm.kl.target", "and algorithm.kl.horizon must be > 0 for the adaptive controller", "use target 0.1, horizon 10000");
        Check(a.Entropy.Coef >= 0, "algorithm.entropy.coef", $"must be ≥ 0, got {a.Entropy.Coef}", "use 0 (off) or a small value such as 0.001");
        if (a.Entropy.Adaptive)
        {
            Check(a.Entropy.Min <= a.Entropy.Max, "algorithm.entropy.min", $"({a.Entropy.Min}) is above algorithm.entropy.max ({a.Entropy.Max})", "Skywork-OR1: min 0, max 0.005");
            Check(a.Entropy.Delta > 0 && a.Entropy.Target > 0, "algorithm.entropy.delta", "and algorithm.entropy.target must be > 0 for the adaptive controller", "Skywork-OR1: delta 1e-4, target 0.2");
        }

        // overlong
        if (a.Overlong.Punish)
        {
            Check(a.Overlong.BufferLen > 0 && a.Overlong.BufferLen < c.Rollout.MaxNewTokens, "algorithm.overlong.buffer_len",
                $"({a.Overlong.BufferLen}) must be in (0, rollout.max_new_tokens = {c.Rollout.MaxNewTokens})", $"use about a fifth of max_new_tokens, e.g. {Math.Max(1, c.Rollout.MaxNewTokens / 5)} (DAPO: 4096 of 20480)");
            Check(a.Overlong.PenaltyFactor >= 0, "algorithm.overlong.penalty_factor", $"must be ≥ 0, got {a.Overlong.PenaltyFactor}", "DAPO uses 1.0");
        }

        // optimizer and batching
        var o = c.Optim;
        Check(o.Lr > 0, "optim.lr", $"must be > 0, got {o.Lr}", "RLVR recipes use 1e-6");
        Check(o.CriticLr > 0, "optim.critic_lr", $"must be > 0, got {o.CriticLr}", "verl uses 1e-5");
        Check(o.Betas.Count == 2 && o.Betas.All(b => b >= 0 && b < 1), "optim.betas", $"must be two numbers in [0, 1), got [{string.Join(", ", o.Betas)}]", "use [0.9, 0.999] or [0.9, 0.95]");
        Check(o.Eps > 0, "optim.eps", $"must be > 0, got {o.Eps}", "use 1e-8");
        Check(o.WeightDecay >= 0, "optim.weight_decay", $"must be ≥ 0, got {o.WeightDecay}", "use 0.01");
        Check(o.WarmupSteps >= 0 && o.WarmupSteps < Math.Max(1, c.Trainer.Steps), "optim.warmup_steps", $"({o.WarmupSteps}) must be in [0, trainer.steps = {c.Trainer.Steps})", "use 0 or a few percent of the steps");
        Check(o.MinLrRatio >= 0 && o.MinLrRatio <= 1, "optim.min_lr_ratio", $"must be in [0, 1], got {o.MinLrRatio}", "use 0.1 or 0");
        Check(o.NumCycles > 0, "optim.num_cycles", $"must be > 0, got {o.NumCycles}", "use 0.5 (one half-cosine)");
        Check(o.GradClip >= 0, "optim.grad_clip", $"must be ≥ 0, got {o.GradClip}", "use 1.0, or 0 to disable clipping");
        Check(o.PpoEpochs >= 1, "optim.ppo_epochs", $"must be ≥ 1, got {o.PpoEpochs}", "use 1 (strictly on-policy)");
        int batch = c.Data.BatchSize * c.Rollout.N;
        int mini = o.MiniBatch ?? batch;
        Check(mini >= 1 && batch % mini == 0, "optim.mini_batch", $"({mini}) does not divide the batch of data.batch_size × rollout.n = {batch} responses",
            $"use a divisor of {batch}, e.g. {LargestDivisorAtMost(batch, Math.Max(1, mini))}, or null for one update per batch");
        Check(o.MicroBatch >= 1 && mini % o.MicroBatch == 0, "optim.micro_batch", $"({o.MicroBatch}) does not divide the mini-batch of {mini} responses",
            $"use a divisor of {mini}, e.g. {LargestDivisorAtMost(mini, Math.Max(1, o.MicroBatch))}");

        ShapingValidation.Validate(c);

        // trainer and reward
        StageValidation.Validate(c);
        var t = c.Trainer;
        Check(t.Steps >= 1, "trainer.steps", $"must be ≥ 1, got {t.Steps}", "set e.g. trainer.steps=100");
        Check(c.Sft.Epochs >= 1, "sft.epochs", $"must be ≥ 1, got {c.Sft.Epochs}", "use 1–3");
        Check(c.Sft.MaxSteps >= 0, "sft.max_steps", $"must be ≥ 0, got {c.Sft.MaxSteps}", "use 0 for no cap");
        Check(c.Sft.MaxLength >= 2, "sft.max_length", $"must be ≥ 2, got {c.Sft.MaxLength}", "use e.g. 2048");
        Check(t.Threads >= 0, "trainer.threads", $"must be ≥ 0, got {t.Threads}", "use 0 for every core");
        Check(t.SaveEvery >= 0 && t.KeepLast >= 0 && t.EvalEvery >= 0 && t.CompletionsEvery >= 0, "trainer.save_every", "save_every, keep_last, eval_every and completions_every must be ≥ 0", "use 0 to disable");
        Check(t.LogEvery >= 1, "trainer.log_every", $"must be ≥ 1, got {t.LogEvery}", "use 1");
        Check(t.CriticWarmup >= 0 && (t.CriticWarmup == 0 || a.AdvEstimator == "gae"), "trainer.critic_warmup",
            $"is {t.CriticWarmup}, but it must be ≥ 0 and only applies with a critic (adv_estimator gae, got {a.AdvEstimator})", "use 0, or set algorithm.adv_estimator=gae");
        Check(!string.IsNullOrWhiteSpace(t.RunDir), "trainer.run_dir", "is empty", "set trainer.run_dir=runs/<name>");
        Check(c.Reward.Count > 0, "reward", "lists no reward function", "add e.g. reward=[{name: math_accuracy, weight: 1.0}]");
        for (int i = 0; i < c.Reward.Count; i++)
        {
            Check(!string.IsNullOrWhiteSpace(c.Reward[i].Name), $"reward.{i}.name", "is empty", "name a registered reward function such as math_accuracy");
            Check(double.IsFinite(c.Reward[i].Weight), $"reward.{i}.weight", $"must be finite, got {c.Reward[i].Weight}", "use e.g. 1.0");
        }
    }

    /// <summary>Offline and online pass-rate bands and the Gaussian difficulty sampler.</summary>
    private static void PassRates(RunConfig c)
    {
        var d = c.Data;
        var f = c.Algorithm.PassRateFilter;
        if (d.MinPassRate is double min) Check(min >= 0 && min <= 1, "data.min_pass_rate", $"must be in [0, 1], got {min}", "use e.g. 0.0625 (1/16) or null");
        if (d.MaxPassRate is double max) Check(max >= 0 && max <= 1, "data.max_pass_rate", $"must be in [0, 1], got {max}", "use e.g. 0.9375 (15/16) or null");
        if (d.MinPassRate is double lo && d.MaxPassRate is double hi)
            Check(lo <= hi, "data.min_pass_rate", $"({lo}) is above data.max_pass_rate ({hi}); every prompt would be dropped", "swap them or set one to null");
        Check(!string.IsNullOrWhiteSpace(d.PassRateKey), "data.pass_rate_key", "is empty", "use pass_rate (the field verity data difficulty writes)");
        Check(d.TopFraction > 0 && d.TopFraction <= 1, "data.top_fraction", $"must be in (0, 1], got {d.TopFraction}", "use 0.25, 0.5, 0.75 or 1 (all prompts)");
        Check(d.TopFraction == 1 || !string.IsNullOrWhiteSpace(d.ScoreKey), "data.top_fraction", $"({d.TopFraction}) ranks prompts by a score, but data.score_key is not set",
            "set data.score_key to the JSON field holding each prompt's score, or data.top_fraction=1");
        if (d.Sampler == "gaussian_difficulty")
            Check(d.GaussianStd > 0 && double.IsFinite(d.GaussianMean), "data.gaussian_std", $"must be > 0 (with a finite data.gaussian_mean), got {d.GaussianStd}", "use 0.1 (seed note 002)");
        if (f.Enable)
        {
            Check(f.Low >= 0 && f.High <= 1 && f.Low <= f.High, "algorithm.pass_rate_filter.low",
                $"and high must satisfy 0 ≤ low ≤ high ≤ 1, got [{f.Low}, {f.High}]", "use e.g. low 0.0625, high 0.9375 (drop all-wrong and all-correct groups at n = 16)");
            Check(c.Rollout.N >= 2, "algorithm.pass_rate_filter.enable", "needs groups: with rollout.n=1 a pass rate is 0 or 1", "set rollout.n ≥ 2 (Skywork-OR1: 16)");
        }
    }

    private static void Check(bool ok, string key, string problem, string fix)
    {
        if (!ok) throw new InvalidDataException($"config: {key} {problem}. HINT: {fix}");
    }

    private static void Name<T>(IReadOnlyDictionary<string, T> registry, string name, string key)
    {
        if (!registry.ContainsKey(name))
            throw new InvalidDataException($"config: {key} '{name}' is not known. HINT: use one of: {string.Join(", ", registry.Keys.Order(StringComparer.Ordinal))}");
    }

    private static void OneOf(string[] known, string name, string key)
    {
        if (!known.Contains(name)) throw new InvalidDataException($"config: {key} '{name}' is not known. HINT: use one of: {string.Join(", ", known)}");
    }

    private static int LargestDivisorAtMost(int n, int limit)
    {
        for (int d = Math.Min(n, limit); d > 1; d--) if (n % d == 0) return d;
        return 1;
    }
}
