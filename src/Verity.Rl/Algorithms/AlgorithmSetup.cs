using Verity.Rl.Algorithms.Advantages;
using Verity.Rl.Algorithms.Aggregation;
using Verity.Rl.Algorithms.Daro;
using Verity.Rl.Algorithms.Entropy;
using Verity.Rl.Algorithms.Kl;
using Verity.Rl.Algorithms.Losses;
using Verity.Rl.Config;

namespace Verity.Rl.Algorithms;

/// <summary>
/// Every algorithm choice of a validated config resolved once from the registries, plus the stateful
/// controllers (KL β, entropy α, DARO weights) that live across steps. The trainer asks it for the actor
/// settings of each step.
/// </summary>
public sealed class AlgorithmSetup
{
    public required AdvantageEstimator Advantage { get; init; }
    public required AdvantageOptions AdvantageOptions { get; init; }
    public required PolicyLoss PolicyLoss { get; init; }
    public required PolicyLossOptions PolicyOptions { get; init; }
    public required TokenWeights Aggregation { get; init; }
    /// <summary>L_max for the dr_grpo normalizer (rollout.max_new_tokens).</summary>
    public required int MaxLength { get; init; }
    public required KlEstimator Kl { get; init; }
    /// <summary>KL goes into the token rewards (then the actor loss has no KL term).</summary>
    public required bool KlInReward { get; init; }
    public required IKlController KlController { get; init; }
    public required IEntropyController EntropyController { get; init; }
    public required double SftCoefficient { get; init; }
    /// <summary>Fixed per-sample weighting (unified view), or null; unused when <see cref="Daro"/> is set.</summary>
    public SampleWeighting? SampleWeighting { get; init; }
    /// <summary>Learnable DARO weights, or null when algorithm.daro.enable is false.</summary>
    public DaroWeights? Daro { get; init; }

    public static AlgorithmSetup From(RunConfig config)
    {
        config.Validate();
        var a = config.Algorithm;
        return new AlgorithmSetup
        {
            Advantage = AdvantageEstimators.Get(a.AdvEstimator),
            AdvantageOptions = new AdvantageOptions { Epsilon = a.AdvEpsilon, Gamma = a.Gamma, Lambda = a.Lam },
            PolicyLoss = PolicyLosses.Get(a.PolicyLoss),
            PolicyOptions = new PolicyLossOptions
            {
                EpsilonLow = a.EpsilonLow, EpsilonHigh = a.EpsilonHigh, DualClip = a.DualClipC,
                GppoBetaLow = a.GppoBetaLow, GppoBetaHigh = a.GppoBetaHigh,
            },
            Aggregation = LossAggregations.Get(a.LossAggMode),
            MaxLength = config.Rollout.MaxNewTokens,
            Kl = KlEstimators.Get(a.Kl.Type),
            KlInReward = a.Kl.InReward,
            KlController = a.Kl.Adaptive ? new AdaptiveKlController(a.Kl.Coef, a.Kl.Target, a.Kl.Horizon) : new FixedKlController(a.Kl.Coef),
            EntropyController = a.Entropy.Adaptive
                ? new AdaptiveEntropyController(a.Entropy.Coef, a.Entropy.Target, a.Entropy.Delta, a.Entropy.Min, a.Entropy.Max)
                : new FixedEntropyController(a.Entropy.Coef),
            SftCoefficient = a.SftCoef,
            SampleWeighting = a.SampleWeighting is null ? null : SampleWeightings.Get(a.SampleWeighting),
            Daro = a.Daro.Enable ? new DaroWeights(config.Rollout.N, a.Daro.InitWeight) : null,
        };
    }

    /// <summary>The actor-loss pieces for this step, given the current mean token entropy (for the adaptive gate).</summary>
    public ActorLossSettings ActorSettings(double currentEntropy) => new()
    {
        PolicyLoss = PolicyLoss,
        PolicyOptions = PolicyOptions,
        Aggregation = Aggregation,
        Kl = KlInReward ? null : Kl,
        KlCoefficient = KlInReward ? 0 : KlController.Coefficient,
        EntropyCoefficient = EntropyController.Coefficient(currentEntropy),
        SftCoefficient = SftCoefficient,
    };
}
