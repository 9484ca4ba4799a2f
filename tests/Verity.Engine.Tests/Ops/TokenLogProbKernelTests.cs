using Verity.Engine.Ops;

namespace Verity.Engine.Tests.Ops;

/// <summary>The head's fused row passes against float64 loops, over lengths hitting every vector tail.</summary>
public class TokenLogProbKernelTests
{
    static readonly int[] Lengths = [1, 2, 15, 16, 17, 33, 100];

    [Fact]
    public void ExpSums_matches_reference()
    {
        var rng = new Random(3);
        foreach (int n in Lengths)
        {
            var row = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 16 - 8)).ToArray();
            float m = row.Max() + 0.5f;
            double s = 0, z = 0;
            foreach (var r in row) { double d = r - (double)m, e = Math.Exp(d); s += e; z += e * d; }
            var (fs, fz) = TokenLogProb.ExpSums(row, m);
            Assert.True(Math.Abs(fs - s) <= 4e-6 * Math.Max(1, s), $"n={n}: sum {fs} vs {s}");
            Assert.True(Math.Abs(fz - z) <= 4e-6 * Math.Max(1, Math.Abs(z)) + 1e-6 * s, $"n={n}: dot {fz} vs {z}");
        }
    }

    [Fact]
    public void LogitGrads_matches_reference()
    {
        var rng = new Random(4);
        foreach (int n in Lengths)
            foreach (float invT in new[] { 1f, 0.5f })
            {
                var row = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 10 - 5)).ToArray();
                float lse = 6f, c = 0.7f, b = -0.3f;
                var expected = row.Select(r => { double lp = r * (double)invT - lse; return -Math.Exp(lp) * (c + b * lp) * invT; }).ToArray();
                TokenLogProb.LogitGrads(row, invT, lse, c, b);
                for (int j = 0; j < n; j++)
                    Assert.True(Math.Abs(row[j] - expected[j]) <= 4e-6 * Math.Max(1e-3, Math.Abs(expected[j])), $"n={n} τ⁻¹={invT} j={j}: {row[j]} vs {expected[j]}");
            }
    }
}
