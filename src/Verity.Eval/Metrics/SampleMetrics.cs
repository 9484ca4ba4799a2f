namespace Verity.Eval.Metrics;

/// <summary>
/// Per-problem accuracy metrics over k samples, as the seed papers report them.
/// avg@k: the mean correctness of the k samples (the policy's own success rate; SRPO reports avg@32).
/// pass@k: the unbiased estimator 1 − C(n−c, k)/C(n, k) from n ≥ k samples with c correct (Chen et al. 2021).
/// maj@k: whether the most frequent answer among k samples (ties broken by first appearance) is correct.
/// </summary>
public static class SampleMetrics
{
    public static double AvgAtK(IReadOnlyList<bool> correct)
    {
        if (correct.Count == 0) throw new ArgumentException("avg@k needs at least one sample.");
        return correct.Count(c => c) / (double)correct.Count;
    }

    /// <summary>Unbiased pass@k from n samples of which c are correct, computed as a stable product.</summary>
    public static double PassAtK(int n, int c, int k)
    {
        if (n < 1 || c < 0 || c > n) throw new ArgumentException($"pass@k: need 0 ≤ c ≤ n and n ≥ 1, got n={n}, c={c}.");
        if (k < 1 || k > n) throw new ArgumentException($"pass@k: need 1 ≤ k ≤ n, got k={k}, n={n}. HINT: sample at least k answers per problem.");
        if (n - c < k) return 1.0;
        // C(n−c, k)/C(n, k) = Π_{i=n−c+1}^{n} (1 − k/i)
        double fail = 1.0;
        for (int i = n - c + 1; i <= n; i++) fail *= 1.0 - k / (double)i;
        return 1.0 - fail;
    }

    /// <summary>
    /// Majority vote over the samples' answer keys (null = no answer, never a candidate). The key is
    /// a canonical form from the verifier so that "1/2" and "0.5" vote together.
    /// </summary>
    public static bool MajAtK(IReadOnlyList<string?> answerKeys, IReadOnlyList<bool> correct)
    {
        if (answerKeys.Count != correct.Count) throw new ArgumentException("maj@k: one answer key per sample.");
        var votes = new Dictionary<string, (int Count, int First)>();
        for (int i = 0; i < answerKeys.Count; i++)
        {
            if (answerKeys[i] is not { } key) continue;
            votes[key] = votes.TryGetValue(key, out var v) ? (v.Count + 1, v.First) : (1, i);
        }
        if (votes.Count == 0) return false;
        var winner = votes.OrderByDescending(v => v.Value.Count).ThenBy(v => v.Value.First).First();
        return correct[winner.Value.First];
    }
}
