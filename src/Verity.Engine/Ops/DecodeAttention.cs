using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Verity.Engine.Ops;

/// <summary>
/// Attention of one new token's query heads over one kv head's cached keys and values (decode).
/// The cache of a sequence comes in up to two contiguous runs of rows (a shared prompt block, then the
/// sequence's own block), each row HD floats. The G query heads that share the kv head are done together,
/// so each key and value row is read from memory once per group.
/// <para>Per head g: s_j = scale·q_g·k_j, p = softmax(s), o_g = Σ_j p_j v_j. The sum is formed unnormalized
/// and divided by Σ p once at the end.</para>
/// </summary>
internal static unsafe class DecodeAttention
{
    /// <summary>A run of <c>Count</c> cached rows: keys at <c>K</c>, values at <c>V</c>, each row HD floats.</summary>
    public readonly struct Run(float* k, float* v, int count)
    {
        public readonly float* K = k, V = v;
        public readonly int Count = count;
    }

    /// <summary>
    /// q [G, HD] → o [G, HD] (overwritten) over the rows of <paramref name="first"/> then <paramref name="second"/>.
    /// <paramref name="scores"/> holds at least G·(first.Count + second.Count) floats.
    /// </summary>
    public static void Attend(float* q, int group, int hd, float scale, Run first, Run second, float* scores, float* o)
    {
        int len = first.Count + second.Count;
        if (len == 0)
        {
            new Span<float>(o, group * hd).Clear();
            return;
        }
        bool simd = Vector512.IsHardwareAccelerated && hd % 16 == 0 && hd <= 128;
        for (int g = 0; g < group; g++)
        {
            float* qg = q + g * hd, sg = scores + (long)g * len;
            if (simd)
            {
                ScoresAvx512(qg, first.K, first.Count, hd, scale, sg);
                ScoresAvx512(qg, second.K, second.Count, hd, scale, sg + first.Count);
            }
            else
            {
                for (int j = 0; j < first.Count; j++) sg[j] = scale * TensorPrimitives.Dot(new ReadOnlySpan<float>(qg, hd), new ReadOnlySpan<float>(first.K + (long)j * hd, hd));
                for (int j = 0; j < second.Count; j++) sg[first.Count + j] = scale * TensorPrimitives.Dot(new ReadOnlySpan<float>(qg, hd), new ReadOnlySpan<float>(second.K + (long)j * hd, hd));
            }
            var row = new Span<float>(sg, len);
            float max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, row);
            TensorPrimitives.Exp(row, row);
            float inv = 1f / TensorPrimitives.Sum(row);
            float* og = o + g * hd;
            if (simd)
            {
                WeightedSumAvx512(sg, first.V, first.Count, hd, og, accumulate: false);
                WeightedSumAvx512(sg + first.Count, second.V, second.Count, hd, og, accumulate: true);
            }
            else
            {
                var orow = new Span<float>(og, hd);
                orow.Clear();
                for (int j = 0; j < len; j++)
                {
                    float* v = j < first.Count ? first.V + (long)j * hd : second.V + (long)(j - first.Count) * hd;
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(v, hd), sg[j], orow, orow);
                }
            }
            TensorPrimitives.Multiply(new ReadOnlySpan<float>(og, hd), inv, new Span<float>(og, hd));
        }
    }

    /// <summary>s[j] = scale · q·k_j for rows j &lt; count; four rows per pass so the horizontal sums overlap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void ScoresAvx512(float* q, float* k, int count, int hd, float scale, float* s)
    {
        int j = 0;
        for (; j + 4 <= count; j += 4)
        {
            float* k0 = k + (long)j * hd;
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int p = 0; p < hd; p += 16)
            {
                var qv = Vector512.Load(q + p);
                a0 = Vector512.FusedMultiplyAdd(qv, Vector512.Load(k0 + p), a0);
                a1 = Vector512.FusedMultiplyAdd(qv, Vector512.Load(k0 + hd + p), a1);
                a2 = Vector512.FusedMultiplyAdd(qv, Vector512.Load(k0 + 2 * hd + p), a2);
                a3 = Vector512.FusedMultiplyAdd(qv, Vector512.Load(k0 + 3 * hd + p), a3);
            }
            s[j] = scale * Vector512.Sum(a0);
            s[j + 1] = scale * Vector512.Sum(a1);
            s[j + 2] = scale * Vector512.Sum(a2);
            s[j + 3] = scale * Vector512.Sum(a3);
        }
        for (; j < count; j++)
        {
            float* kj = k + (long)j * hd;
            Vector512<float> a = default;
            for (int p = 0; p < hd; p += 16) a = Vector512.FusedMultiplyAdd(Vector512.Load(q + p), Vector512.Load(kj + p), a);
            s[j] = scale * Vector512.Sum(a);
        }
    }

    /// <summary>o (+)= Σ_j w[j]·v_j over rows j &lt; count, HD ≤ 128 held in up to 8 registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void WeightedSumAvx512(float* w, float* v, int count, int hd, float* o, bool accumulate)
    {
        int vecs = hd / 16;
        var acc = stackalloc Vector512<float>[8];
        for (int p = 0; p < vecs; p++) acc[p] = accumulate ? Vector512.Load(o + 16 * p) : default;
        if (vecs == 4)
        {
            // The common head size (64): accumulators stay in registers.
            Vector512<float> r0 = acc[0], r1 = acc[1], r2 = acc[2], r3 = acc[3];
            for (int j = 0; j < count; j++)
            {
                float* vj = v + (long)j * hd;
                var x = Vector512.Create(w[j]);
                r0 = Vector512.FusedMultiplyAdd(x, Vector512.Load(vj), r0);
                r1 = Vector512.FusedMultiplyAdd(x, Vector512.Load(vj + 16), r1);
                r2 = Vector512.FusedMultiplyAdd(x, Vector512.Load(vj + 32), r2);
                r3 = Vector512.FusedMultiplyAdd(x, Vector512.Load(vj + 48), r3);
            }
            (acc[0], acc[1], acc[2], acc[3]) = (r0, r1, r2, r3);
        }
        else
        {
            for (int j = 0; j < count; j++)
            {
                float* vj = v + (long)j * hd;
                var x = Vector512.Create(w[j]);
                for (int p = 0; p < vecs; p++) acc[p] = Vector512.FusedMultiplyAdd(x, Vector512.Load(vj + 16 * p), acc[p]);
            }
        }
        for (int p = 0; p < vecs; p++) acc[p].Store(o + 16 * p);
    }

    /// <summary>float64 reference: q [G, HD], keys/values [L, HD] → o [G, HD].</summary>
    public static double[] Reference(double[] q, double[] k, double[] v, int group, int hd, int len, double scale)
    {
        var o = new double[group * hd];
        var s = new double[len];
        for (int g = 0; g < group; g++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < len; j++)
            {
                double d = 0;
                for (int p = 0; p < hd; p++) d += q[g * hd + p] * k[j * hd + p];
                s[j] = d * scale;
                max = Math.Max(max, s[j]);
            }
            double sum = 0;
            for (int j = 0; j < len; j++) sum += s[j] = Math.Exp(s[j] - max);
            for (int j = 0; j < len; j++)
                for (int p = 0; p < hd; p++) o[g * hd + p] += s[j] / sum * v[j * hd + p];
        }
        return o;
    }
}
