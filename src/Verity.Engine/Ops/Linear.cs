using System.Numerics.Tensors;
using Verity.Engine.Kernels;

namespace Verity.Engine.Ops;

/// <summary>Linear layer y = x·Wᵀ + b with PyTorch's [out, in] weight layout. Matmuls go through <see cref="Gemm"/>.</summary>
public static class Linear
{
    /// <summary>x [N,In], w [Out,In], b [Out] or null → y [N,Out] (overwritten).</summary>
    public static void Forward(float[] x, float[] w, float[]? bias, int n, int outDim, int inDim, float[] y)
    {
        Gemm.XWt(x.AsSpan(0, n * inDim), w, n, outDim, inDim, y.AsSpan(0, n * outDim));
        if (bias is null) return;
        for (int i = 0; i < n; i++) TensorPrimitives.Add(y.AsSpan(i * outDim, outDim), bias, y.AsSpan(i * outDim, outDim));
    }

    /// <summary>
    /// Several layers reading the same x [N,In] (q/k/v, gate/up): ys[i] [N,Out_i] = x·ws[i]ᵀ + biases[i]. Same results
    /// as one <see cref="Forward"/> each; with few rows (decode) the weights are streamed in one parallel pass.
    /// </summary>
    public static void ForwardMany(float[] x, ReadOnlySpan<float[]> ws, ReadOnlySpan<float[]?> biases, int n, ReadOnlySpan<int> outDims, int inDim, ReadOnlySpan<float[]> ys)
    {
        Gemm.XWtMany(x.AsSpan(0, n * inDim), ws, n, outDims, inDim, ys);
        for (int l = 0; l < ws.Length; l++)
        {
            if (biases[l] is not { } bias) continue;
            int o = outDims[l];
            for (int i = 0; i < n; i++) TensorPrimitives.Add(ys[l].AsSpan(i * o, o), bias, ys[l].AsSpan(i * o, o));
        }
    }

    /// <summary>
    /// <see cref="ForwardMany"/> for one row (single-sequence decode), each thread's read running on into its part of
    /// <paramref name="following"/> [followingDims[j], followingInDim], the weights the step reads next (see
    /// <see cref="Gemm.XWtOneRowStream"/>). Same results as <see cref="ForwardMany"/> with N = 1.
    /// </summary>
    public static void ForwardOneRowStream(float[] x, ReadOnlySpan<float[]> ws, ReadOnlySpan<float[]?> biases, ReadOnlySpan<int> outDims, int inDim,
        ReadOnlySpan<float[]> ys, ReadOnlySpan<float[]> following, ReadOnlySpan<int> followingDims, int followingInDim)
    {
        Gemm.XWtOneRowStream(x.AsSpan(0, inDim), ws, outDims, inDim, ys, following, followingDims, followingInDim);
        for (int l = 0; l < ws.Length; l++)
            if (biases[l] is { } bias) TensorPrimitives.Add(ys[l].AsSpan(0, outDims[l]), bias, ys[l].AsSpan(0, outDims[l]));
    }

    /// <summary>
    /// dy [N,Out], x [N,In], w [Out,In] → dx [N,In] (+= when accumulate; null skips), dw [Out,In] (+=; null skips,
    /// e.g. frozen), db [Out] (+=; null skips). dx = dy·W, dW = dyᵀx, db = Σ_rows dy.
    /// </summary>
    public static void Backward(float[] dy, float[] x, float[] w, int n, int outDim, int inDim,
        float[]? dx, bool accumulate, float[]? dw, float[]? db)
    {
        if (dx is not null) Gemm.XW(dy.AsSpan(0, n * outDim), w, n, outDim, inDim, dx.AsSpan(0, n * inDim), accumulate);
        if (dw is not null) Gemm.XtY(dy.AsSpan(0, n * outDim), x.AsSpan(0, n * inDim), n, outDim, inDim, dw, accumulate: true);
        if (db is null) return;
        for (int i = 0; i < n; i++) TensorPrimitives.Add(db, dy.AsSpan(i * outDim, outDim), db);
    }

    /// <summary>float64 reference: x [N,In], w [Out,In], b [Out]? → y [N,Out].</summary>
    public static double[] Reference(double[] x, double[] w, double[]? bias, int n, int outDim, int inDim)
    {
        var y = new double[n * outDim];
        for (int i = 0; i < n; i++)
            for (int o = 0; o < outDim; o++)
            {
                double s = bias?[o] ?? 0;
                for (int j = 0; j < inDim; j++) s += x[i * inDim + j] * w[o * inDim + j];
                y[i * outDim + o] = s;
            }
        return y;
    }
}
