using Verity.Engine.Kernels;

namespace Verity.Engine.Tests.Kernels;

/// <summary>Fast GEMM against the naive reference, on every path this CPU has, over sizes hitting every tail.</summary>
public class GemmTests
{
    /// <summary>Odd and boundary sizes around every MR (4, 6, 12) and NR (4, 16, 32) of the three paths.</summary>
    private static readonly int[] Sizes = [1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 16, 17, 23, 31, 32, 33, 47, 49, 64, 65, 70];

    /// <summary>Reduction depths: 1, a vector tail, and around one and two K slices (KC = 256).</summary>
    private static readonly int[] Depths = [1, 3, 17, 64, 255, 257, 513];

    public static TheoryData<Layout, GemmPath> LayoutsAndPaths()
    {
        var data = new TheoryData<Layout, GemmPath>();
        foreach (var layout in Enum.GetValues<Layout>())
            foreach (var path in Enum.GetValues<GemmPath>())
                if (path >= MicroKernel.Detected) data.Add(layout, path);
        return data;
    }

    [Theory]
    [MemberData(nameof(LayoutsAndPaths))]
    public void Fast_matches_reference_on_odd_sizes(Layout layout, GemmPath path)
    {
        using var _ = ForcePath(path);
        int t = 0;
        foreach (int m in Sizes)
            foreach (int n in Sizes)
            {
                // Cycle the depth and accumulate flag so every (m, n) pair meets a different tail.
                int k = Depths[t % Depths.Length];
                GemmCheck.AgreesWithReference(layout, m, n, k, accumulate: t % 2 == 0, seed: t);
                t++;
            }
    }

    [Theory]
    [InlineData(Layout.XWt, 300, 40, 530)]   // crosses row blocks (MC = 144) and K slices
    [InlineData(Layout.XW, 300, 530, 40)]
    [InlineData(Layout.XtY, 530, 300, 40)]
    [InlineData(Layout.XWt, 20, 4133, 37)]   // crosses column blocks (NC = 4096) with a ragged last panel
    [InlineData(Layout.XWt, 29, 4133, 600)]  // whole-K packing (K×NC fits WholeKFloats) across column blocks and K slices
    [InlineData(Layout.XW, 29, 600, 4133)]
    [InlineData(Layout.XtY, 600, 29, 4133)]
    [InlineData(Layout.XWt, 40, 3, 3000)]    // whole-K packing with a single narrow panel
    [InlineData(Layout.XWt, 20, 4100, 1030)] // K×NC too big for whole-K: B packed slice by slice
    [InlineData(Layout.XW, 5, 37, 4133)]
    [InlineData(Layout.XtY, 37, 5, 4133)]
    public void Fast_matches_reference_across_cache_blocks(Layout layout, int m, int n, int k)
    {
        GemmCheck.AgreesWithReference(layout, m, n, k, accumulate: false);
        GemmCheck.AgreesWithReference(layout, m, n, k, accumulate: true, seed: 7);
    }

    [Theory]
    [InlineData(Layout.XWt, 3, 5, 0)] // the reduction runs over k (XWt), n (XW) or m (XtY): make it empty
    [InlineData(Layout.XW, 3, 0, 5)]
    [InlineData(Layout.XtY, 0, 3, 5)]
    public void Zero_depth_clears_or_keeps_the_destination(Layout layout, int m, int n, int k)
    {
        var (la, lb, lc) = GemmCheck.Lengths(layout, m, n, k);
        Assert.Equal(15, lc);
        var c = GemmCheck.Random(lc, 3);
        var kept = (float[])c.Clone();
        GemmCheck.Fast(layout, new float[la], new float[lb], m, n, k, c, accumulate: true);
        Assert.Equal(kept, c);
        GemmCheck.Fast(layout, new float[la], new float[lb], m, n, k, c, accumulate: false);
        Assert.All(c, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Empty_output_is_a_no_op()
    {
        var c = new float[] { 42f };
        Gemm.XWt([], new float[15], 0, 5, 3, c);
        Gemm.XW(new float[0], new float[0], 4, 0, 0, c);
        Gemm.XtY(new float[0], new float[6], 3, 0, 2, c);
        Assert.Equal(42f, c[0]);
    }

    [Fact]
    public void Too_short_buffer_names_the_operand()
    {
        var ex = Assert.Throws<ArgumentException>(() => Gemm.XWt(new float[6], new float[5], 2, 2, 3, new float[4]));
        Assert.Contains("w has 5 floats", ex.Message);
        Assert.Contains("HINT", ex.Message);
        Assert.DoesNotContain("\n", ex.Message);
    }

    [Theory]
    [MemberData(nameof(LayoutsAndPaths))]
    public void Every_path_gives_the_same_bits(Layout layout, GemmPath path)
    {
        // All paths sum each element over k in the same order with fused multiply-adds.
        const int m = 37, n = 45, k = 300;
        var (la, lb, lc) = GemmCheck.Lengths(layout, m, n, k);
        var a = GemmCheck.Random(la, 11);
        var b = GemmCheck.Random(lb, 12);
        var expected = GemmCheck.Random(lc, 13);
        var actual = (float[])expected.Clone();
        GemmCheck.Fast(layout, a, b, m, n, k, expected, accumulate: true);
        using (ForcePath(path)) GemmCheck.Fast(layout, a, b, m, n, k, actual, accumulate: true);
        Assert.Equal(expected, actual);
    }

    internal static IDisposable ForcePath(GemmPath path)
    {
        MicroKernel.Forced = path;
        Assert.Equal(path, MicroKernel.Path); // only paths this CPU supports are forced
        return new Restore();
    }

    private sealed class Restore : IDisposable
    {
        public void Dispose() => MicroKernel.Forced = null;
    }
}
