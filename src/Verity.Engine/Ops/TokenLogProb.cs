using System.Numerics.Tensors;
using Verity.Engine.Kernels;

namespace Verity.Engine.Ops;

/// <summary>
/// LM head fused with log-softmax, target gather and entropy, streamed over the vocabulary in chunks of
/// <c>chunk</c> rows of W so that the [N, V] logits never exist: only [N, chunk] at a time.
/// Forward keeps per row a running max m, S = Σ e^{z−m} and Z = Σ e^{z−m}(z − m), so that
/// lse = m + log S and H = log S − Z/S. Backward recomputes each logits chunk.
/// A sampling temperature τ divides the logits first (z = h·Wᵀ/τ, as TRL scores completions sampled at τ).
/// </summary>
public static class TokenLogProb
{
    /// <summary>
    /// h [N,C], W [V,C], targets [N] → logp [N] = z_target − lse, entropy [N], lse [N], with z = h·Wᵀ/τ.
    /// <paramref name="scratch"/> holds at least N·chunk floats.
    /// </summary>
    public static void Forward(float[] h, float[] w, int[] targets, int n, int c, int v, int chunk,
        float[] scratch, float[] logp, float[] entropy, float[] lse, float temperature = 1f)
    {
        if (n == 0) return;
        float invT = 1f / temperature;
        var m = new float[n];
        var s = new float[n];
        var z = new float[n];
        var zt = new float[n];
        m.AsSpan().Fill(float.NegativeInfinity);
        for (int v0 = 0; v0 < v; v0 += chunk)
        {
            int vc = Math.Min(chunk, v - v0);
            Gemm.XWt(h.AsSpan(0, n * c), w.AsSpan(v0 * c, vc * c), n, vc, c, scratch.AsSpan(0, n * vc));
            int first = v0;
            RowParallel.For(n, 4L * vc, (start, end) =>
            {
                var e = new float[vc];
                for (int i = start; i < end; i++)
                {
                    var row = scratch.AsSpan(i * vc, vc);
                    if (invT != 1f) TensorPrimitives.Multiply(row, invT, row);
                    int tg = targets[i] - first;
                    if ((uint)tg < (uint)vc) zt[i] = row[tg];
                    float mc = TensorPrimitives.Max(row);
                    if (mc > m[i])
                    {
                        // Rescale the running sums to the new max: e' = e·α, (z − m') = (z − m) + (m − m').
                        if (s[i] > 0)
                        {
                            float alpha = MathF.Exp(m[i] - mc);
                            z[i] = alpha * (z[i] + s[i] * (m[i] - mc));
                            s[i] *= alpha;
                        }
                        m[i] = mc;
                    }
                    TensorPrimitives.Subtract(row, m[i], row);
                    TensorPrimitives.Exp(row, e);
                    s[i] += TensorPrimitives.Sum(e);
                    z[i] += TensorPrimitives.Dot(e, row);
                }
            });
        }
        for (int i = 0; i < n; i++)
        {
            float logS = MathF.Log(s[i]);
            lse[i] = m[i] + logS;
            logp[i] = zt[i] - lse[i];
            entropy[i] = logS - z[i] / s[i];
        }
    }

    /// <summary>
    /// Upstream dLogp [N], dEntropy [N] (a, b) with the forward's lse, entropy → dh [N,C] (+=), dW [V,C] (+=; null skips).
    /// dz_j = a·(δ_{j,target} − p_j) − b·p_j·(log p_j + H), then ÷τ for the raw logits h·Wᵀ.
    /// </summary>
    public static void Backward(float[] h, float[] w, int[] targets, float[] lse, float[] entropy,
        float[] dLogp, float[] dEntropy, int n, int c, int v, int chunk, float[] scratch, float[] dh, float[]? dw, float temperature = 1f)
    {
        if (n == 0) return;
        float invT = 1f / temperature;
        for (int v0 = 0; v0 < v; v0 += chunk)
        {
            int vc = Math.Min(chunk, v - v0);
            var wc = w.AsSpan(v0 * c, vc * c);
            Gemm.XWt(h.AsSpan(0, n * c), wc, n, vc, c, scratch.AsSpan(0, n * vc));
            int first = v0;
            RowParallel.For(n, 4L * vc, (start, end) =>
            {
                var p = new float[vc];
                for (int i = start; i < end; i++)
                {
                    var row = scratch.AsSpan(i * vc, vc);
                    float a = dLogp[i], b = dEntropy[i];
                    if (a == 0 && b == 0) { row.Clear(); continue; }
                    if (invT != 1f) TensorPrimitives.Multiply(row, invT, row);
                    TensorPrimitives.Subtract(row, lse[i], row);   // log p
                    TensorPrimitives.Exp(row, p);                  // p
                    // dz = −p·(a + b·H + b·log p)
                    TensorPrimitives.Multiply(row, -b, row);
                    TensorPrimitives.Add(row, -(a + b * entropy[i]), row);
                    TensorPrimitives.Multiply(row, p, row);
                    int tg = targets[i] - first;
                    if ((uint)tg < (uint)vc) row[tg] += a;
                    if (invT != 1f) TensorPrimitives.Multiply(row, invT, row);
                }
            });
            Gemm.XW(scratch.AsSpan(0, n * vc), wc, n, vc, c, dh.AsSpan(0, n * c), accumulate: true);
            if (dw is not null) Gemm.XtY(scratch.AsSpan(0, n * vc), h.AsSpan(0, n * c), n, vc, c, dw.AsSpan(v0 * c, vc * c), accumulate: true);
        }
    }

    /// <summary>float64 reference via full logits: h [N,C], W [V,C], targets [N] → (logp [N], entropy [N]) of softmax(h·Wᵀ/τ).</summary>
    public static (double[] LogProb, double[] Entropy) Reference(double[] h, double[] w, int[] targets, int n, int c, int v, double temperature = 1)
    {
        var logp = new double[n];
        var ent = new double[n];
        var z = new double[v];
        for (int i = 0; i < n; i++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < v; j++)
            {
                double s = 0;
                for (int k = 0; k < c; k++) s += h[i * c + k] * w[j * c + k];
                z[j] = s / temperature;
                max = Math.Max(max, s);
            }
            double sum = 0;
            for (int j = 0; j < v; j++) sum += Math.Exp(z[j] - max);
            double lse = max + Math.Log(sum);
            logp[i] = z[targets[i]] - lse;
            double hsum = 0;
            for (int j = 0; j < v; j++)
            {
                double lp = z[j] - lse;
                hsum -= Math.Exp(lp) * lp;
            }
            ent[i] = hsum;
        }
        return (logp, ent);
    }
}
