using Verity.Engine.Kernels;
using Verity.Engine.Threading;

namespace Verity.Engine.Tests.Kernels;

/// <summary>The one-pass product of several weights sharing x (decode's q/k/v and gate/up) against separate calls and the reference.</summary>
public class GemmManyTests
{
    public static TheoryData<GemmPath> Paths()
    {
        var data = new TheoryData<GemmPath>();
        foreach (var path in Enum.GetValues<GemmPath>())
            if (path >= MicroKernel.Detected) data.Add(path);
        return data;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Equals_separate_products_bit_for_bit_and_the_reference(GemmPath path)
    {
        using var _ = GemmTests.ForcePath(path);
        int seed = 0;
        // Rows 1 (GEMV), 3 and 16 (the streamed rows), 17 (packed GEMM); depths with and without a vector tail;
        // weights of odd row counts so the parallel ranges straddle the boundary between two weights.
        foreach (int m in new[] { 1, 3, 16, 17 })
            foreach (int k in new[] { 5, 16, 37, 300 })
            {
                int[] ns = [7, 1, 29 + m];
                var x = GemmCheck.Random(m * k, seed++);
                var ws = ns.Select(n => GemmCheck.Random(n * k, seed++)).ToArray();
                var ys = ns.Select(n => GemmCheck.Random(m * n, seed++)).ToArray(); // garbage that must be overwritten
                Gemm.XWtMany(x, ws, m, ns, k, ys);
                for (int i = 0; i < ns.Length; i++)
                {
                    var separate = new float[m * ns[i]];
                    Gemm.XWt(x, ws[i], m, ns[i], k, separate);
                    Assert.Equal(separate, ys[i]);
                    var reference = new float[m * ns[i]];
                    GemmReference.XWt(x, ws[i], m, ns[i], k, reference, accumulate: false);
                    for (int j = 0; j < reference.Length; j++)
                        Assert.True(Math.Abs(ys[i][j] - reference[j]) <= 1e-5 * Math.Sqrt(k) * Math.Max(1, Math.Abs(reference[j])),
                            $"m={m} k={k} weight {i} element {j}: {ys[i][j]} vs {reference[j]}");
                }
            }
    }

    [Fact]
    public void Results_do_not_depend_on_the_thread_count()
    {
        int m = 1, k = 576;
        int[] ns = [576, 192, 192];
        var x = GemmCheck.Random(m * k, 1);
        var ws = ns.Select((n, i) => GemmCheck.Random(n * k, 2 + i)).ToArray();
        float[][] Run(int threads)
        {
            int before = WorkPool.ThreadCount;
            WorkPool.ThreadCount = threads;
            try
            {
                var ys = ns.Select(n => new float[m * n]).ToArray();
                Gemm.XWtMany(x, ws, m, ns, k, ys);
                return ys;
            }
            finally { WorkPool.ThreadCount = before; }
        }
        var one = Run(1);
        var three = Run(3);
        for (int i = 0; i < ns.Length; i++) Assert.Equal(one[i], three[i]);
    }

    [Fact]
    public void Mismatched_argument_counts_are_one_line_errors()
    {
        var ex = Assert.Throws<ArgumentException>(() => Gemm.XWtMany(new float[4], [new float[4]], 1, [1, 1], 4, [new float[1]]));
        Assert.Contains("HINT", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }
}
