using System.Diagnostics;
using Verity.Engine.Model;
using Verity.Engine.Optim;
using Verity.Rl.Algorithms;
using Verity.Rl.Algorithms.Aggregation;
using Verity.Rl.Config;

namespace Verity.Rl.Training;

/// <summary>
/// The critic's part of a PPO step (adv_estimator gae), called from <see cref="RlStep"/>: before GAE, the values
/// V(s_t) of the pre-update critic; after GAE, the value-loss updates over the same epochs, mini-batches and
/// micro-batches as the actor (the two models share no parameters, so running them one after the other equals
/// interleaving them). V(s_t) is read on the engine row that predicts response token t, the row whose log-prob
/// the actor uses (verl: values[:, -response_length-1 : -1]).
/// </summary>
public static class CriticStep
{
    /// <summary>Response-layout values [B·T] of the critic as it is now (no gradients kept).</summary>
    public static double[] Values(Critic critic, IReadOnlyList<RlSample> samples, int width, int micro)
    {
        var result = new double[samples.Count * width];
        for (int u0 = 0; u0 < samples.Count; u0 += micro)
        {
            var mb = Micro(samples, u0, Math.Min(samples.Count, u0 + micro), width);
            var values = critic.Model.Forward(ValueBatch(mb), keepActivations: false).Values!;
            mb.Gather(values).CopyTo(result, u0 * width);
        }
        return result;
    }

    /// <summary>
    /// Trains the critic on the GAE returns with the clipped value loss, aggregated with loss_agg_mode, and adds
    /// the critic/* metrics (verl's names). <paramref name="oldValues"/> are the values GAE used; mask is the
    /// step batch's response mask [B·T].
    /// </summary>
    public static void Update(Critic critic, IReadOnlyList<RlSample> samples, int width, ReadOnlySpan<double> mask,
        double[] oldValues, double[] returns, RunConfig cfg, AlgorithmSetup setup, Dictionary<string, double> metrics)
    {
        var clock = Stopwatch.StartNew();
        int B = samples.Count, T = width;
        int micro = Math.Max(1, cfg.Optim.MicroBatch);
        int miniBatch = Math.Min(B, cfg.Optim.MiniBatch ?? B);
        double lossSum = 0, clipped = 0, tokens = 0, vpredSum = 0, gradNormSum = 0;
        int updates = 0;
        for (int epoch = 0; epoch < cfg.Optim.PpoEpochs; epoch++)
        {
            for (int m0 = 0; m0 < B; m0 += miniBatch)
            {
                int m1 = Math.Min(B, m0 + miniBatch);
                var normalizer = LossNormalizer.ForMiniBatch(mask.Slice(m0 * T, (m1 - m0) * T), T, setup.MaxLength);
                critic.Model.ZeroGrad();
                for (int u0 = m0; u0 < m1; u0 += micro)
                {
                    var (result, vpred) = Accumulate(critic, samples, u0, Math.Min(m1, u0 + micro), T, mask, oldValues, returns, setup.Aggregation, normalizer);
                    lossSum += result.Loss;
                    clipped += result.ClippedTokens;
                    tokens += result.Tokens;
                    vpredSum += vpred;
                }
                gradNormSum += GradientOps.ClipGlobalNorm(critic.Optimizer.Parameters, critic.GradClip);
                critic.Optimizer.Step(critic.LearningRate);
                updates++;
            }
        }

        metrics["critic/vf_loss"] = lossSum / updates;
        metrics["critic/vf_clipfrac"] = tokens > 0 ? clipped / tokens : 0;
        metrics["critic/vpred_mean"] = tokens > 0 ? vpredSum / tokens : 0;
        metrics["critic/grad_norm"] = gradNormSum / updates;
        metrics["critic/lr"] = critic.LearningRate;
        AddDataMetrics(oldValues, returns, mask, metrics);
        metrics["time/update_critic"] = clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// One micro-batch [u0, u1): forward, clipped value loss with the mini-batch's normalizer, backward (adds into the
    /// critic's gradients). Returns the aggregated loss and the sum of the new values over its response tokens.
    /// </summary>
    internal static (CriticLossResult Loss, double ValueSum) Accumulate(Critic critic, IReadOnlyList<RlSample> samples, int u0, int u1, int T,
        ReadOnlySpan<double> mask, double[] oldValues, double[] returns, TokenWeights aggregation, LossNormalizer normalizer)
    {
        var mb = Micro(samples, u0, u1, T);
        var engine = ValueBatch(mb);
        var values = mb.Gather(critic.Model.Forward(engine).Values!);
        var input = new CriticLossInput
        {
            Values = values,
            OldValues = oldValues.AsSpan(u0 * T, (u1 - u0) * T).ToArray(),
            Returns = returns.AsSpan(u0 * T, (u1 - u0) * T).ToArray(),
            Mask = mask.Slice(u0 * T, (u1 - u0) * T).ToArray(),
            Tokens = T,
        };
        var gradValues = new double[values.Length];
        var result = CriticLoss.Compute(input, aggregation, normalizer, critic.ValueClip, gradValues);
        critic.Model.Backward(engine, new float[engine.Rows], default, mb.Scatter(gradValues));
        double sum = 0;
        for (int i = 0; i < values.Length; i++) sum += input.Mask[i] != 0 ? values[i] : 0;
        return (result, sum);
    }

    /// <summary>
    /// verl's data metrics of a critic run over the step's response tokens: critic/values/mean, critic/returns/mean
    /// and critic/vf_explained_var = 1 − Var(ret − V)/(Var(ret) + 1e-5) (unbiased variances, as torch.var).
    /// </summary>
    public static void AddDataMetrics(ReadOnlySpan<double> values, ReadOnlySpan<double> returns, ReadOnlySpan<double> mask, Dictionary<string, double> metrics)
    {
        var v = new List<double>();
        var r = new List<double>();
        for (int i = 0; i < mask.Length; i++)
            if (mask[i] != 0) { v.Add(values[i]); r.Add(returns[i]); }
        if (v.Count == 0) return;
        metrics["critic/values/mean"] = v.Average();
        metrics["critic/returns/mean"] = r.Average();
        var diff = r.Zip(v, (x, y) => x - y).ToList();
        metrics["critic/vf_explained_var"] = 1 - UnbiasedVariance(diff) / (UnbiasedVariance(r) + 1e-5);
    }

    static double UnbiasedVariance(IReadOnlyList<double> x)
    {
        if (x.Count < 2) return 0;
        double mean = x.Average(), ss = 0;
        foreach (var e in x) ss += (e - mean) * (e - mean);
        return ss / (x.Count - 1);
    }

    internal static SequenceBatch Micro(IReadOnlyList<RlSample> samples, int u0, int u1, int width)
    {
        var part = samples.Skip(u0).Take(u1 - u0).ToList();
        return new SequenceBatch(part.Select(s => s.PromptIds).ToList(), part.Select(s => s.ResponseIds).ToList(), responseWidth: width);
    }

    /// <summary>The micro-batch's engine rows with no row scored: the critic needs values, not the vocabulary head.</summary>
    internal static Batch ValueBatch(SequenceBatch mb)
    {
        var e = mb.Engine;
        return new Batch(e.B, e.T, e.Tokens, e.Lengths, e.Targets, e.PositionIds, e.SegmentIds, scoreMask: new bool[e.Rows]);
    }
}
