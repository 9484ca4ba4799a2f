namespace Verity.Rl.Algorithms.Advantages;

/// <summary>
/// What an advantage estimator reads. Shapes: B sequences, T padded tokens.
/// Sequences of one prompt share a group id; outcome rewards are scalars per sequence.
/// </summary>
public sealed class AdvantageBatch
{
    /// <summary>[B] outcome reward R_b of each sequence (sum of the weighted reward functions).</summary>
    public required double[] Rewards { get; init; }

    /// <summary>[B] group (prompt) id of each sequence; the n samples of one prompt share it.</summary>
    public required int[] Groups { get; init; }

    /// <summary>[B*T] 0/1 loss mask of response tokens.</summary>
    public required double[] Mask { get; init; }

    /// <summary>T, the padded response length.</summary>
    public required int Tokens { get; init; }

    /// <summary>[B*T] optional per-token rewards added before the outcome reward (e.g. −β·KL from <see cref="Kl.KlInReward"/>).</summary>
    public double[]? TokenRewards { get; init; }

    /// <summary>[B*T] critic values V_t, required by "gae".</summary>
    public double[]? Values { get; init; }

    internal TokenLayout Layout()
    {
        var layout = TokenLayout.Of(Mask, Tokens);
        if (Rewards.Length != layout.Sequences || Groups.Length != layout.Sequences)
            throw new ArgumentException($"rewards ({Rewards.Length}) and groups ({Groups.Length}) must have one entry per sequence (B={layout.Sequences}). HINT: B = mask length / T");
        if (TokenRewards is not null) layout.Require(TokenRewards, "token rewards");
        if (Values is not null) layout.Require(Values, "values");
        return layout;
    }
}

/// <summary>Knobs of the estimators (each reads the ones it needs). A class, not a record struct, so that
/// <c>new AdvantageOptions()</c> gets these defaults instead of zeros.</summary>
public sealed record AdvantageOptions
{
    /// <summary>Added to the group std in "grpo" / "lite_ppo" (verl 1e-6, TRL 1e-4, OpenRLHF 1e-9).</summary>
    public double Epsilon { get; init; } = 1e-6;
    /// <summary>Discount γ for "reinforce_pp" and "gae".</summary>
    public double Gamma { get; init; } = 1.0;
    /// <summary>GAE λ.</summary>
    public double Lambda { get; init; } = 1.0;
}

/// <summary>
/// Writes advantages [B*T] (zero outside the mask) and returns [B*T] (value targets for a critic; for
/// outcome estimators the same as the advantages).
/// </summary>
public delegate void AdvantageEstimator(AdvantageBatch batch, AdvantageOptions options, Span<double> advantages, Span<double> returns);

/// <summary>Advantage estimators keyed by <c>algorithm.adv_estimator</c>.</summary>
public static class AdvantageEstimators
{
    public static IReadOnlyDictionary<string, AdvantageEstimator> All { get; } = new Dictionary<string, AdvantageEstimator>
    {
        ["grpo"] = OutcomeAdvantages.Grpo,
        ["dr_grpo"] = OutcomeAdvantages.DrGrpo,
        ["lite_ppo"] = OutcomeAdvantages.LitePpo,
        ["rloo"] = OutcomeAdvantages.Rloo,
        ["reinforce_pp"] = ReinforcePlusPlus.Estimate,
        ["reinforce_pp_baseline"] = ReinforcePlusPlus.EstimateWithBaseline,
        ["gae"] = Gae.Estimate,
    };

    public static AdvantageEstimator Get(string name) => Registry.Resolve(All, name, "advantage estimator (algorithm.adv_estimator)");
}
