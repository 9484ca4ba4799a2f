using Verity.Rl.Algorithms.Aggregation;
using Verity.Rl.Algorithms.Kl;
using Verity.Rl.Algorithms.Losses;

namespace Verity.Rl.Algorithms;

/// <summary>One micro-batch of the actor update; per-token arrays are [B*T] with the mask's layout.</summary>
public sealed class ActorLossInput
{
    public required double[] LogProbs { get; init; }
    public required double[] OldLogProbs { get; init; }
    public required double[] Advantages { get; init; }
    public required double[] Mask { get; init; }
    /// <summary>T.</summary>
    public required int Tokens { get; init; }
    /// <summary>[B*T] frozen reference log-probs; required when a KL loss is configured.</summary>
    public double[]? RefLogProbs { get; init; }
    /// <summary>[B*T] token entropies H_t; required when the entropy coefficient is non-zero.</summary>
    public double[]? Entropies { get; init; }
    /// <summary>[B] per-sample weight on the policy-gradient term (DARO w_μ or a <see cref="Daro.SampleWeightings"/> entry); null = 1.</summary>
    public double[]? SequenceWeights { get; init; }
    /// <summary>[B] true for reward-positive samples, which get the SFT term; required when the SFT coefficient is non-zero.</summary>
    public bool[]? Positive { get; init; }
}

/// <summary>The pieces of the actor loss, resolved from the config once.</summary>
public sealed record ActorLossSettings
{
    public required PolicyLoss PolicyLoss { get; init; }
    public PolicyLossOptions PolicyOptions { get; init; } = new();
    public required TokenWeights Aggregation { get; init; }
    /// <summary>KL estimator for the KL loss; null = no KL loss.</summary>
    public KlEstimator? Kl { get; init; }
    /// <summary>β of the KL loss.</summary>
    public double KlCoefficient { get; init; }
    /// <summary>α of the entropy bonus (from an <see cref="Entropy.IEntropyController"/>).</summary>
    public double EntropyCoefficient { get; init; }
    /// <summary>λ of the SFT (NLL) term on reward-positive samples (Klear: 0.1).</summary>
    public double SftCoefficient { get; init; }
}

/// <summary>Aggregated values of one micro-batch (their sums over micro-batches are the mini-batch values).</summary>
public readonly record struct ActorLossResult(double Total, double PolicyLoss, double KlLoss, double Entropy, double SftLoss, PolicyLossStats Stats);

/// <summary>
/// The actor loss of verl's dp_actor plus Klear's SFT term, all aggregated with the same token weights w_t:
///   loss = Σ_t w_t·(s_b·ℓ_pg,t + β·kl_t − α·H_t) + λ·Σ_{t∈positive} w_t·(−lp_t)
///   ∂loss/∂lp_t = w_t·(s_b·g_pg,t + β·g_kl,t − λ·𝟙positive),   ∂loss/∂H_t = −α·w_t
/// where s_b is the per-sample weight. These two per-token gradients are exactly what the engine's
/// Backward consumes. The normalizer comes from the whole mini-batch (see <see cref="LossNormalizer"/>).
/// </summary>
public static class ActorLoss
{
    /// <summary>
    /// One micro-batch: writes ∂loss/∂lp and ∂loss/∂H [B*T]. The optional policyLossPerToken [B*T] receives
    /// w_t·ℓ_pg,t before the sample weight (what DARO sums per bucket, see
    /// <see cref="Daro.DaroWeights.AccumulateBucketLosses"/>); pass an empty span to skip it.
    /// </summary>
    public static ActorLossResult Compute(ActorLossInput input, ActorLossSettings settings, LossNormalizer normalizer,
        Span<double> gradLogProb, Span<double> gradEntropy, Span<double> policyLossPerToken = default)
    {
        var layout = TokenLayout.Of(input.Mask, input.Tokens);
        layout.Require(gradLogProb, "gradient of log-probs");
        layout.Require(gradEntropy, "gradient of entropies");
        if (!policyLossPerToken.IsEmpty) layout.Require(policyLossPerToken, "policy loss per token");
        int n = layout.Count, T = layout.Tokens;

        var weights = new double[n];
        settings.Aggregation(input.Mask, T, normalizer, weights);
        var pgLoss = new double[n];
        var pgGrad = new double[n];
        var stats = settings.PolicyLoss(new PolicyLossInput(input.LogProbs, input.OldLogProbs, input.Advantages, input.Mask, T),
            settings.PolicyOptions, pgLoss, pgGrad);

        double[]? kl = null, klGrad = null;
        if (settings.Kl is not null && settings.KlCoefficient != 0)
        {
            var reference = input.RefLogProbs ?? throw new ArgumentException("a KL loss needs reference log-probs. HINT: load the reference model (model.reference_path) or set algorithm.kl.coef=0");
            layout.Require(reference, "reference log-probs");
            kl = new double[n]; klGrad = new double[n];
            KlEstimators.Compute(settings.Kl, input.LogProbs, reference, input.Mask, kl, klGrad);
        }
        if (settings.EntropyCoefficient != 0 && input.Entropies is null)
            throw new ArgumentException("an entropy bonus needs token entropies. HINT: compute entropies in the forward pass or set algorithm.entropy.coef=0");
        if (settings.SftCoefficient != 0 && input.Positive is null)
            throw new ArgumentException("the SFT term needs the reward-positive flags per sequence. HINT: pass Positive or set algorithm.sft_coef=0");

        double policy = 0, klLoss = 0, entropy = 0, sft = 0;
        for (int b = 0; b < layout.Sequences; b++)
        {
            double s = input.SequenceWeights?[b] ?? 1;
            bool positive = input.Positive?[b] ?? false;
            for (int t = 0; t < T; t++)
            {
                int i = b * T + t;
                double w = weights[i];
                policy += w * s * pgLoss[i];
                if (!policyLossPerToken.IsEmpty) policyLossPerToken[i] = w * pgLoss[i];
                double g = s * pgGrad[i];
                if (kl is not null) { klLoss += w * kl[i]; g += settings.KlCoefficient * klGrad![i]; }
                if (input.Entropies is not null) entropy += w * input.Entropies[i];
                if (positive && settings.SftCoefficient != 0) { sft += -w * input.LogProbs[i]; g -= settings.SftCoefficient; }
                gradLogProb[i] = w * g;
                gradEntropy[i] = -settings.EntropyCoefficient * w;
            }
        }
        double total = policy + settings.KlCoefficient * klLoss - settings.EntropyCoefficient * entropy + settings.SftCoefficient * sft;
        return new ActorLossResult(total, policy, klLoss, entropy, sft, stats);
    }
}
