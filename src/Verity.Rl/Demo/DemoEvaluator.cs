using Verity.Engine.Generation;
using Verity.Engine.Model;
using Verity.Rewards.Math;
using Verity.Rl.Training;

namespace Verity.Rl.Demo;

/// <summary>Held-out accuracy of a policy: avg@k at the sampling temperature and greedy accuracy.</summary>
public sealed record DemoAccuracy(double AvgAtK, double Greedy);

/// <summary>
/// Scores a policy on the held-out problems: one greedy answer each, and k samples each at the sampling
/// temperature (avg@k = the mean reward of those samples, the number RL moves).
/// </summary>
public static class DemoEvaluator
{
    public static DemoAccuracy Evaluate(DemoSession session, TransformerModel policy, DemoOptions o, int salt)
    {
        var generator = ReferenceEquals(policy, session.Model)
            ? session.Generator
            : new Generator(policy, new GeneratorOptions { DefaultStopTokenIds = [session.EosId], MaxConcurrentSequences = 256 });
        var heldOut = session.HeldOut;
        var prompts = heldOut.Select(p => session.Encode(p.Prompt)).ToList();
        var greedy = generator.Generate(prompts.Select(p => new GenerationRequest(p,
            new SamplingParams { Temperature = 0, MaxNewTokens = o.MaxNewTokens })).ToList());
        var sampled = generator.Generate(prompts.Select((p, i) => new GenerationRequest(p,
            new SamplingParams { Temperature = (float)o.Temperature, N = o.K, MaxNewTokens = o.MaxNewTokens, Seed = RlStep.SeedFor(o.Seed + salt, -1, i) })).ToList());
        double Score(GeneratedSample s, int i) => MathVerifier.Verify(session.Decode(s.CompletionIds), heldOut[i].Answer).Score;
        double g = heldOut.Select((_, i) => Score(greedy.Requests[i].Samples[0], i)).Average();
        double a = heldOut.Select((_, i) => sampled.Requests[i].Samples.Average(s => Score(s, i))).Average();
        return new DemoAccuracy(a, g);
    }
}
