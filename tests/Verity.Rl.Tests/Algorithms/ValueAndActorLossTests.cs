using Verity.Rl.Algorithms;
using Verity.Rl.Algorithms.Aggregation;
using Verity.Rl.Algorithms.Kl;
using Verity.Rl.Algorithms.Losses;

namespace Verity.Rl.Tests.Algorithms;

public class ValueAndActorLossTests
{
    [Fact]
    public void Value_loss_takes_the_larger_of_plain_and_clipped_errors()
    {
        double[] loss = new double[3], grad = new double[3];
        // token 0: V inside the clip range → plain; token 1: V moved 1.0 past V_old with c = 0.5, clipped error larger
        double clipFraction = ValueLoss.Compute([1.0, 2.0, 7.0], [0.9, 1.0, 0], [0.0, 3.0, 0], [1, 1, 0], 0.5, loss, grad);
        Numerics.AllClose([0.5, 1.125, 0], loss, 1e-15);
        Numerics.AllClose([1.0, 0, 0], grad, 1e-15);
        Numerics.Close(0.5, clipFraction, 0);
    }

    [Fact]
    public void Value_loss_gradient_matches_finite_differences()
    {
        var rng = new Random(3);
        var v = Numerics.Random(rng, 12, -1, 1);
        var old = v.Select(x => x + (rng.NextDouble() - 0.5)).ToArray();
        var ret = Numerics.Random(rng, 12, -1, 1);
        var mask = Enumerable.Range(0, 12).Select(i => i % 5 == 4 ? 0.0 : 1.0).ToArray();
        double[] loss = new double[12], grad = new double[12];
        ValueLoss.Compute(v, old, ret, mask, 0.2, loss, grad);
        double f(double[] x) { var l = new double[12]; ValueLoss.Compute(x, old, ret, mask, 0.2, l, new double[12]); return l.Sum(); }
        Numerics.AllClose(Numerics.Gradient(f, v), grad, 1e-7);
        Assert.Contains(grad, g => g == 0);
        Assert.Contains(grad, g => g != 0);
    }

    [Fact]
    public void Actor_loss_gradients_match_finite_differences_with_kl_entropy_sft_and_sample_weights()
    {
        var rng = new Random(5);
        const int B = 3, T = 4;
        double[] mask = [1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1];
        var lo = Numerics.Random(rng, B * T, -2.5, -0.3);
        var lp = lo.Select(x => x + (rng.NextDouble() - 0.5) * 0.6).ToArray();
        var reference = lo.Select(x => x + (rng.NextDouble() - 0.5) * 0.4).ToArray();
        var a = Numerics.Random(rng, B * T, -1, 1);
        var h = Numerics.Random(rng, B * T, 0.1, 2);
        var settings = new ActorLossSettings
        {
            PolicyLoss = PolicyLosses.Get("ppo_clip"),
            PolicyOptions = new PolicyLossOptions { EpsilonLow = 0.2, EpsilonHigh = 0.28, DualClip = 3 },
            Aggregation = LossAggregations.Get("token_mean"),
            Kl = KlEstimators.Get("k3"),
            KlCoefficient = 0.05,
            EntropyCoefficient = 0.01,
            SftCoefficient = 0.1,
        };
        var normalizer = LossNormalizer.ForMiniBatch(mask, T, T);
        ActorLossInput Input(double[] logProbs, double[] entropies) => new()
        {
            LogProbs = logProbs, OldLogProbs = lo, Advantages = a, Mask = mask, Tokens = T,
            RefLogProbs = reference, Entropies = entropies, SequenceWeights = [1.5, 0.5, 2.0], Positive = [true, false, true],
        };
        double[] gradLp = new double[B * T], gradH = new double[B * T];
        var result = ActorLoss.Compute(Input(lp, h), settings, normalizer, gradLp, gradH);

        double f(double[] x) => ActorLoss.Compute(Input(x, h), settings, normalizer, new double[B * T], new double[B * T]).Total;
        double fh(double[] x) => ActorLoss.Compute(Input(lp, x), settings, normalizer, new double[B * T], new double[B * T]).Total;
        Numerics.AllClose(Numerics.Gradient(f, lp), gradLp, 1e-8, "d/dlp");
        Numerics.AllClose(Numerics.Gradient(fh, h), gradH, 1e-9, "d/dH");
        Numerics.Close(result.PolicyLoss + 0.05 * result.KlLoss - 0.01 * result.Entropy + 0.1 * result.SftLoss, result.Total, 1e-15);
        Assert.True(result.SftLoss > 0 && result.KlLoss > 0);
    }

    [Fact]
    public void Missing_reference_logprobs_with_a_kl_loss_names_the_fix()
    {
        var settings = new ActorLossSettings { PolicyLoss = PolicyLosses.Get("pg"), Aggregation = LossAggregations.Get("token_mean"), Kl = KlEstimators.Get("k1"), KlCoefficient = 0.1 };
        var input = new ActorLossInput { LogProbs = [0], OldLogProbs = [0], Advantages = [1], Mask = [1], Tokens = 1 };
        var ex = Assert.Throws<ArgumentException>(() => ActorLoss.Compute(input, settings, new LossNormalizer(1, 1, 1), new double[1], new double[1]));
        Assert.Contains("kl.coef=0", ex.Message);
    }
}
