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
    /// Rows j0..j1 of w against all M rows of x: two w rows × four x rows per pass (8 accumulators,
    /// 6 loads per 8 FMAs), so each w row is streamed from memory once and x stays in L1/L2.
    /// Every pass also prefetches the next row pair into L2: a pass after the first makes no memory requests of its
    /// own, so without it the weight stream stalled between pairs (Qwen2.5-0.5B's 545 MB head at M = 16 took 48–62 ms
    /// on two threads, 34 ms with it; at M = 4, 40 → 20 ms on one thread). The prefetch is unconditional because a
    /// branch in this loop made the JIT spill the accumulators to the stack on every iteration (3× slower), and
    /// so did a 2 × 8 variant with 16 accumulators.
    /// Missing x rows (M not a multiple of 4) repeat row 0 and their sums are dropped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void XWtAvx512(float* x, float* w, int m, int n, int k, float* y, int j0, int j1, bool accumulate)
    {
        int kVec = k & ~15;
        for (int j = j0; j < j1; j += 2)
        {
            bool pair = j + 1 < j1;
            float* w0 = w + (long)j * k;
            float* w1 = pair ? w0 + k : w0;
            float* next0 = w0 + 2 * (long)k, next1 = next0 + k; // prefetch never faults, so past the end is fine
            for (int i0 = 0; i0 < m; i0 += 4)
            {
                float* x0 = x + (long)i0 * k;
                float* x1 = i0 + 1 < m ? x0 + k : x0;
                float* x2 = i0 + 2 < m ? x0 + 2 * k : x0;
                float* x3 = i0 + 3 < m ? x0 + 3 * k : x0;
                Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default;
                Vector512<float> s10 = default, s11 = default, s12 = default, s13 = default;
                for (int p = 0; p < kVec; p += 16)
                {
                    Sse.Prefetch1(next0 + p); Sse.Prefetch1(next1 + p); // every pass: a branch here made the JIT spill the accumulators
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
                int rows = Math.Min(4, m - i0);
                Store(Vector512.Sum(s00), x0, w0, kVec, k, y + (long)i0 * n + j, accumulate);
                if (rows > 1) Store(Vector512.Sum(s01), x1, w0, kVec, k, y + (long)(i0 + 1) * n + j, accumulate);
                if (rows > 2) Store(Vector512.Sum(s02), x2, w0, kVec, k, y + (long)(i0 + 2) * n + j, accumulate);
                if (rows > 3) Store(Vector512.Sum(s03), x3, w0, kVec, k, y + (long)(i0 + 3) * n + j, accumulate);
                if (!pair) continue;
                Store(Vector512.Sum(s10), x0, w1, kVec, k, y + (long)i0 * n + j + 1, accumulate);
                if (rows > 1) Store(Vector512.Sum(s11), x1, w1, kVec, k, y + (long)(i0 + 1) * n + j + 1, accumulate);
                if (rows > 2) Store(Vector512.Sum(s12), x2, w1, kVec, k, y + (long)(i0 + 2) * n + j + 1, accumulate);
                if (rows > 3) Store(Vector512.Sum(s13), x3, w1, kVec, k, y + (long)(i0 + 3) * n + j + 1, accumulate);
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
