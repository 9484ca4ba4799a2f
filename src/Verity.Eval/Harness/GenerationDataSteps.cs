using System.Globalization;
using Verity.Data.Pipeline;

namespace Verity.Eval.Harness;

/// <summary>Pass-rate tiers: hard below <see cref="HardBelow"/>, easy above <see cref="EasyAbove"/>, medium between.</summary>
public sealed record DifficultyTiers(double HardBelow = 0.2, double EasyAbove = 0.8)
{
    public string Of(double passRate) => passRate < HardBelow ? "hard" : passRate > EasyAbove ? "easy" : "medium";
}

/// <summary>One SFT pair kept by rejection sampling.</summary>
public sealed record SftPair(ProblemOutcome Source, int SampleIndex, string Response);

/// <summary>
/// Dataset steps that need the model's own samples: offline pass-rate estimation with a band filter
/// (keep what the policy sometimes but not always solves, where GRPO groups have signal) and rejection
/// sampling (keep only verified-correct responses as SFT pairs).
/// </summary>
public static class GenerationDataSteps
{
    public static double PassRate(ProblemOutcome o) => o.CorrectCount / (double)o.Samples.Count;

    /// <summary>Keeps problems whose pass rate lies in [minPass, maxPass]; the others are removed with the reason.</summary>
    public static FilterReport<ProblemOutcome> PassRateBand(IReadOnlyList<ProblemOutcome> outcomes, double minPass, double maxPass)
    {
        if (!(minPass >= 0 && maxPass <= 1 && minPass <= maxPass))
            throw new ArgumentException($"pass-rate band: need 0 ≤ --min-pass ({minPass}) ≤ --max-pass ({maxPass}) ≤ 1.");
        var report = new FilterReport<ProblemOutcome>();
        foreach (var o in outcomes)
        {
            double p = PassRate(o);
            if (o.Error is not null) report.Removed.Add((o, "not sampled: the generator rejected the prompt (too long for the context?)"));
            else if (p < minPass) report.Removed.Add((o, string.Create(CultureInfo.InvariantCulture, $"pass rate below --min-pass {minPass:0.###} (too hard for this model)")));
            else if (p > maxPass) report.Removed.Add((o, string.Create(CultureInfo.InvariantCulture, $"pass rate above --max-pass {maxPass:0.###} (too easy for this model)")));
            else report.Kept.Add(o);
        }
        return report;
    }

    /// <summary>
    /// The verified-correct samples as SFT pairs, at most <paramref name="maxPerProblem"/> distinct responses
    /// per problem. A correct but truncated sample is dropped: it never emitted EOS, so training on it would
    /// teach the model not to stop. Every dropped sample is counted under its reason.
    /// </summary>
    public static FilterReport<SftPair> RejectSample(IReadOnlyList<ProblemOutcome> outcomes, int maxPerProblem)
    {
        if (maxPerProblem < 1) throw new ArgumentException($"--max-per-problem must be ≥ 1, got {maxPerProblem}.");
        var report = new FilterReport<SftPair>();
        foreach (var o in outcomes)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < o.Samples.Count; i++)
            {
                var s = o.Samples[i];
                var pair = new SftPair(o, i, s.Response);
                if (!s.Correct) report.Removed.Add((pair, $"verdict {s.Verdict}"));
                else if (s.Truncated) report.Removed.Add((pair, "correct but truncated at --max-new-tokens (no EOS)"));
                else if (!seen.Add(s.Response)) report.Removed.Add((pair, "duplicate of a kept response"));
                else if (seen.Count > maxPerProblem) report.Removed.Add((pair, $"beyond --max-per-problem {maxPerProblem}"));
                else report.Kept.Add(pair);
            }
        }
        return report;
    }
}
