using Verity.Engine.Kernels;
using Verity.Engine.Threading;

namespace Verity.Engine.Tests.Kernels;

/// <summary>
/// The single-row product that splits its rows into one part per thread and prefetches into the next weights
/// (single-sequence decode) against the general one-pass product, which it must equal bit for bit.
/// </summary>
public class GemmOneRowStreamTests
{
    /// <summary>Each kernel path, on one thread (a forced path holds on the calling thread only).</summary>
    [Theory]
    [MemberData(nameof(GemmManyTests.Paths), MemberType = typeof(GemmManyTests))]
    public void Equals_the_general_product_bit_for_bit_on_every_kernel_path(GemmPath path)
    {
        using var _ = GemmTests.ForcePath(path);
        AgreeAt([1]);
    }

    /// <summary>The detected kernel, split into one part per thread for 1, 2 and 3 threads.</summary>
    [Fact]
    public void Equals_the_general_product_bit_for_bit_at_every_thread_count() => AgreeAt([1, 2, 3]);

    private static void AgreeAt(int[] threadCounts)
    {
        int before = WorkPool.ThreadCount;
        try
        {
            int seed = 0;
            // depths below one vector (scalar path), with and without a 64-float block and a vector tail; odd row counts
            // so the per-thread parts straddle the boundaries between weights; with and without following weights
            foreach (int threads in threadCounts)
                foreach (int k in new[] { 5, 16, 37, 300, 576 })
                    foreach (bool withFollowing in new[] { false, true })
                    {
                        WorkPool.ThreadCount = threads;
                        int[] ns = [7, 1, 29];
                        var x = GemmCheck.Random(k, seed++);
                        var ws = ns.Select(n => GemmCheck.Random(n * k, seed++)).ToArray();
                        int[] followingNs = withFollowing ? [13, 5] : [];
                        const int followingK = 40;
                        var following = followingNs.Select(n => GemmCheck.Random(n * followingK, seed++)).ToArray();
                        var followingCopy = following.Select(f => f.ToArray()).ToArray();
                        var ys = ns.Select(n => GemmCheck.Random(n, seed++)).ToArray(); // garbage that must be overwritten

                        Gemm.XWtOneRowStream(x, ws, ns, k, ys, following, followingNs, followingK);

                        var general = ns.Select(n => new float[n]).ToArray();
                        Gemm.XWtMany(x, ws, 1, ns, k, general);
                        for (int i = 0; i < ns.Length; i++)
                            Assert.True(general[i].SequenceEqual(ys[i]), $"threads {threads} k {k} following {withFollowing} weight {i}");
                        for (int i = 0; i < following.Length; i++) Assert.Equal(followingCopy[i], following[i]); // only read ahead
                    }
        }
        finally { WorkPool.ThreadCount = before; }
    }

    [Fact]
    public void Mismatched_argument_counts_are_one_line_errors()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Gemm.XWtOneRowStream(new float[4], [new float[4]], [1], 4, [new float[1]], [new float[4]], [], 4));
        Assert.Contains("HINT", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }
}
