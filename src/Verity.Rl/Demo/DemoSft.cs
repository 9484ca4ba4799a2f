using System.Diagnostics;
using System.Globalization;
using Verity.Data.Synthetic;
using Verity.Engine.Optim;
using Verity.Rl.Training;

namespace Verity.Rl.Demo;

/// <summary>
/// Supervised fine-tuning on the noisy teacher: fresh problems every step, linear warmup (a randomly
/// initialized transformer at lr 2e-3 without it sometimes stalls before learning to carry), then linear
/// decay to 10 %. Held-out probes along the way show the plateau RL starts from.
/// </summary>
public static class DemoSft
{
    public static void Run(DemoSession session, DemoOptions o, Random rng, TextWriter log, Stopwatch clock)
    {
        var optimizer = new AdamW(session.Model.Parameters, new AdamWOptions { LearningRate = o.SftLr, WeightDecay = 0.0 });
        for (int step = 1; step <= o.SftSteps; step++)
        {
            var examples = Enumerable.Range(0, o.SftBatch).Select(_ =>
            {
                var p = session.Task.SampleTrain(rng);
                return (session.Encode(p.Prompt), (int[])[.. session.Encode(ChainArithmeticTask.Demonstrate(p, rng, o.TeacherStepNoise)), session.EosId]);
            }).ToList();
            var (loss, _) = SftStep.Run(session.Model, optimizer, examples, LearningRate(o, step), gradClip: 1.0, microBatch: o.SftBatch);
            if (step % 100 == 0 || step == o.SftSteps)
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sft {step}/{o.SftSteps}  loss {loss:F3}  {clock.Elapsed.TotalSeconds:F0}s"));
            if (o.SftEvalEvery > 0 && step % o.SftEvalEvery == 0 && step < o.SftSteps)
            {
                var probe = DemoEvaluator.Evaluate(session, session.Model, o, salt: step);
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sft {step}: held-out avg@{o.K} {probe.AvgAtK:P1}, greedy {probe.Greedy:P1}"));
            }
        }
    }

    /// <summary>Linear warmup over <see cref="DemoOptions.SftWarmup"/> steps to the peak, then linear decay to 10 % at the last step.</summary>
    public static double LearningRate(DemoOptions o, int step)
    {
        if (step <= o.SftWarmup) return o.SftLr * step / o.SftWarmup;
        double progress = (step - o.SftWarmup) / (double)Math.Max(1, o.SftSteps - o.SftWarmup);
        return o.SftLr * (1 - 0.9 * progress);
    }
}
