using System.Numerics.Tensors;

namespace Verity.Engine.Ops;

/// <summary>
/// The rows of a batch an attention call may look at: right-padded sequences of <see cref="Lengths"/> valid
/// tokens in rows of <see cref="T"/>, optionally packed (several documents per row, told apart by segment ids).
/// Query t attends to keys s ≤ t with the same segment; padded queries (t ≥ length) produce zeros.
/// </summary>
public sealed record AttentionMask(int B, int T, int[] Lengths, int[]? Segments)
{
    public bool Allowed(int b, int query, int key)
        => key <= query && (Segments is null || Segments[b * T + key] == Segments[b * T + query]);
}

/// <summary>
/// Causal grouped-query attention. Query head h reads kv head h / (NH / NKV); repeated K/V are never built.
/// Scale HD^−½, float32 softmax. Forward keeps only the log-sum-exp of each score row; backward recomputes
/// the probabilities from it (flash-attention style), so memory is O(B·NH·T) rather than O(B·NH·T²).
/// </summary>
public static class Attention
{
    /// <summary>
    /// q [B,T,NH,HD], k [B,T,NKV,HD], v [B,T,NKV,HD] → o [B,T,NH,HD], lse [B,NH,T].
    /// </summary>
    public static void Forward(float[] q, float[] k, float[] v, AttentionMask mask, int nh, int nkv, int hd, float[] o, float[] lse)
    {
        int b = mask.B, t = mask.T, group = nh / nkv;
        float scale = 1f / MathF.Sqrt(hd);
        RowParallel.For(b * nh, (long)t * t * hd, (start, end) =>
        {
            var p = new float[t];
            for (int task = start; task < end; task++)
            {
                int bi = task / nh, h = task % nh, kvh = h / group, len = mask.Lengths[bi];
                for (int tq = 0; tq < t; tq++)
                {
                    var orow = o.AsSpan(((bi * t + tq) * nh + h) * hd, hd);
                    if (tq >= len)
                    {
                        orow.Clear();
                        lse[(bi * nh + h) * t + tq] = 0;
                        continue;
                    }
                    var qrow = q.AsSpan(((bi * t + tq) * nh + h) * hd, hd);
                    float max = float.NegativeInfinity;
                    for (int s = 0; s <= tq; s++)
                    {
                        if (!mask.Allowed(bi, tq, s)) { p[s] = float.NegativeInfinity; continue; }
                        float sc = scale * TensorPrimitives.Dot(qrow, k.AsSpan(((bi * t + s) * nkv + kvh) * hd, hd));
                        p[s] = sc;
                        if (sc > max) max = sc;
                    }
                    var pr = p.AsSpan(0, tq + 1);
                    TensorPrimitives.Subtract(pr, max, pr);
                    TensorPrimitives.Exp(pr, pr);
                    float sum = TensorPrimitives.Sum(pr);
                    lse[(bi * nh + h) * t + tq] = max + MathF.Log(sum);
                    float inv = 1f / sum;
                    orow.Clear();
                    for (int s = 0; s <= tq; s++)
                    {
                        if (pr[s] == 0) continue;
                        TensorPrimitives.MultiplyAdd(v.AsSpan(((bi * t + s) * nkv + kvh) * hd, hd), pr[s] * inv, orow, orow);
                    }
                }
            }
        });
    }

    /// <summary>
    /// dO [B,T,NH,HD] with the forward's q, k, v, o, lse → dq [B,T,NH,HD], dk, dv [B,T,NKV,HD] (all overwritten).
    /// P = exp(S − lse); dV = PᵀdO; dP = dO·Vᵀ; dS = P ⊙ (dP − rowsum(dO ⊙ O)); dQ = s·dS·K; dK = s·dSᵀQ.
    /// One task per (sequence, kv head) owns its dK/dV rows, summing over the group's query heads in order.
    /// </summary>
    public static void Backward(float[] dO, float[] q, float[] k, float[] v, float[] o, float[] lse, AttentionMask mask,
        int nh, int nkv, int hd, float[] dq, float[] dk, float[] dv)
    {
        int b = mask.B, t = mask.T, group = nh / nkv;
        float scale = 1f / MathF.Sqrt(hd);
        RowParallel.For(b * nkv, (long)group * t * t * hd * 2, (start, end) =>
        {
            var ds = new float[t];
            for (int task = start; task < end; task++)
            {
                int bi = task / nkv, kvh = task % nkv, len = mask.Lengths[bi];
                for (int s = 0; s < t; s++)
                {
                    dk.AsSpan(((bi * t + s) * nkv + kvh) * hd, hd).Clear();
                    dv.AsSpan(((bi * t + s) * nkv + kvh) * hd, hd).Clear();
                }
                for (int h = kvh * group; h < (kvh + 1) * group; h++)
                    for (int tq = 0; tq < t; tq++)
                    {
                        int qo = ((bi * t + tq) * nh + h) * hd;
                        var dqrow = dq.AsSpan(qo, hd);
                        dqrow.Clear();
                        if (tq >= len) continue;
                        var qrow = q.AsSpan(qo, hd);
                        var dorow = dO.AsSpan(qo, hd);
                        float rowLse = lse[(bi * nh + h) * t + tq];
                        float dd = TensorPrimitives.Dot(dorow, o.AsSpan(qo, hd));
                        for (int s = 0; s <= tq; s++)
                        {
                            if (!mask.Allowed(bi, tq, s)) { ds[s] = 0; continue; }
                            int ko = ((bi * t + s) * nkv + kvh) * hd;
                            float pv = MathF.Exp(scale * TensorPrimitives.Dot(qrow, k.AsSpan(ko, hd)) - rowLse);
                            float dp = TensorPrimitives.Dot(dorow, v.AsSpan(ko, hd));
                            TensorPrimitives.MultiplyAdd(dorow, pv, dv.AsSpan(ko, hd), dv.AsSpan(ko, hd));
                            ds[s] = pv * (dp - dd) * scale;
                        }
                        for (int s = 0; s <= tq; s++)
                        {
                            if (ds[s] == 0) continue;
                            int ko = ((bi * t + s) * nkv + kvh) * hd;
                            TensorPrimitives.MultiplyAdd(k.AsSpan(ko, hd), ds[s], dqrow, dqrow);
                            TensorPrimitives.MultiplyAdd(qrow, ds[s], dk.AsSpan(ko, hd), dk.AsSpan(ko, hd));
                        }
                    }
            }
        });
    }

    /// <summary>float64 reference: q [B,T,NH,HD], k, v [B,T,NKV,HD] → o [B,T,NH,HD] via an explicit full softmax.</summary>
    public static double[] Reference(double[] q, double[] k, double[] v, AttentionMask mask, int nh, int nkv, int hd)
    {
        int b = mask.B, t = mask.T;
        var o = new double[b * t * nh * hd];
        double scale = 1.0 / Math.Sqrt(hd);
        for (int bi = 0; bi < b; bi++)
            for (int h = 0; h < nh; h++)
            {
                int kvh = h / (nh / nkv);
                for (int tq = 0; tq < mask.Lengths[bi]; tq++)
                {
                    var sc = new double[t];
                    double max = double.NegativeInfinity;
                    for (int s = 0; s < t; s++)
                    {
                        if (!mask.Allowed(bi, tq, s)) { sc[s] = double.NegativeInfinity; continue; }
                        double d = 0;
                        for (int j = 0; j < hd; j++) d += q[((bi * t + tq) * nh + h) * hd + j] * k[((bi * t + s) * nkv + kvh) * hd + j];
                        sc[s] = d * scale;
                        max = Math.Max(max, sc[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s < t; s++) { sc[s] = Math.Exp(sc[s] - max); sum += sc[s]; }
                    for (int s = 0; s < t; s++)
                        for (int j = 0; j < hd; j++)
                            o[((bi * t + tq) * nh + h) * hd + j] += sc[s] / sum * v[((bi * t + s) * nkv + kvh) * hd + j];
                }
            }
        return o;
    }
}
