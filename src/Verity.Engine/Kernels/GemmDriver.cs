using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Verity.Engine.Threading;

namespace Verity.Engine.Kernels;

/// <summary>
/// BLIS-style blocked GEMM: C[M×N] (+)= A[M×K] · B[K×N], where A and B are strided views
/// (element (r, c) of A is <c>a[r*rsa + c*csa]</c>), so one driver serves all three training layouts.
///
/// Loop nest (outer to inner): jc over N in NC columns → pc over K in KC slices → [pack the B slice
/// KC×NC into NR-wide panels, in parallel] → [tasks over (MC row block × panel range), in parallel:
/// pack the A block into MR-high panels, then jr over B panels → ir over A panels → micro-kernel].
/// B panel (KC×NR, 32 KB) stays in L1, the A block (MC×KC, ≤ 160 KB) in L2, the B slice in L3.
///
/// Determinism: element (i, j) is always C0 + S(slice 0) + S(slice 1) + … where each slice sum runs
/// over k in order with fused multiply-adds, and the K slicing depends only on K. How rows and columns
/// are split among tasks or threads never changes a sum, so results are bit-identical for any thread
/// count and schedule, and across the AVX-512, AVX2 and scalar paths.
/// </summary>
internal static unsafe class GemmDriver
{
    /// <summary>Upper bound of a K slice; slices are balanced (K=257 → 129 + 128).</summary>
    public const int KcMax = 256;
    /// <summary>Upper bound of an A row block (144×256 floats = 144 KB, well inside the 1 MB L2); blocks round up to MR.</summary>
    public const int McMax = 144;
    /// <summary>Columns of B packed at once (4 MB at KC=256).</summary>
    public const int NcMax = 4096;
    /// <summary>B block size (16 MB) up to which a column block is packed for the whole K at once (L3 is 32 MB).</summary>
    public const int WholeKFloats = 4 << 20;
    /// <summary>Below this many multiply-adds a second thread costs more than it saves.</summary>
    private const long ParallelMinWork = 1L << 18;

    [ThreadStatic] private static float* _aBuf;
    [ThreadStatic] private static float* _bBuf;
    [ThreadStatic] private static float* _tile;

    public static void Run(float* a, long rsa, long csa, float* b, long rsb, long csb, float* c, int ldc,
        int m, int n, int k, bool accumulate)
    {
        var kernel = MicroKernel.For(MicroKernel.Path);
        int mr = kernel.MR, nr = kernel.NR;
        int nc = NcMax / nr * nr;
        int kBlocks = (k + KcMax - 1) / KcMax;
        int kcStd = (k + kBlocks - 1) / kBlocks;

        int threads = (long)m * n * k < ParallelMinWork ? 1 : WorkPool.ThreadCount;
        // Row blocks: as few as fit McMax, but at least one per thread when M allows it.
        int mBlocks = Math.Max((m + McMax - 1) / McMax, Math.Min(threads, (m + mr - 1) / mr));
        int mc = ((m + mBlocks - 1) / mBlocks + mr - 1) / mr * mr;
        mBlocks = (m + mc - 1) / mc;

        float* bBuf = BBuffer();
        if (kBlocks > 1 && (long)k * ((Math.Min(n, nc) + nr - 1) / nr * nr) <= WholeKFloats)
        {
            RunWholeK(kernel, a, rsa, csa, b, rsb, csb, c, ldc, m, n, k, accumulate, kcStd, threads, mBlocks, mc, bBuf);
            return;
        }
        for (int j0 = 0; j0 < n; j0 += nc)
        {
            int ncCur = Math.Min(nc, n - j0);
            int panels = (ncCur + nr - 1) / nr;
            // Split the panels so there are about two tasks per thread when row blocks alone are too few.
            int nSplits = Math.Clamp((2 * threads + mBlocks - 1) / mBlocks, 1, panels);
            if (threads == 1) nSplits = 1;
            int panelsPerSplit = (panels + nSplits - 1) / nSplits;
            nSplits = (panels + panelsPerSplit - 1) / panelsPerSplit;

            for (int p0 = 0, kb = 0; p0 < k; p0 += kcStd, kb++)
            {
                int kc = Math.Min(kcStd, k - p0);
                bool add = accumulate || kb > 0;

                float* bb = b + p0 * rsb;
                int packTasks = Math.Min(panels, 2 * threads);
                int panelsPerPack = (panels + packTasks - 1) / packTasks;
                Parallel(threads, (panels + panelsPerPack - 1) / panelsPerPack, t =>
                {
                    int from = t * panelsPerPack, to = Math.Min(panels, from + panelsPerPack);
                    for (int jp = from; jp < to; jp++)
                    {
                        int j = j0 + jp * nr;
                        GemmPack.PackB(bb, rsb, csb, j, Math.Min(nr, n - j), kc, nr, bBuf + (long)jp * kc * nr);
                    }
                });

                float* aa = a + p0 * csa;
                Parallel(threads, mBlocks * nSplits, t =>
                {
                    int ib = t / nSplits, js = t % nSplits;
                    int i0 = ib * mc, rows = Math.Min(mc, m - i0);
                    int jpFrom = js * panelsPerSplit, jpTo = Math.Min(panels, jpFrom + panelsPerSplit);
                    float* aBuf = ABuffer();
                    GemmPack.PackA(aa, rsa, csa, i0, rows, kc, mr, aBuf);
                    Compute(kernel, aBuf, bBuf, kc, c, ldc, m, n, i0, rows, j0, jpFrom, jpTo, add);
                });
            }
        }
    }

    /// <summary>
    /// The loop nest for when all K slices of a column block fit in <see cref="WholeKFloats"/>: pack B for
    /// the whole K once, then each task runs the K slices itself, so its C block (MC×NC) stays in cache
    /// across slices instead of streaming the whole of C from memory once per slice (C of an MLP or
    /// lm_head layer is tens to hundreds of MB), and there are two barriers per column block instead of
    /// two per slice. Sums are formed in the same order as in <see cref="Run"/>.
    /// </summary>
    private static void RunWholeK(MicroKernel kernel, float* a, long rsa, long csa, float* b, long rsb, long csb, float* c, int ldc,
        int m, int n, int k, bool accumulate, int kcStd, int threads, int mBlocks, int mc, float* bBuf)
    {
        int mr = kernel.MR, nr = kernel.NR;
        int nc = NcMax / nr * nr;
        int kBlocks = (k + kcStd - 1) / kcStd;
        for (int j0 = 0; j0 < n; j0 += nc)
        {
            int ncCur = Math.Min(nc, n - j0);
            int panels = (ncCur + nr - 1) / nr;
            long sliceStride = (long)panels * nr; // floats per k step of a slice: slice at p0 starts at bBuf + p0·sliceStride
            int nSplits = threads == 1 ? 1 : Math.Clamp((2 * threads + mBlocks - 1) / mBlocks, 1, panels);
            int panelsPerSplit = (panels + nSplits - 1) / nSplits;
            nSplits = (panels + panelsPerSplit - 1) / panelsPerSplit;

            int groups = Math.Min(panels, 2 * threads);
            int panelsPerGroup = (panels + groups - 1) / groups;
            groups = (panels + panelsPerGroup - 1) / panelsPerGroup;
            Parallel(threads, kBlocks * groups, t =>
            {
                int p0 = t / groups * kcStd, kc = Math.Min(kcStd, k - p0);
                int from = t % groups * panelsPerGroup, to = Math.Min(panels, from + panelsPerGroup);
                float* slice = bBuf + p0 * sliceStride;
                for (int jp = from; jp < to; jp++)
                {
                    int j = j0 + jp * nr;
                    GemmPack.PackB(b + p0 * rsb, rsb, csb, j, Math.Min(nr, n - j), kc, nr, slice + (long)jp * kc * nr);
                }
            });

            Parallel(threads, mBlocks * nSplits, t =>
            {
                int ib = t / nSplits, js = t % nSplits;
                int i0 = ib * mc, rows = Math.Min(mc, m - i0);
                int jpFrom = js * panelsPerSplit, jpTo = Math.Min(panels, jpFrom + panelsPerSplit);
                float* aBuf = ABuffer();
                for (int p0 = 0, kb = 0; p0 < k; p0 += kcStd, kb++)
                {
                    int kc = Math.Min(kcStd, k - p0);
                    GemmPack.PackA(a + p0 * csa, rsa, csa, i0, rows, kc, mr, aBuf);
                    Compute(kernel, aBuf, bBuf + p0 * sliceStride, kc, c, ldc, m, n, i0, rows, j0, jpFrom, jpTo, accumulate || kb > 0);
                }
            });
        }
    }

    private static void Parallel(int threads, int count, Action<int> body)
    {
        if (threads == 1)
            for (int t = 0; t < count; t++) body(t);
        else
            WorkPool.For(count, body);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compute(MicroKernel kernel, float* aBuf, float* bBuf, int kc, float* c, int ldc,
        int m, int n, int i0, int rows, int j0, int jpFrom, int jpTo, bool add)
    {
        int mr = kernel.MR, nr = kernel.NR;
        float* tile = Tile();
        for (int jp = jpFrom; jp < jpTo; jp++)
        {
            int j = j0 + jp * nr;
            int cols = Math.Min(nr, n - j);
            float* bp = bBuf + (long)jp * kc * nr;
            for (int ip = 0; ip * mr < rows; ip++)
            {
                int i = i0 + ip * mr;
                int h = Math.Min(mr, m - i);
                float* ap = aBuf + (long)ip * kc * mr;
                float* cp = c + (long)i * ldc + j;
                if (h == mr && cols == nr)
                {
                    kernel.Run(ap, bp, kc, cp, ldc, add);
                    continue;
                }
                // Edge tile: the panels are zero-padded, so compute the full tile aside and keep the valid part.
                kernel.Run(ap, bp, kc, tile, nr, false);
                for (int r = 0; r < h; r++)
                {
                    float* dst = cp + (long)r * ldc;
                    float* src = tile + r * nr;
                    if (add) for (int q = 0; q < cols; q++) dst[q] += src[q];
                    else for (int q = 0; q < cols; q++) dst[q] = src[q];
                }
            }
        }
    }

    private static float* ABuffer() => _aBuf != null ? _aBuf : _aBuf = Alloc((McMax + 16) * KcMax);
    private static float* BBuffer() => _bBuf != null ? _bBuf : _bBuf = Alloc(Math.Max((NcMax + 64) * KcMax, WholeKFloats + 64 * KcMax));
    private static float* Tile() => _tile != null ? _tile : _tile = Alloc(16 * 64);

    /// <summary>Pack buffers live as long as their thread (the pool's threads live as long as the process).</summary>
    private static float* Alloc(int floats)
    {
        var p = (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);
        NativeMemory.Clear(p, (nuint)floats * sizeof(float));
        return p;
    }
}
