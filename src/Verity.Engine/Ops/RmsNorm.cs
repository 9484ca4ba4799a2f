using System.Numerics.Tensors;

namespace Verity.Engine.Ops;

/// <summary>
/// RMSNorm y = w ⊙ x · rsqrt(mean(x²) + eps), HF semantics (weight multiplies directly, not 1 + w).
/// Serves the block norms (rows N = B·T, width C) and Qwen3's q/k norms (rows N·NH, width HD).
/// </summary>
public static class RmsNorm
{
    /// <summary>x [N,C], w [C] → y [N,C], rstd [N] (kept for backward).</summary>
    public static void Forward(float[] x, float[] w, int n, int c, float eps, float[] y, float[] rstd)
    {
        RowParallel.For(n, 3L * c, (start, end) =>
        {
            for (int i = start; i < end; i++)
            {
                var xr = x.AsSpan(i * c, c);
                var yr = y.AsSpan(i * c, c);
                float r = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(xr) / c + eps);
                rstd[i] = r;
                TensorPrimitives.Multiply(xr, r, yr);
                TensorPrimitives.Multiply(yr, w, yr);
            }
        });
    }

    /// <summary>
    /// dy [N,C], x [N,C], w [C], rstd [N] → dx [N,C] (+= when accumulate, else overwritten), dw [C] (+=; null skips).
    /// With ĝ = dy ⊙ w: dx = r·ĝ − x·r³·mean(ĝ ⊙ x); dw = Σ_rows dy ⊙ x·r.
    /// </summary>
    public static void Backward(float[] dy, float[] x, float[] w, float[] rstd, int n, int c, float[] dx, bool accumulate, float[]? dw)
    {
        RowParallel.For(n, 5L * c, (start, end) =>
        {
            var g = new float[c];
            for (int i = start; i < end; i++)
            {
                var xr = x.AsSpan(i * c, c);
                var dyr = dy.AsSpan(i * c, c);
                var dxr = dx.AsSpan(i * c, c);
                float r = rstd[i];
                TensorPrimitives.Multiply(dyr, w, g);
                float k = -TensorPrimitives.Dot(g, xr) * r * r * r / c;
                // dx = r·g + k·x
                TensorPrimitives.Multiply(g, r, g);
                if (accumulate) TensorPrimitives.Add(dxr, g, dxr);
                else g.CopyTo(dxr);
                TensorPrimitives.MultiplyAdd(xr, k, dxr, dxr);
            }
        });
        if (dw is null) return;
        // Weight gradient sums over rows: serial in row order so it is deterministic.
        var t = new float[c];
        for (int i = 0; i < n; i++)
        {
            TensorPrimitives.Multiply(x.AsSpan(i * c, c), rstd[i], t);
            TensorPrimitives.MultiplyAdd(dy.AsSpan(i * c, c), t, dw, dw);
        }
    }

    /// <summary>float64 reference forward: x [N,C], w [C] → y [N,C].</summary>
    public static double[] Reference(double[] x, double[] w, int n, int c, double eps)
    {
        var y = new double[n * c];
        for (int i = 0; i < n; i++)
        {
            double ss = 0;
            for (int j = 0; j < c; j++) ss += x[i * c + j] * x[i * c + j];
            double r = 1.0 / Math.Sqrt(ss / c + eps);
            for (int j = 0; j < c; j++) y[i * c + j] = w[j] * x[i * c + j] * r;
        }
        return y;
    }
}
