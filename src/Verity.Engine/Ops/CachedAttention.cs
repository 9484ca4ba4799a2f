using System.Numerics.Tensors;

namespace Verity.Engine.Ops;

/// <summary>
/// Attention of new rows against a KV cache (incremental decoding). Row i sits at position pos[i] of cache slot
/// slot[i] and attends to that slot's positions [0, pos[i]], whose K/V (its own included) are already written.
/// Cache layout per layer: [slots, NKV, capacity, HD]; query head h reads kv head h / (NH / NKV).
/// </summary>
public static class CachedAttention
{
    /// <summary>q [N,NH,HD], kCache/vCache [slots,NKV,cap,HD] → o [N,NH,HD].</summary>
    public static void Forward(float[] q, int n, int[] slot, int[] pos, float[] kCache, float[] vCache, int cap,
        int nh, int nkv, int hd, float[] o)
    {
        int group = nh / nkv;
        float scale = 1f / MathF.Sqrt(hd);
        long work = 4L * hd * (pos.Length == 0 ? 1 : pos.Max() + 1);
        RowParallel.For(n * nh, work, (start, end) =>
        {
            float[] p = [];
            for (int task = start; task < end; task++)
            {
                int i = task / nh, h = task % nh, kvh = h / group, len = pos[i] + 1;
                if (p.Length < len) p = new float[Math.Max(len, 2 * p.Length)];
                var qrow = q.AsSpan((i * nh + h) * hd, hd);
                var orow = o.AsSpan((i * nh + h) * hd, hd);
                long baseOff = ((long)(slot[i] * nkv + kvh) * cap) * hd;
                var pr = p.AsSpan(0, len);
                for (int s = 0; s < len; s++) pr[s] = scale * TensorPrimitives.Dot(qrow, kCache.AsSpan((int)(baseOff + (long)s * hd), hd));
                float max = TensorPrimitives.Max(pr);
                TensorPrimitives.Subtract(pr, max, pr);
                TensorPrimitives.Exp(pr, pr);
                float inv = 1f / TensorPrimitives.Sum(pr);
                orow.Clear();
                for (int s = 0; s < len; s++)
                    TensorPrimitives.MultiplyAdd(vCache.AsSpan((int)(baseOff + (long)s * hd), hd), pr[s] * inv, orow, orow);
            }
        });
    }
}
