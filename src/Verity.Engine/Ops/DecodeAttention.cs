using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Verity.Engine.Ops;

/// <summary>
/// Attention of one new token's query heads over one kv head's cached keys and values (decode).
/// The cache of a sequence comes in up to two contiguous runs of rows (a shared prompt block, then the
/// sequence's own block), each row HD floats. The G query heads that share the kv head are scored in one
/// pass over the keys, so each key and value row is read from memory once per group.
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
        bool simd = Vector512.IsHardwareAccelerated && Sse.IsSupported && hd % 16 == 0 && hd <= 128;
        if (simd)
        {
            ScoresAvx512(q, group, first.K, first.V, first.Count, hd, scale, scores, len);
            ScoresAvx512(q, group, second.K, second.V, second.Count, hd, scale, scores + first.Count, len);
        }
        else
        {
            for (int g = 0; g < group; g++)
            {
                float* qg = q + g * hd, sg = scores + (long)g * len;
                for (int j = 0; j < first.Count; j++) sg[j] = scale * TensorPrimitives.Dot(new ReadOnlySpan<float>(qg, hd), new ReadOnlySpan<float>(first.K + (long)j * hd, hd));
                for (int j = 0; j < second.Count; j++) sg[first.Count + j] = scale * TensorPrimitives.Dot(new ReadOnlySpan<float>(qg, hd), new ReadOnlySpan<float>(second.K + (long)j * hd, hd));
            }
        }
        var inv = stackalloc float[group];
        for (int g = 0; g < group; g++)
        {
            var row = new Span<float>(scores + (long)g * len, len);
            float max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, row);
            TensorPrimitives.Exp(row, row);
            inv[g] = 1f / TensorPrimitives.Sum(row);
        }
        if (simd)
        {
            WeightedSumAvx512(scores, len, group, first.V, first.Count, hd, o, accumulate: false);
            WeightedSumAvx512(scores + first.Count, len, group, second.V, second.Count, hd, o, accumulate: true);
        }
        else
        {
            for (int g = 0; g < group; g++)
            {
                float* sg = scores + (long)g * len;
                var orow = new Span<float>(o + g * hd, hd);
                orow.Clear();
                for (int j = 0; j < len; j++)
                {
                    float* v = j < first.Count ? first.V + (long)j * hd : second.V + (long)(j - first.Count) * hd;
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(v, hd), sg[j], orow, orow);
                }
            }
        }
        for (int g = 0; g < group; g++)
            TensorPrimitives.Multiply(new ReadOnlySpan<float>(o + g * hd, hd), inv[g], new Span<float>(o + g * hd, hd));
    }

    /// <summary>Software prefetch distance for keys, in rows (2 KB at HD = 64).</summary>
    const int KeyPrefetchRows = 8;

    /// <summary>
    /// s[g·stride + j] = scale · q_g·k_j for every query head g &lt; G and row j &lt; count, four rows per pass so
    /// the horizontal sums overlap; each block of four key rows is read from memory once for all G heads.
    /// The cache was last touched a whole token ago (every weight matrix has streamed through since), so it
    /// comes from memory, and the hardware prefetcher stops at every 4 KB page: the keys are asked for
    /// <see cref="KeyPrefetchRows"/> rows ahead, and the block's values — which the weighted sum reads next —
    /// now. Prefetches past the end of a run are harmless (they never fault); measured on one layer at 192
    /// positions, 29 → 19 µs from memory on one thread.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void ScoresAvx512(float* q, int group, float* k, float* v, int count, int hd, float scale, float* s, int stride)
    {
        int j = 0;
        for (; j + 4 <= count; j += 4)
        {
            float* k0 = k + (long)j * hd, v0 = v + (long)j * hd, ka = k0 + KeyPrefetchRows * hd;
            for (int b = 0; b < 4 * hd; b += 16)
            {
                Sse.Prefetch0(ka + b);
                Sse.Prefetch0(v0 + b);
            }
            for (int g = 0; g < group; g++)
            {
                float* qg = q + g * hd, sg = s + (long)g * stride + j;
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int p = 0; p < hd; p += 16)
                {
                    var qv = Vector512.Load(qg + p);
                    a0 = Vector512.FusedMultiplyAdd(qv, Vector512.Load(k0 + p), a0);
                    a1 = Vector512.FusedMultiplyAdd(qv, Vector512.Load(k0 + hd + p), a1);
                    a2 = Vector512.FusedMultiplyAdd(qv, Vector512.Load(k0 + 2 * hd + p), a2);
                    a3 = Vector512.FusedMultiplyAdd(qv, Vector512.Load(k0 + 3 * hd + p), a3);
                }
                sg[0] = scale * Vector512.Sum(a0);
                sg[1] = scale * Vector512.Sum(a1);
                sg[2] = scale * Vector512.Sum(a2);
                sg[3] = scale * Vector512.Sum(a3);
            }
        }
        for (; j < count; j++)
        {
            float* kj = k + (long)j * hd;
            for (int g = 0; g < group; g++)
            {
                float* qg = q + g * hd;
                Vector512<float> a = default;
                for (int p = 0; p < hd; p += 16) a = Vector512.FusedMultiplyAdd(Vector512.Load(qg + p), Vector512.Load(kj + p), a);
                s[(long)g * stride + j] = scale * Vector512.Sum(a);
            }
        }
    }

    /// <summary>
    /// o_g (+)= Σ_j w[g·stride + j]·v_j for every head g &lt; G over rows j &lt; count: each value row is read once
    /// for all G heads. HD ≤ 128; at HD = 64 up to three heads' sums stay in registers, otherwise they live in
    /// o (in L1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void WeightedSumAvx512(float* w, int stride, int group, float* v, int count, int hd, float* o, bool accumulate)
    {
        if (!accumulate) new Span<float>(o, group * hd).Clear();
        if (count == 0) return;
        int g0 = 0;
        if (hd == 64)
        {
            // The common head size: three heads' accumulators (12 registers) and one value row (4) per pass.
            for (; g0 + 3 <= group; g0 += 3)
            {
                float* w0 = w + (long)g0 * stride, w1 = w0 + stride, w2 = w1 + stride, o0 = o + g0 * 64;
                Vector512<float> r00 = Vector512.Load(o0), r01 = Vector512.Load(o0 + 16), r02 = Vector512.Load(o0 + 32), r03 = Vector512.Load(o0 + 48);
                Vector512<float> r10 = Vector512.Load(o0 + 64), r11 = Vector512.Load(o0 + 80), r12 = Vector512.Load(o0 + 96), r13 = Vector512.Load(o0 + 112);
                Vector512<float> r20 = Vector512.Load(o0 + 128), r21 = Vector512.Load(o0 + 144), r22 = Vector512.Load(o0 + 160), r23 = Vector512.Load(o0 + 176);
                for (int j = 0; j < count; j++)
                {
                    float* vj = v + (long)j * 64;
                    var v0 = Vector512.Load(vj); var v1 = Vector512.Load(vj + 16); var v2 = Vector512.Load(vj + 32); var v3 = Vector512.Load(vj + 48);
                    var x0 = Vector512.Create(w0[j]);
                    r00 = Vector512.FusedMultiplyAdd(x0, v0, r00); r01 = Vector512.FusedMultiplyAdd(x0, v1, r01);
                    r02 = Vector512.FusedMultiplyAdd(x0, v2, r02); r03 = Vector512.FusedMultiplyAdd(x0, v3, r03);
                    var x1 = Vector512.Create(w1[j]);
                    r10 = Vector512.FusedMultiplyAdd(x1, v0, r10); r11 = Vector512.FusedMultiplyAdd(x1, v1, r11);
                    r12 = Vector512.FusedMultiplyAdd(x1, v2, r12); r13 = Vector512.FusedMultiplyAdd(x1, v3, r13);
                    var x2 = Vector512.Create(w2[j]);
                    r20 = Vector512.FusedMultiplyAdd(x2, v0, r20); r21 = Vector512.FusedMultiplyAdd(x2, v1, r21);
                    r22 = Vector512.FusedMultiplyAdd(x2, v2, r22); r23 = Vector512.FusedMultiplyAdd(x2, v3, r23);
                }
                r00.Store(o0); r01.Store(o0 + 16); r02.Store(o0 + 32); r03.Store(o0 + 48);
                r10.Store(o0 + 64); r11.Store(o0 + 80); r12.Store(o0 + 96); r13.Store(o0 + 112);
                r20.Store(o0 + 128); r21.Store(o0 + 144); r22.Store(o0 + 160); r23.Store(o0 + 176);
            }
        }
        if (g0 == group) return;
        // Any other head size, or the heads left over: sums in o, which stays in L1.
        int vecs = hd / 16;
        for (int j = 0; j < count; j++)
        {
            float* vj = v + (long)j * hd;
            for (int g = g0; g < group; g++)
            {
                var x = Vector512.Create(w[(long)g * stride + j]);
                float* og = o + g * hd;
                for (int p = 0; p < vecs; p++)
                    Vector512.FusedMultiplyAdd(x, Vector512.Load(vj + 16 * p), Vector512.Load(og + 16 * p)).Store(og + 16 * p);
            }
        }
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
