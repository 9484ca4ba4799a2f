using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Verity.Engine.Threading;

namespace Verity.Engine.Kernels;

/// <summary>
/// Products with few token rows (decode: one row per sequence of a group). Packing would
/// cost as much as the arithmetic here, and the work is bound by reading the weight once, so these
/// stream the weight row by row with <see cref="TensorPrimitives"/>. Work is split over output
/// columns or rows only, so sums do not depend on the thread count.
/// </summary>
internal static unsafe class GemmSmallM
{
    /// <summary>Up to this many rows y = x·wᵀ streams w (batched decode of a GRPO group); above it packing pays off.</summary>
    public const int MaxMForward = 16;

    /// <summary>Up to this many rows the backward products stream too (they only see so few rows in tiny tests).</summary>
    public const int MaxM = 4;

    /// <summary>Weight floats per task: enough to amortize a task hand-off.</summary>
    private const int MinChunkFloats = 1 << 15;

    /// <summary>y[M,N] (+)= x[M,K] · w[N,K]ᵀ: one dot product per output, w row j read once for all M rows.</summary>
    public static void XWt(float* x, float* w, int m, int n, int k, float* y, bool accumulate)
    {
        WorkPool.ForRange(n, Math.Max(8, MinChunkFloats / k), (j0, j1) => Rows(x, w, m, n, k, y, j0, j1, accumulate));
    }

    /// <summary>One weight of <see cref="XWtMany"/>: w [N,K], y [M,N].</summary>
    public readonly struct Product(float* w, int n, float* y)
    {
        public readonly float* W = w, Y = y;
        public readonly int N = n;
    }

    /// <summary>
    /// y_i[M,N_i] = x[M,K] · w_i[N_i,K]ᵀ for several weights that share x (q/k/v, gate/up), in one parallel pass
    /// over the rows of all of them: one hand-off to the pool instead of one per weight, which matters in
    /// single-sequence decode where each product is only tens of microseconds. Each output is computed
    /// exactly as <see cref="XWt"/> computes it.
    /// </summary>
    public static void XWtMany(float* x, int m, int k, Product[] products)
    {
        int total = 0;
        foreach (var p in products) total += p.N;
        WorkPool.ForRange(total, Math.Max(8, MinChunkFloats / k), (r0, r1) =>
        {
            int first = 0;
            foreach (var p in products)
            {
                int j0 = Math.Max(r0 - first, 0), j1 = Math.Min(r1 - first, p.N);
                if (j0 < j1) Rows(x, p.W, m, p.N, k, p.Y, j0, j1, accumulate: false);
                first += p.N;
            }
        });
    }

    /// <summary>Outputs y[:, j0..j1) of y = x·wᵀ, with the kernel that suits M and the instruction set.</summary>
    static void Rows(float* x, float* w, int m, int n, int k, float* y, int j0, int j1, bool accumulate)
    {
        bool simd = MicroKernel.Path == GemmPath.Avx512 && k >= 16;
        if (simd && m == 1)
        {
            GemvAvx512(x, w, n, k, y, j0, j1, accumulate);
            return;
        }
        if (simd)
        {
            XWtAvx512(x, w, m, n, k, y, j0, j1, accumulate);
            return;
        }
        for (int j = j0; j < j1; j++)
        {
            var wj = new ReadOnlySpan<float>(w + (long)j * k, k);
            for (int i = 0; i < m; i++)
            {
                float s = TensorPrimitives.Dot(new ReadOnlySpan<float>(x + (long)i * k, k), wj);
                float* yij = y + (long)i * n + j;
                *yij = accumulate ? *yij + s : s;
            }
        }
    }

    /// <summary>
    /// Rows j0..j1 of w against all M rows of x: two w rows against eight x rows per pass (16 accumulators, 10 loads
    /// per 16 FMAs), then four (8 accumulators) for the rest, so each w row is streamed from memory once and reused
    /// from L1. Every pass also prefetches the next row pair into L2: a pass after the first makes no memory requests
    /// of its own, so without it the weight stream stalled between pairs.
    /// Written for the JIT's register allocator (checked with DOTNET_JitDisasm): no branch inside the k loop, and every
    /// lane sum is taken before the first <see cref="Store"/> call, since an accumulator live across a call is spilled
    /// to the stack on every iteration (3× slower). Qwen2.5-0.5B's 545 MB head on two threads: M = 16 48–62 → 29 ms,
    /// M = 8 → 15 ms (the read bound); from L2, 155–235 GFLOP/s for M = 4–16.
    /// Missing x rows (M not a multiple of 4) repeat row 0 and their sums are dropped. Every output is the same FMA
    /// chain over k whichever pass computes it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void XWtAvx512(float* x, float* w, int m, int n, int k, float* y, int j0, int j1, bool accumulate)
    {
        int kVec = k & ~15;
        float* sums = stackalloc float[16];
        for (int j = j0; j < j1; j += 2)
        {
            bool pair = j + 1 < j1;
            float* w0 = w + (long)j * k;
            float* w1 = pair ? w0 + k : w0;
            float* next0 = w0 + 2 * (long)k, next1 = next0 + k; // prefetch never faults, so past the end is fine
            int i0 = 0;
            for (; i0 + 8 <= m; i0 += 8)
            {
                float* r = x + (long)i0 * k;
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default, b7 = default;
                for (int p = 0; p < kVec; p += 16)
                {
                    Sse.Prefetch1(next0 + p); Sse.Prefetch1(next1 + p);
                    var u = Vector512.Load(w0 + p);
                    var v = Vector512.Load(w1 + p);
                    float* q = r + p;
                    var t = Vector512.Load(q); a0 = Avx512F.FusedMultiplyAdd(t, u, a0); b0 = Avx512F.FusedMultiplyAdd(t, v, b0);
                    t = Vector512.Load(q + k); a1 = Avx512F.FusedMultiplyAdd(t, u, a1); b1 = Avx512F.FusedMultiplyAdd(t, v, b1);
                    q += 2 * k;
                    t = Vector512.Load(q); a2 = Avx512F.FusedMultiplyAdd(t, u, a2); b2 = Avx512F.FusedMultiplyAdd(t, v, b2);
                    t = Vector512.Load(q + k); a3 = Avx512F.FusedMultiplyAdd(t, u, a3); b3 = Avx512F.FusedMultiplyAdd(t, v, b3);
                    q += 2 * k;
                    t = Vector512.Load(q); a4 = Avx512F.FusedMultiplyAdd(t, u, a4); b4 = Avx512F.FusedMultiplyAdd(t, v, b4);
                    t = Vector512.Load(q + k); a5 = Avx512F.FusedMultiplyAdd(t, u, a5); b5 = Avx512F.FusedMultiplyAdd(t, v, b5);
                    q += 2 * k;
                    t = Vector512.Load(q); a6 = Avx512F.FusedMultiplyAdd(t, u, a6); b6 = Avx512F.FusedMultiplyAdd(t, v, b6);
                    t = Vector512.Load(q + k); a7 = Avx512F.FusedMultiplyAdd(t, u, a7); b7 = Avx512F.FusedMultiplyAdd(t, v, b7);
                }
                // all sums before the first call: an accumulator live across a call is spilled inside the loop
                sums[0] = Vector512.Sum(a0); sums[1] = Vector512.Sum(a1); sums[2] = Vector512.Sum(a2); sums[3] = Vector512.Sum(a3);
                sums[4] = Vector512.Sum(a4); sums[5] = Vector512.Sum(a5); sums[6] = Vector512.Sum(a6); sums[7] = Vector512.Sum(a7);
                sums[8] = Vector512.Sum(b0); sums[9] = Vector512.Sum(b1); sums[10] = Vector512.Sum(b2); sums[11] = Vector512.Sum(b3);
                sums[12] = Vector512.Sum(b4); sums[13] = Vector512.Sum(b5); sums[14] = Vector512.Sum(b6); sums[15] = Vector512.Sum(b7);
                float* yr = y + (long)i0 * n + j;
                for (int e = 0; e < 8; e++) Store(sums[e], r + e * k, w0, kVec, k, yr + e * n, accumulate);
                if (pair) for (int e = 0; e < 8; e++) Store(sums[8 + e], r + e * k, w1, kVec, k, yr + e * n + 1, accumulate);
            }
            for (; i0 < m; i0 += 4)
            {
                float* x0 = x + (long)i0 * k;
                float* x1 = i0 + 1 < m ? x0 + k : x0;
                float* x2 = i0 + 2 < m ? x0 + 2 * k : x0;
                float* x3 = i0 + 3 < m ? x0 + 3 * k : x0;
                Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default;
                Vector512<float> s10 = default, s11 = default, s12 = default, s13 = default;
                for (int p = 0; p < kVec; p += 16)
                {
                    Sse.Prefetch1(next0 + p); Sse.Prefetch1(next1 + p);
                    var a = Vector512.Load(w0 + p);
                    var b = Vector512.Load(w1 + p);
                    var v0 = Vector512.Load(x0 + p);
                    s00 = Avx512F.FusedMultiplyAdd(v0, a, s00); s10 = Avx512F.FusedMultiplyAdd(v0, b, s10);
                    var v1 = Vector512.Load(x1 + p);
                    s01 = Avx512F.FusedMultiplyAdd(v1, a, s01); s11 = Avx512F.FusedMultiplyAdd(v1, b, s11);
                    var v2 = Vector512.Load(x2 + p);
                    s02 = Avx512F.FusedMultiplyAdd(v2, a, s02); s12 = Avx512F.FusedMultiplyAdd(v2, b, s12);
                    var v3 = Vector512.Load(x3 + p);
                    s03 = Avx512F.FusedMultiplyAdd(v3, a, s03); s13 = Avx512F.FusedMultiplyAdd(v3, b, s13);
                }
                sums[0] = Vector512.Sum(s00); sums[1] = Vector512.Sum(s01); sums[2] = Vector512.Sum(s02); sums[3] = Vector512.Sum(s03);
                sums[4] = Vector512.Sum(s10); sums[5] = Vector512.Sum(s11); sums[6] = Vector512.Sum(s12); sums[7] = Vector512.Sum(s13);
                int rows = Math.Min(4, m - i0);
                float* xr = x + (long)i0 * k, yr = y + (long)i0 * n + j;
                for (int e = 0; e < rows; e++) Store(sums[e], xr + e * k, w0, kVec, k, yr + e * n, accumulate);
                if (pair) for (int e = 0; e < rows; e++) Store(sums[4 + e], xr + e * k, w1, kVec, k, yr + e * n + 1, accumulate);
            }
        }
    }

    /// <summary>
    /// One x row (single-sequence decode): one w row at a time, read front to back with four accumulators.
    /// The weight is then a single sequential stream, which the hardware prefetchers follow best: over
    /// SmolLM2-135M's weights it read 16–30 % faster than eight interleaved row streams (the previous kernel),
    /// 4–8 % on a whole decode step. Four accumulators cover the FMA latency.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GemvAvx512(float* x, float* w, int n, int k, float* y, int j0, int j1, bool accumulate)
    {
        int kVec = k & ~15, kBlock = k & ~63;
        for (int j = j0; j < j1; j++)
        {
            float* wj = w + (long)j * k;
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            int p = 0;
            for (; p < kBlock; p += 64)
            {
                s0 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p), Vector512.Load(wj + p), s0);
                s1 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p + 16), Vector512.Load(wj + p + 16), s1);
                s2 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p + 32), Vector512.Load(wj + p + 32), s2);
                s3 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p + 48), Vector512.Load(wj + p + 48), s3);
            }
            for (; p < kVec; p += 16) s0 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p), Vector512.Load(wj + p), s0);
            Store(Vector512.Sum((s0 + s1) + (s2 + s3)), x, wj, kVec, k, y + j, accumulate);
        }
    }

    /// <summary>How far ahead of itself a thread's single-row stream prefetches (<see cref="XWtOneRowStream"/>).</summary>
    private const int StreamAheadBytes = 2048;

    /// <summary>
    /// y_i[N_i] = x[K] · w_i[N_i,K]ᵀ for one x row (single-sequence decode), like <see cref="XWtMany"/> with M = 1 and
    /// the same result for every output (the same kernel's FMA chain), but split into one contiguous part per thread:
    /// part t of T is rows [t·R/T, (t+1)·R/T) of the products' R concatenated rows, the same part for the same t at
    /// every call. Each thread prefetches <see cref="StreamAheadBytes"/> ahead of its read, and near the end of its
    /// part, into its part of <paramref name="following"/> (the next product of the step, row length
    /// <paramref name="followingK"/>; its Y is unused). So a thread's read runs on from one product into the next
    /// without a cold start: the hardware prefetcher stops at every product boundary and needs several misses to
    /// pick up a new stream, and with 151 products per token (SmolLM2-135M) those restarts cost most when the
    /// bandwidth is high. Products-only lab, rounds grouped by the machine's read bandwidth: below 38 GB/s 98.5 →
    /// 104.4 % of a plain sum's rate, at 42–48 GB/s 83.5 → 91.0 %.
    /// </summary>
    public static void XWtOneRowStream(float* x, int k, Product[] products, Product[] following, int followingK)
    {
        int threads = WorkPool.ThreadCount;
        long total = 0, followingTotal = 0;
        foreach (var p in products) total += p.N;
        foreach (var p in following) followingTotal += p.N;
        WorkPool.For(threads, t =>
        {
            int r0 = (int)(total * t / threads), r1 = (int)(total * (t + 1) / threads);
            byte* next = RowAddress(following, followingK, (int)(followingTotal * t / threads));
            int first = 0;
            for (int i = 0; i < products.Length; i++)
            {
                var p = products[i];
                int j0 = Math.Max(r0 - first, 0), j1 = Math.Min(r1 - first, p.N);
                first += p.N;
                if (j0 >= j1) continue;
                // the part goes on into the next product at its row 0, or ends here and the thread's next read is its part of `following`
                byte* after = r1 > first && i + 1 < products.Length ? (byte*)products[i + 1].W : next;
                if (MicroKernel.Path == GemmPath.Avx512 && k >= 16) GemvAvx512Ahead(x, p.W, k, p.Y, j0, j1, after);
                else Rows(x, p.W, 1, p.N, k, p.Y, j0, j1, accumulate: false);
            }
        });
    }

    /// <summary>Address of concatenated row <paramref name="row"/> of <paramref name="products"/> (rows of length k); null past the end.</summary>
    static byte* RowAddress(Product[] products, int k, int row)
    {
        foreach (var p in products)
        {
            if (row < p.N) return (byte*)(p.W + (long)row * k);
            row -= p.N;
        }
        return null;
    }

    /// <summary>
    /// <see cref="GemvAvx512"/> (same accumulators, same order, so the same sums) plus a software prefetch
    /// <see cref="StreamAheadBytes"/> ahead of the read, continuing at <paramref name="after"/> (may be null) past row j1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GemvAvx512Ahead(float* x, float* w, int k, float* y, int j0, int j1, byte* after)
    {
        int kVec = k & ~15, kBlock = k & ~63;
        byte* end = (byte*)(w + (long)j1 * k);
        for (int j = j0; j < j1; j++)
        {
            float* wj = w + (long)j * k;
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            int p = 0;
            for (; p < kBlock; p += 64)
            {
                byte* ahead = (byte*)(wj + p) + StreamAheadBytes;
                if (ahead >= end) ahead = after == null ? null : after + (ahead - end);
                if (ahead != null)
                {
                    Sse.Prefetch0(ahead); Sse.Prefetch0(ahead + 64); Sse.Prefetch0(ahead + 128); Sse.Prefetch0(ahead + 192);
                }
                s0 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p), Vector512.Load(wj + p), s0);
                s1 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p + 16), Vector512.Load(wj + p + 16), s1);
                s2 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p + 32), Vector512.Load(wj + p + 32), s2);
                s3 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p + 48), Vector512.Load(wj + p + 48), s3);
            }
            for (; p < kVec; p += 16) s0 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p), Vector512.Load(wj + p), s0);
            Store(Vector512.Sum((s0 + s1) + (s2 + s3)), x, wj, kVec, k, y + j, accumulate: false);
        }
    }

    /// <summary>Adds the scalar k tail [kVec, k) to a lane sum and writes (or adds) it to y.</summary>
    private static void Store(float sum, float* xi, float* wj, int kVec, int k, float* y, bool accumulate)
    {
        for (int p = kVec; p < k; p++) sum = MathF.FusedMultiplyAdd(xi[p], wj[p], sum);
        *y = accumulate ? *y + sum : sum;
    }

    /// <summary>dx[M,K] (+)= dy[M,N] · w[N,K]: axpy of each w row into dx, split over K columns.</summary>
    public static void XW(float* dy, float* w, int m, int n, int k, float* dx, bool accumulate)
    {
        WorkPool.ForRange(k, Math.Max(64, MinChunkFloats / n), (c0, c1) =>
        {
            int len = c1 - c0;
            if (!accumulate)
                for (int i = 0; i < m; i++) new Span<float>(dx + (long)i * k + c0, len).Clear();
            for (int j = 0; j < n; j++)
            {
                var wj = new ReadOnlySpan<float>(w + (long)j * k + c0, len);
                for (int i = 0; i < m; i++)
                {
                    var dxi = new Span<float>(dx + (long)i * k + c0, len);
                    TensorPrimitives.FusedMultiplyAdd(wj, dy[(long)i * n + j], dxi, dxi);
                }
            }
        });
    }

    /// <summary>dw[N,K] (+)= dy[M,N]ᵀ · x[M,K]: a rank-M update, split over rows of dw.</summary>
    public static void XtY(float* dy, float* x, int m, int n, int k, float* dw, bool accumulate)
    {
        WorkPool.ForRange(n, Math.Max(1, MinChunkFloats / k), (j0, j1) =>
        {
            for (int j = j0; j < j1; j++)
            {
                var dwj = new Span<float>(dw + (long)j * k, k);
                if (!accumulate) dwj.Clear();
                for (int i = 0; i < m; i++)
                    TensorPrimitives.FusedMultiplyAdd(new ReadOnlySpan<float>(x + (long)i * k, k), dy[(long)i * n + j], dwj, dwj);
            }
        });
    }
}
