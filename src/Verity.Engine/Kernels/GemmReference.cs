namespace Verity.Engine.Kernels;

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
