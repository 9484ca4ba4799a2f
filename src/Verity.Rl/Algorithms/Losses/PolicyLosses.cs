namespace Verity.Rl.Algorithms.Losses;

/// <summary>Per-token inputs of a policy loss, all [B*T] with the mask's layout.</summary>
public readonly ref struct PolicyLossInput
{
    /// <summary>lp: log π_θ(token) under the current parameters.</summary>
    public readonly ReadOnlySpan<double> LogProbs;
    /// <summary>lo: log-prob under the policy that sampled (old / behaviour policy).</summary>
    public readonly ReadOnlySpan<double> OldLogProbs;
    /// <summary>A per token.</summary>
    public readonly ReadOnlySpan<double> Advantages;
    /// <summary>0/1 loss mask.</summary>
    public readonly ReadOnlySpan<double> Mask;
    /// <summary>T, padded tokens per sequence.</summary>
    public readonly int Tokens;

    public PolicyLossInput(ReadOnlySpan<double> logProbs, ReadOnlySpan<double> oldLogProbs, ReadOnlySpan<double> advantages, ReadOnlySpan<double> mask, int tokens)
    {
        LogProbs = logProbs; OldLogProbs = oldLogProbs; Advantages = advantages; Mask = mask; Tokens = tokens;
        var layout = TokenLayout.Of(mask, tokens);
        layout.Require(logProbs, "log-probs");
        layout.Require(oldLogProbs, "old log-probs");
        layout.Require(advantages, "advantages");
    }

    public TokenLayout Layout => TokenLayout.Of(Mask, Tokens);
}

/// <summary>Knobs of the clipped losses (each loss reads the ones it needs).</summary>
public sealed record PolicyLossOptions
{
    /// <summary>ε_low: ratio floor 1 − ε_low.</summary>
    public double EpsilonLow { get; init; } = 0.2;
    /// <summary>ε_high: ratio ceiling 1 + ε_high (DAPO clip-higher: 0.28).</summary>
    public double EpsilonHigh { get; init; } = 0.2;
    /// <summary>Dual-clip c &gt; 1 for A &lt; 0 (null = off).</summary>
    public double? DualClip { get; init; }
    /// <summary>GPPO β₁: gradient scale for A &lt; 0 ∧ r &lt; 1 − ε_low.</summary>
    public double GppoBetaLow { get; init; } = 1.0;
    /// <summary>GPPO β₂: gradient scale for A &gt; 0 ∧ r &gt; 1 + ε_high.</summary>
    public double GppoBetaHigh { get; init; } = 1.0;
}

/// <summary>Token counts for the clip metrics (TRL names clip_ratio/low_mean, clip_ratio/high_mean).</summary>
public record struct PolicyLossStats(int Tokens, int ClippedLow, int ClippedHigh, int DualClipped)
{
    public readonly PolicyLossStats Add(PolicyLossStats o) => new(Tokens + o.Tokens, ClippedLow + o.ClippedLow, ClippedHigh + o.ClippedHigh, DualClipped + o.DualClipped);
}

/// <summary>
/// Writes the per-token loss ℓ_t (to minimize) and g_t = ∂ℓ/∂lp_t, unweighted; the aggregation weights
/// multiply both afterwards. Zero outside the mask. Every loss here has the form g = −w(r, A)·A
/// (rl-anchors §2.2): w = r (PPO inside the trust region), 0 (PPO clipped), a bound (GPPO, CISPO), 1 (PG).
/// </summary>
public delegate PolicyLossStats PolicyLoss(in PolicyLossInput input, PolicyLossOptions options, Span<double> loss, Span<double> gradLogProb);

/// <summary>Policy losses keyed by <c>algorithm.policy_loss</c>.</summary>
public static class PolicyLosses
{
    public static IReadOnlyDictionary<string, PolicyLoss> All { get; } = new Dictionary<string, PolicyLoss>
    {
        ["ppo_clip"] = PpoClipLoss.Compute,
        ["gppo"] = GppoLoss.Compute,
        ["cispo"] = CispoLoss.Compute,
        ["gspo"] = GspoLoss.Compute,
        ["pg"] = PolicyGradientLoss.Compute,
    };

    public static PolicyLoss Get(string name) => Registry.Resolve(All, name, "policy loss (algorithm.policy_loss)");

    /// <summary>verl/OpenRLHF clamp lp − lo to ±20 before exp; outside, the ratio is constant (gradient 0).</summary>
    public const double MaxLogRatio = 20;

    internal static (double Ratio, bool Saturated) Ratio(double logProb, double oldLogProb)
    {
        double d = logProb - oldLogProb;
        bool saturated = Math.Abs(d) > MaxLogRatio;
        return (Math.Exp(Math.Clamp(d, -MaxLogRatio, MaxLogRatio)), saturated);
    }
}
