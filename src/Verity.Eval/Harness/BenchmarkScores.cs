using Verity.Eval.Metrics;

namespace Verity.Eval.Harness;

/// <summary>Response-length statistics in tokens.</summary>
public sealed record LengthStats(double Mean, double P50, double P90, int Max, double TruncatedFraction)
{
    public static LengthStats From(IReadOnlyList<SampleOutcome> samples)
    {
        if (samples.Count == 0) return new LengthStats(0, 0, 0, 0, 0);
        var sorted = samples.Select(s => s.Length).Order().ToArray();
        return new LengthStats(sorted.Average(), Percentile(sorted, 0.5), Percentile(sorted, 0.9), sorted[^1],
            samples.Count(s => s.Truncated) / (double)samples.Count);
    }

    /// <summary>Linear interpolation between closest ranks (numpy's default).</summary>
    public static double Percentile(IReadOnlyList<int> sorted, double q)
    {
        double pos = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}

/// <summary>
/// The scores of one benchmark: each metric is computed per problem from its k samples and averaged over
/// problems (the seed papers' convention). pass@1 is the unbiased estimator with k'=1, i.e. equal to avg@k;
/// both are reported because papers quote either name.
/// </summary>
/// <remarks>Problems the generator rejected (<see cref="Rejected"/>) count as wrong; the length and reflection
/// statistics cover only the samples actually generated.</remarks>
public sealed record BenchmarkScores(string Name, int Problems, int K, double AvgAtK, double PassAt1, double PassAtK, double MajAtK,
    LengthStats Lengths, IReadOnlyDictionary<string, (double Fraction, double MeanLength)> Reflection, int Rejected = 0)
{
    public static BenchmarkScores Compute(string name, IReadOnlyList<ProblemOutcome> outcomes)
    {
        if (outcomes.Count == 0) throw new ArgumentException($"benchmark {name}: no problems to score. HINT: check the file and --limit.");
        int k = outcomes[0].Samples.Count;
        if (k == 0 || outcomes.Any(o => o.Samples.Count != k))
            throw new ArgumentException($"benchmark {name}: every problem needs the same number k ≥ 1 of samples.");
        double avg = 0, pass1 = 0, passK = 0, maj = 0;
        foreach (var o in outcomes)
        {
            var correct = o.Samples.Select(s => s.Correct).ToList();
            int c = o.CorrectCount;
            avg += SampleMetrics.AvgAtK(correct);
            pass1 += SampleMetrics.PassAtK(k, c, 1);
            passK += SampleMetrics.PassAtK(k, c, k);
            maj += SampleMetrics.MajAtK(o.Samples.Select(s => s.Extracted).ToList(), correct) ? 1 : 0;
        }
        int n = outcomes.Count;
        var all = outcomes.Where(o => o.Error is null).SelectMany(o => o.Samples).ToList();
        return new BenchmarkScores(name, n, k, avg / n, pass1 / n, passK / n, maj / n, LengthStats.From(all),
            ReflectionStats.Summarize(all.Select(s => s.Response).ToList()), outcomes.Count(o => o.Error is not null));
    }

    /// <summary>The unweighted mean over benchmarks of each accuracy metric (each benchmark counts once, as in the seed tables).</summary>
    public static (double AvgAtK, double PassAt1, double PassAtK, double MajAtK) Average(IReadOnlyList<BenchmarkScores> scores) =>
        scores.Count == 0 ? (0, 0, 0, 0)
        : (scores.Average(s => s.AvgAtK), scores.Average(s => s.PassAt1), scores.Average(s => s.PassAtK), scores.Average(s => s.MajAtK));
}
