using Verity.Eval.Metrics;

namespace Verity.Eval.Tests.Metrics;

public class SampleMetricsTests
{
    [Theory]
    [InlineData(10, 3, 1, 0.3)]
    [InlineData(10, 3, 5, 1 - 21.0 / 252)]   // 1 − C(7,5)/C(10,5)
    [InlineData(10, 0, 5, 0.0)]
    [InlineData(4, 4, 4, 1.0)]
    [InlineData(8, 1, 8, 1.0)]              // n − c < k: some draw must contain the correct one
    [InlineData(16, 2, 4, 1 - 1001.0 / 1820)] // 1 − C(14,4)/C(16,4)
    public void PassAtK_is_the_unbiased_estimator(int n, int c, int k, double expected)
        => Assert.Equal(expected, SampleMetrics.PassAtK(n, c, k), 12);

    [Fact]
    public void PassAtK_matches_exhaustive_enumeration_of_k_subsets()
    {
        // Given 7 samples of which samples 1 and 4 are correct
        bool[] correct = [false, true, false, false, true, false, false];
        for (int k = 1; k <= 7; k++)
        {
            int hits = 0, total = 0;
            foreach (var subset in Subsets(7, k)) { total++; if (subset.Any(i => correct[i])) hits++; }
            Assert.Equal(hits / (double)total, SampleMetrics.PassAtK(7, 2, k), 12);
        }
    }

    [Fact]
    public void MajAtK_votes_on_canonical_answers_and_ignores_missing_ones()
    {
        // "0.5" twice beats "1/3" once even though no-answer appears three times
        Assert.True(SampleMetrics.MajAtK(["1/2", null, "1/3", "1/2", null, null], [true, false, false, true, false, false]));
        Assert.False(SampleMetrics.MajAtK(["7", "7", "8"], [false, false, true]));
        Assert.False(SampleMetrics.MajAtK([null, null], [false, false]));
        // ties go to the answer that appeared first
        Assert.True(SampleMetrics.MajAtK(["a", "b"], [true, false]));
    }

    [Fact]
    public void Bad_k_names_the_fix()
    {
        var ex = Assert.Throws<ArgumentException>(() => SampleMetrics.PassAtK(2, 1, 4));
        Assert.Contains("sample at least k", ex.Message);
    }

    [Fact]
    public void Reflection_patterns_are_found_and_summarized()
    {
        string[] responses =
        [
            "2+2=4. Let me double-check: yes, \\boxed{4}.",
            "Wait, that is wrong. Alternatively, we can factor.",
            "The answer is 5.",
        ];
        Assert.Equal(["recheck"], ReflectionStats.Find(responses[0]));
        Assert.Equal(["hesitation", "exploration"], ReflectionStats.Find(responses[1]));
        Assert.Empty(ReflectionStats.Find(responses[2]));
        var summary = ReflectionStats.Summarize(responses);
        Assert.Equal(1 / 3.0, summary["recheck"].Fraction, 12);
        Assert.Equal(responses[1].Length, summary["exploration"].MeanLength);
    }

    private static IEnumerable<int[]> Subsets(int n, int k)
    {
        if (k == 0) { yield return []; yield break; }
        for (int first = 0; first <= n - k; first++)
            foreach (var rest in Subsets(n - first - 1, k - 1))
                yield return [first, .. rest.Select(r => r + first + 1)];
    }
}
