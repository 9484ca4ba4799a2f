using Verity.Rl.Algorithms;
using Verity.Rl.Algorithms.Aggregation;

namespace Verity.Rl.Tests.Algorithms;

public class CriticLossTests
{
    private const int B = 3, T = 4;
    private static readonly double[] Mask = [1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1];

    private static CriticLossInput Input(double[] values, double[] old, double[] returns, int b0 = 0, int b1 = B) => new()
    {
        Values = values[(b0 * T)..(b1 * T)], OldValues = old[(b0 * T)..(b1 * T)], Returns = returns[(b0 * T)..(b1 * T)],
        Mask = Mask[(b0 * T)..(b1 * T)], Tokens = T,
    };

    [Fact]
    public void Aggregated_value_loss_matches_the_verl_formula_by_hand()
    {
        // token_mean over 9 tokens of 0.5·max((V−ret)², (clip(V, V_old ± 0.5) − ret)²)
        double[] v = [1, 0, 0, 9, 0.2, 0, 9, 9, 0, 0, 0, 2];
        double[] old = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        double[] ret = [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3];
        var grad = new double[B * T];
        var r = CriticLoss.Compute(Input(v, old, ret), LossAggregations.Get("token_mean"), LossNormalizer.ForMiniBatch(Mask, T, T), 0.5, grad);
        // token 0: plain 0.5·1 = 0.5 vs clipped 0.5·0.25 → plain; token 11: plain 0.5·1 vs clipped 0.5·2.5² = 3.125 → clipped
        // token 1: plain 0.5·1 = 0.5, token 4: 0.5·0.04 = 0.02
        Numerics.Close((0.5 + 0.5 + 0.02 + 3.125) / 9, r.Loss, 1e-15);
        Numerics.Close(1, r.ClippedTokens, 1e-12);
        Assert.Equal(9, r.Tokens);
        Numerics.AllClose([1 / 9.0, -1 / 9.0, 0, 0, 0.2 / 9, 0, 0, 0, 0, 0, 0, 0], grad, 1e-15);
    }

    [Theory]
    [InlineData("token_mean")]
    [InlineData("seq_mean_token_mean")]
    [InlineData("seq_mean_token_sum")]
    [InlineData("dr_grpo")]
    public void Value_loss_gradient_matches_float64_finite_differences(string mode)
    {
        var rng = new Random(11);
        var v = Numerics.Random(rng, B * T, -1, 1);
        // half the tokens moved far past the clip range (clipped branch, zero gradient), half well inside it
        var old = v.Select((x, i) => x + (i % 2 == 0 ? 0.05 : 0.6) * (rng.Next(2) * 2 - 1)).ToArray();
        var ret = Numerics.Random(rng, B * T, -2, 2);
        var agg = LossAggregations.Get(mode);
        var normalizer = LossNormalizer.ForMiniBatch(Mask, T, 6);
        var grad = new double[B * T];
        CriticLoss.Compute(Input(v, old, ret), agg, normalizer, 0.2, grad);

        double f(double[] x) => CriticLoss.Compute(Input(x, old, ret), agg, normalizer, 0.2, new double[B * T]).Loss;
        Numerics.AllClose(Numerics.Gradient(f, v), grad, 1e-8, mode);
        Assert.Contains(grad.Where((_, i) => Mask[i] != 0), g => g == 0);
        Assert.Contains(grad, g => g != 0);
    }

    [Fact]
    public void Micro_batch_losses_and_gradients_sum_to_the_mini_batch_ones()
    {
        var rng = new Random(2);
        var v = Numerics.Random(rng, B * T, -1, 1);
        var old = Numerics.Random(rng, B * T, -1, 1);
        var ret = Numerics.Random(rng, B * T, -1, 1);
        var agg = LossAggregations.Get("seq_mean_token_mean");
        var normalizer = LossNormalizer.ForMiniBatch(Mask, T, T);
        var whole = new double[B * T];
        var full = CriticLoss.Compute(Input(v, old, ret), agg, normalizer, 0.3, whole);

        var g0 = new double[T];
        var g1 = new double[2 * T];
        var first = CriticLoss.Compute(Input(v, old, ret, 0, 1), agg, normalizer, 0.3, g0);
        var rest = CriticLoss.Compute(Input(v, old, ret, 1, 3), agg, normalizer, 0.3, g1);
        Numerics.Close(full.Loss, first.Loss + rest.Loss, 1e-15);
        Numerics.AllClose(whole, [.. g0, .. g1], 0);
    }
}
