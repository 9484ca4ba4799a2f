using Verity.Engine.Ops;

namespace Verity.Engine.Tests.Ops;

/// <summary>
/// The fused softmax row helpers of attention against plain float64 loops, over lengths hitting every vector tail.
/// Tolerance 4e-6 relative: the vectorized exp (Vector512.Exp) is within a few float32 ulps, not correctly rounded.
/// </summary>
public unsafe class AttentionKernelsTests
{
    static readonly int[] Lengths = [0, 1, 2, 15, 16, 17, 31, 33, 64, 70];

    [Fact]
    public void ExpShiftSum_matches_reference()
    {
        var rng = new Random(1);
        foreach (int n in Lengths)
        {
            var x = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 20 - 10)).ToArray();
            float shift = x.Length > 0 ? x.Max() : 0;
            var expected = x.Select(v => Math.Exp(v - (double)shift)).ToArray();
            float sum;
            fixed (float* p = x) sum = AttentionKernels.ExpShiftSum(p, n, shift);
            for (int i = 0; i < n; i++) Assert.True(Math.Abs(x[i] - expected[i]) <= 4e-6 * expected[i] + 1e-38, $"n={n} i={i}: {x[i]} vs {expected[i]}");
            Assert.True(Math.Abs(sum - expected.Sum()) <= 4e-6 * Math.Max(1, expected.Sum()), $"n={n}: sum {sum} vs {expected.Sum()}");
        }
    }

    [Fact]
    public void ProbsAndScoreGrads_matches_reference()
    {
        var rng = new Random(2);
        foreach (int n in Lengths)
        {
            var s = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 6 - 6)).ToArray();
            var dp = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            float lse = 0.3f, d = -0.25f;
            var p = s.Select(v => Math.Exp(v - (double)lse)).ToArray();
            var ds = dp.Select((v, i) => p[i] * (v - (double)d)).ToArray();
            fixed (float* ps = s, pd = dp) AttentionKernels.ProbsAndScoreGrads(ps, pd, n, lse, d);
            for (int i = 0; i < n; i++)
            {
                Assert.True(Math.Abs(s[i] - p[i]) <= 4e-6 * Math.Max(1, p[i]), $"n={n} p[{i}]: {s[i]} vs {p[i]}");
                Assert.True(Math.Abs(dp[i] - ds[i]) <= 4e-6 * Math.Max(1, Math.Abs(ds[i])), $"n={n} ds[{i}]: {dp[i]} vs {ds[i]}");
            }
        }
    }
}
