using System.Numerics.Tensors;
using Verity.Engine.Threading;

namespace Verity.Engine.Kernels;

/// <summary>
/// Products with at most <see cref="MaxM"/> token rows (decode, one sequence per row). Packing would
/// cost as much as the arithmetic here, and the work is bound by reading the weight once, so these
/// stream the weight row by row with <see cref="TensorPrimitives"/>. Work is split over output
/// columns or rows only, so sums do not depend on the thread count.
/// </summary>
internal static unsafe class GemmSmallM
{
    public const int MaxM = 4;

    /// <summary>Weight floats per task: enough to amortize a task hand-off.</summary>
    private const int MinChunkFloats = 1 << 15;

    /// <summary>y[M,N] (+)= x[M,K] · w[N,K]ᵀ: one dot product per output, w row j read once for all M rows.</summary>
    public static void XWt(float* x, float* w, int m, int n, int k, float* y, bool accumulate)
    {
        WorkPool.ForRange(n, Math.Max(1, MinChunkFloats / k), (j0, j1) =>
        {
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
        });
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
