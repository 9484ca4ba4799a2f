namespace Verity.Rl.Config;

/// <summary>The RL algorithm: every choice here is a registered function keyed by its name.</summary>
public sealed record AlgorithmSection
{
    /// <summary>Advantage estimator: grpo (group mean/std), dr_grpo (group mean only; Liu et al. 2025), lite_ppo
    /// (group mean, batch std; Liu et al. 2025 "Tricks or Traps"), rloo (leave-one-out mean), reinforce_pp and
    /// reinforce_pp_baseline (REINFORCE++, Hu 2025: return-to-go, global whitening), gae (critic, Schulman 2016).</summary>
    public string AdvEstimator { get; init; } = "grpo";

    /// <summary>ε added to the group std by grpo and lite_ppo, so an all-equal group gets advantage 0
    /// (verl 1e-6, TRL 1e-4).</summary>
    public double AdvEpsilon { get; init; } = 1e-6;

    /// <summary>Discount γ of reinforce_pp and gae. 1.0 for outcome rewards.</summary>
    public double Gamma { get; init; } = 1.0;

    /// <summary>GAE λ (verl and OpenRLHF default 1.0; classic PPO 0.95).</summary>
    public double Lam { get; init; } = 1.0;

    /// <summary>Policy loss: ppo_clip (with clip-higher and dual-clip), gspo (sequence-level ratio; Zheng et al.
    /// 2025), cispo (clipped IS weight, stop-gradient; MiniMax-M1), gppo (gradient-preserving clip; Klear-Reasoner),
    /// pg (plain policy gradient, strictly on-policy).</summary>
    public string PolicyLoss { get; init; } = "ppo_clip";

    /// <summary>How token losses are averaged: token_mean (every token equal; DAPO, recommended), seq_mean_token_mean
    /// (original GRPO; length-biased; required by gspo), seq_mean_token_sum, dr_grpo (Σ / (B × max_new_tokens)).
    /// Normalizers are computed over the whole mini-batch.</summary>
    public string LossAggMode { get; init; } = "token_mean";

    /// <summary>ε_low: the ratio is clipped below at 1 − ε_low. 0.2 (PPO); GSPO 3e-4; CISPO: 1.0 to drop the lower clip.</summary>
    public double EpsilonLow { get; init; } = 0.2;

    /// <summary>ε_high: the ratio is clipped above at 1 + ε_high. DAPO's clip-higher uses 0.28 against entropy
    /// collapse; GSPO 4e-4; CISPO 4.0 (cap r ≤ 5: TRL's epsilon_high=5.0 is an absolute cap, not 1 + ε). Must be ≥ epsilon_low.</summary>
    public double EpsilonHigh { get; init; } = 0.2;

    /// <summary>Dual-clip constant c &gt; 1 bounding the loss of negative-advantage tokens whose ratio exploded
    /// (Ye et al. 2020); null disables it. verl 3.0, DAPO/Klear 10.</summary>
    public double? DualClipC { get; init; }

    /// <summary>GPPO β₁: gradient scale of negative-advantage tokens below 1 − ε_low (Klear: 1.0, later 0.25–0.5
    /// against entropy collapse).</summary>
    public double GppoBetaLow { get; init; } = 1.0;

    /// <summary>GPPO β₂: gradient scale of positive-advantage tokens above 1 + ε_high (Klear: 1.0).</summary>
    public double GppoBetaHigh { get; init; } = 1.0;

    /// <summary>Critic value clipping range c around the rollout-time value (gae only; verl/OpenRLHF 0.5, TRL 0.2);
    /// null disables it.</summary>
    public double? ValueClip { get; init; } = 0.5;

    /// <summary>λ of the SFT (negative log-likelihood) term on reward-positive samples (Klear-Reasoner 0.1); 0 off.</summary>
    public double SftCoef { get; init; }

    /// <summary>Per-sample weight on the policy-gradient term from the DARO paper's unified view (arXiv 2510.09001):
    /// GRPO, DAPO, Lite PPO and Dr.GRPO are the GRPO token-mean loss with weight w_i = grpo 1, dapo 𝟙(0&lt;μ&lt;1),
    /// lite_ppo or dr_grpo √(μ(1−μ)), μ = the pass rate (reward &gt; 0) of the sample's group. null (default) = no
    /// weighting. Pair dr_grpo/lite_ppo with adv_estimator grpo to reproduce them from GRPO advantages. Needs
    /// rollout.n ≥ 2; cannot be combined with daro.enable (DARO learns its weights).</summary>
    public string? SampleWeighting { get; init; }

    /// <summary>KL regularization to the frozen reference model.</summary>
    public KlSection Kl { get; init; } = new();

    /// <summary>Entropy bonus and its adaptive controller.</summary>
    public EntropySection Entropy { get; init; } = new();

    /// <summary>DAPO dynamic sampling.</summary>
    public DynamicSamplingSection DynamicSampling { get; init; } = new();

    /// <summary>Online pass-rate filter on each step's groups.</summary>
    public PassRateFilterSection PassRateFilter { get; init; } = new();

    /// <summary>Handling of responses cut at max_new_tokens.</summary>
    public OverlongSection Overlong { get; init; } = new();

    /// <summary>DARO learnable per-difficulty weights.</summary>
    public DaroSection Daro { get; init; } = new();
}

/// <summary>KL to the reference: as a loss term, or subtracted from the reward.</summary>
public sealed record KlSection
{
    /// <summary>Estimator of KL(π‖π_ref) per token from δ = log π − log π_ref: k1 (δ), k2 (δ²/2), k3 (e^−δ − 1 + δ,
    /// non-negative, low variance; GRPO's choice).</summary>
    public string Type { get; init; } = "k3";

    /// <summary>β: weight of the KL loss, or of the KL penalty in the reward when in_reward is true. 0 disables KL and
    /// the reference model (DAPO, Skywork, Klear, Dr.GRPO, GSPO); GRPO paper 0.04; verl kl_loss_coef 0.001.</summary>
    public double Coef { get; init; }

    /// <summary>Put −β·kl(log π_old − log π_ref) into the token rewards before the advantage estimator (classic PPO,
    /// REINFORCE++; verl apply_kl_penalty) instead of a KL loss term; logged as kl (mean per-token KL) and kl_coef
    /// (β). Token-level estimators (reinforce_pp, reinforce_pp_baseline) take the per-token penalties; outcome
    /// estimators (grpo, rloo, ...) see R − β·Σ_t kl_t per sequence (TRL RLOO). REINFORCE++ paper: k1, β 0.01.
    /// Default false (a KL loss when coef &gt; 0).</summary>
    public bool InReward { get; init; }

    /// <summary>Adapt β toward target (Ziegler et al. 2019): β ← β·(1 + clip(KL/target − 1, ±0.2)·n/horizon).
    /// Requires in_reward.</summary>
    public bool Adaptive { get; init; }

    /// <summary>Target KL of the adaptive controller.</summary>
    public double Target { get; init; } = 0.1;

    /// <summary>Horizon (in samples) of the adaptive controller: larger adapts more slowly.</summary>
    public double Horizon { get; init; } = 10000;
}

/// <summary>Entropy bonus: loss −= α·mean token entropy.</summary>
public sealed record EntropySection
{
    /// <summary>α of the bonus, or its starting value when adaptive. 0 off (verl default since 0.3).</summary>
    public double Coef { get; init; }

    /// <summary>Skywork-OR1 adaptive control: after each step α ± delta toward keeping entropy at target, clipped to
    /// [min, max]; the bonus is only applied while entropy &lt; target.</summary>
    public bool Adaptive { get; init; }

    /// <summary>Target mean token entropy of the adaptive controller (Skywork-OR1: 0.2).</summary>
    public double Target { get; init; } = 0.2;

    /// <summary>Step Δ of α per training step (Skywork-OR1 7B: 1e-4).</summary>
    public double Delta { get; init; } = 1e-4;

    /// <summary>Lower bound of α.</summary>
    public double Min { get; init; }

    /// <summary>Upper bound of α (Skywork-OR1 7B: 0.005).</summary>
    public double Max { get; init; } = 0.005;
}

/// <summary>DAPO dynamic sampling: groups whose rewards all agree carry no gradient.</summary>
public sealed record DynamicSamplingSection
{
    /// <summary>Drop groups whose reward std is 0 and keep generating rounds of data.gen_batch_size prompts until
    /// data.batch_size groups remain; the first batch_size kept groups are trained on (DAPO, arXiv 2503.14476).
    /// Also refills groups dropped by pass_rate_filter. Needs rollout.n ≥ 2. Metrics dynamic_sampling/*.</summary>
    public bool Enable { get; init; }

    /// <summary>Generation rounds per step at most (DAPO: 10); bounds the cost. When they run out the step trains
    /// on the groups kept so far and logs dynamic_sampling/batch_full = 0.</summary>
    public int MaxGenBatches { get; init; } = 10;
}

/// <summary>Online pass-rate filter (Skywork-OR1, AceReason): a group's pass rate is the fraction of its scored
/// responses with reward &gt; 0; groups outside [low, high] are dropped before the advantages.</summary>
public sealed record PassRateFilterSection
{
    /// <summary>Turn the filter on; with dynamic_sampling.enable the dropped groups are refilled. Metric
    /// pass_rate_filter/frac_dropped.</summary>
    public bool Enable { get; init; }

    /// <summary>Lowest pass rate kept (e.g. 0.0625 = 1/16 drops all-wrong groups).</summary>
    public double Low { get; init; }

    /// <summary>Highest pass rate kept (Skywork-OR1 stage 2+: 0.375 = 6/16; 0.9375 drops all-correct groups at n = 16).</summary>
    public double High { get; init; } = 1.0;
}

/// <summary>Responses truncated at rollout.max_new_tokens.</summary>
public sealed record OverlongSection
{
    /// <summary>Overlong filtering (DAPO, DeepCoder): responses cut at rollout.max_new_tokens (finish = length, no
    /// end-of-sequence or stop string) get loss mask 0, so a truncated reasoning chain is not punished for being
    /// cut; they still count in their group's reward statistics (TRL mask_truncated_completions). Logged as
    /// overlong/filtered_ratio. Default false; DAPO's ablation: +6 points AIME.</summary>
    public bool Filter { get; init; }

    /// <summary>Soft overlong punishment (DAPO, arXiv 2503.14476): with L_max = rollout.max_new_tokens and |y| the
    /// response length in tokens, reward += min(−(|y| − (L_max − buffer_len))/buffer_len × penalty_factor, 0): 0 up
    /// to L_max − buffer_len, then linearly down to −penalty_factor at L_max. Applied to non-void rewards before
    /// group statistics; logged as overlong/penalty_mean. Do not also list the soft_overlong reward. Default false
    /// (DAPO preset: true).</summary>
    public bool Punish { get; init; }

    /// <summary>Length of the punishment buffer before L_max (DAPO: 4096 of 20480).</summary>
    public int BufferLen { get; init; } = 4096;

    /// <summary>Punishment at L_max (DAPO: 1.0).</summary>
    public double PenaltyFactor { get; init; } = 1.0;
}

/// <summary>DARO (arXiv 2510.09001): one learnable weight w_μ per pass-rate bucket, L = Σ_μ (w_μ·L_μ − ln w_μ).</summary>
public sealed record DaroSection
{
    /// <summary>Enable DARO: groups with pass rate μ ∈ {1/n … (n−1)/n} are weighted by learnable w_μ (μ = 0, 1
    /// dropped); at the optimum w_μ = 1/L_μ, so every difficulty contributes equally. Needs rollout.n ≥ 2.</summary>
    public bool Enable { get; init; }

    /// <summary>Initial value of every w_μ.</summary>
    public double InitWeight { get; init; } = 1.0;

    /// <summary>Learning rate of the weights: after each optimizer step, ln w_μ −= weight_lr·(w_μ·|L_μ| − 1) for every
    /// bucket present in the mini-batch (a gradient step on ln w, so w stays positive). Weights are logged as
    /// daro/weight_&lt;μ&gt; and saved in checkpoints. Default 0.01.</summary>
    public double WeightLr { get; init; } = 0.01;

    /// <summary>Positive magnitude of L_μ used for the weight update: abs (|L_μ| of the token-mean pg loss) or
    /// approx (the paper's |Σ_pos|o| − Σ_neg|o|| / L · √(μ(1−μ))).</summary>
    public string LossMeasure { get; init; } = "abs";
}
