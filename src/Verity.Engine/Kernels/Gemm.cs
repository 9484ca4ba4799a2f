namespace Verity.Engine.Kernels;

/// <summary>
/// float32 matrix products in the three layouts training needs. Row-major everywhere.
/// Parameter order: inputs, sizes, destination. When <c>accumulate</c> is false the
/// destination is overwritten, else added to.
/// </summary>
public static class Gemm
{
    /// <summary>Forward of a linear layer: y[M,N] (+)= x[M,K] · w[N,K]ᵀ.</summary>
    public static void XWt(ReadOnlySpan<float> x, ReadOnlySpan<float> w, int m, int n, int k, Span<float> y, bool accumulate = false)
        => GemmReference.XWt(x, w, m, n, k, y, accumulate);

    /// <summary>Input gradient of a linear layer: dx[M,K] (+)= dy[M,N] · w[N,K].</summary>
    public static void XW(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, int m, int n, int k, Span<float> dx, bool accumulate = false)
        => GemmReference.XW(dy, w, m, n, k, dx, accumulate);

    /// <summary>Weight gradient of a linear layer: dw[N,K] (+)= dy[M,N]ᵀ · x[M,K].</summary>
    public static void XtY(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, int m, int n, int k, Span<float> dw, bool accumulate = true)
        => GemmReference.XtY(dy, x, m, n, k, dw, accumulate);
}

/// <summary>Naive triple loops in float64 accumulation: the reference every fast GEMM is tested against.</summary>
public static class GemmReference
{
    public static void XWt(ReadOnlySpan<float> x, ReadOnlySpan<float> w, int m, int n, int k, Span<float> y, bool accumulate = false)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double)x[i * k + p] * w[j * k + p];
                y[i * n + j] = accumulate ? y[i * n + j] + (float)s : (float)s;
            }
    }

    public static void XW(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, int m, int n, int k, Span<float> dx, bool accumulate = false)
    {
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++)
            {
                double s = 0;
                for (int j = 0; j < n; j++) s += (double)dy[i * n + j] * w[j * k + p];
                dx[i * k + p] = accumulate ? dx[i * k + p] + (float)s : (float)s;
            }
    }

    public static void XtY(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, int m, int n, int k, Span<float> dw, bool accumulate = true)
    {
        for (int j = 0; j < n; j++)
            for (int p = 0; p < k; p++)
            {
                double s = 0;
                for (int i = 0; i < m; i++) s += (double)dy[i * n + j] * x[i * k + p];
                dw[j * k + p] = accumulate ? dw[j * k + p] + (float)s : (float)s;
            }
    }
}
