using Verity.Rl.Algorithms.Aggregation;
using Verity.Rl.Algorithms.Losses;

namespace Verity.Rl.Algorithms;

/// <summary>One micro-batch of the critic update; per-token arrays are [B*T] with the mask's layout.</summary>
public sealed class CriticLossInput
{
    /// <summary>V_t of the critic being trained.</summary>
    public required double[] Values { get; init; }
    /// <summary>V_t of the critic before this step's updates (the values GAE used): the clip centre.</summary>
    public required double[] OldValues { get; init; }
    /// <summary>GAE returns A_t + V_old,t: the regression targets.</summary>
    public required double[] Returns { get; init; }
    public required double[] Mask { get; init; }
    /// <summary>T.</summary>
    public required int Tokens { get; init; }
}

/// <summary>Aggregated value loss of one micro-batch (sums over micro-batches give the mini-batch loss) and clip counts.</summary>
public readonly record struct CriticLossResult(double Loss, double ClippedTokens, double Tokens);

/// <summary>
/// verl's critic loss: vf_loss = agg(0.5·max((V − ret)², (clip(V, V_old ± c) − ret)²)) with the actor's
/// loss_agg_mode, i.e. Σ_t w_t·ℓ_t with the same token weights w_t, so ∂loss/∂V_t = w_t·∂ℓ_t/∂V_t.
/// The normalizer comes from the whole mini-batch (see <see cref="LossNormalizer"/>), so micro-batching does
/// not change the gradient.
/// </summary>
public static class CriticLoss
{
    /// <summary>Writes ∂loss/∂V [B*T] of one micro-batch. <paramref name="clip"/> null: no value clipping.</summary>
    public static CriticLossResult Compute(CriticLossInput input, TokenWeights aggregation, LossNormalizer normalizer, double? clip, Span<double> gradValues)
    {
        var layout = TokenLayout.Of(input.Mask, input.Tokens);
        layout.Require(input.Values, "values");
        layout.Require(input.OldValues, "old values");
        layout.Require(input.Returns, "returns");
        layout.Require(gradValues, "gradient of values");
        int n = layout.Count;

        var weights = new double[n];
        aggregation(input.Mask, input.Tokens, normalizer, weights);
        var perToken = new double[n];
        var grad = new double[n];
        double clipFraction = ValueLoss.Compute(input.Values, input.OldValues, input.Returns, input.Mask, clip, perToken, grad);
        for (int i = 0; i < n; i++) gradValues[i] = weights[i] * grad[i];

        double tokens = 0;
        foreach (var m in input.Mask) tokens += m != 0 ? 1 : 0;
        return new CriticLossResult(LossAggregations.Aggregate(perToken, weights), clipFraction * tokens, tokens);
    }
}
