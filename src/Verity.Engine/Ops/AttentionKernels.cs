using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Verity.Engine.Ops;

/// <summary>
/// Register-blocked Vector512 micro-kernels for attention, working on blocks of 4 query rows at a time.
/// Column counts must be multiples of 16 (callers zero-pad), so there are no masked tails.
/// These are the three small products attention needs: scores (rows · transposed keys), weighted sums of
/// value rows, and rank-4 updates of key/value gradients.
/// </summary>
internal static unsafe class AttentionKernels
{
    /// <summary>s[r, c] = Σ_{j&lt;k} a[r·lda + j] · bt[j·ldb + c] for r &lt; 4 and c in [c0, c1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scores4(float* a, int lda, float* bt, int ldb, int k, int c0, int c1, float* s, int lds)
    {
        float* a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda;
        int c = c0;
        for (; c + 64 <= c1; c += 64)
        {
            Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default;
            Vector512<float> s10 = default, s11 = default, s12 = default, s13 = default;
            Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default;
            Vector512<float> s30 = default, s31 = default, s32 = default, s33 = default;
            float* b = bt + c;
            for (int j = 0; j < k; j++, b += ldb)
            {
                var b0 = Vector512.Load(b);
                var b1 = Vector512.Load(b + 16);
                var b2 = Vector512.Load(b + 32);
                var b3 = Vector512.Load(b + 48);
                var x = Vector512.Create(a[j]);
                s00 = Vector512.FusedMultiplyAdd(x, b0, s00); s01 = Vector512.FusedMultiplyAdd(x, b1, s01);
                s02 = Vector512.FusedMultiplyAdd(x, b2, s02); s03 = Vector512.FusedMultiplyAdd(x, b3, s03);
                x = Vector512.Create(a1[j]);
                s10 = Vector512.FusedMultiplyAdd(x, b0, s10); s11 = Vector512.FusedMultiplyAdd(x, b1, s11);
                s12 = Vector512.FusedMultiplyAdd(x, b2, s12); s13 = Vector512.FusedMultiplyAdd(x, b3, s13);
                x = Vector512.Create(a2[j]);
                s20 = Vector512.FusedMultiplyAdd(x, b0, s20); s21 = Vector512.FusedMultiplyAdd(x, b1, s21);
                s22 = Vector512.FusedMultiplyAdd(x, b2, s22); s23 = Vector512.FusedMultiplyAdd(x, b3, s23);
                x = Vector512.Create(a3[j]);
                s30 = Vector512.FusedMultiplyAdd(x, b0, s30); s31 = Vector512.FusedMultiplyAdd(x, b1, s31);
                s32 = Vector512.FusedMultiplyAdd(x, b2, s32); s33 = Vector512.FusedMultiplyAdd(x, b3, s33);
            }
            float* o = s + c;
            s00.Store(o); s01.Store(o + 16); s02.Store(o + 32); s03.Store(o + 48); o += lds;
            s10.Store(o); s11.Store(o + 16); s12.Store(o + 32); s13.Store(o + 48); o += lds;
            s20.Store(o); s21.Store(o + 16); s22.Store(o + 32); s23.Store(o + 48); o += lds;
            s30.Store(o); s31.Store(o + 16); s32.Store(o + 32); s33.Store(o + 48);
        }
        for (; c < c1; c += 16)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            float* b = bt + c;
            for (int j = 0; j < k; j++, b += ldb)
            {
                var b0 = Vector512.Load(b);
                s0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[j]), b0, s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Create(a1[j]), b0, s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Create(a2[j]), b0, s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Create(a3[j]), b0, s3);
            }
            s0.Store(s + c); s1.Store(s + lds + c); s2.Store(s + 2 * lds + c); s3.Store(s + 3 * lds + c);
        }
    }

    /// <summary>o[r, c] = Σ_{i in [i0, i1)} p[r·ldp + i] · m[i·ldm + c] for r &lt; 4 and c &lt; width (multiple of 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WeightedSum4(float* p, int ldp, float* m, int ldm, int i0, int i1, int width, float* o, int ldo)
    {
        float* p1 = p + ldp, p2 = p1 + ldp, p3 = p2 + ldp;
        int c = 0;
        for (; c + 64 <= width; c += 64)
        {
            Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default;
            Vector512<float> s10 = default, s11 = default, s12 = default, s13 = default;
            Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default;
            Vector512<float> s30 = default, s31 = default, s32 = default, s33 = default;
            float* row = m + (long)i0 * ldm + c;
            for (int i = i0; i < i1; i++, row += ldm)
            {
                var b0 = Vector512.Load(row);
                var b1 = Vector512.Load(row + 16);
                var b2 = Vector512.Load(row + 32);
                var b3 = Vector512.Load(row + 48);
                var x = Vector512.Create(p[i]);
                s00 = Vector512.FusedMultiplyAdd(x, b0, s00); s01 = Vector512.FusedMultiplyAdd(x, b1, s01);
                s02 = Vector512.FusedMultiplyAdd(x, b2, s02); s03 = Vector512.FusedMultiplyAdd(x, b3, s03);
                x = Vector512.Create(p1[i]);
                s10 = Vector512.FusedMultiplyAdd(x, b0, s10); s11 = Vector512.FusedMultiplyAdd(x, b1, s11);
                s12 = Vector512.FusedMultiplyAdd(x, b2, s12); s13 = Vector512.FusedMultiplyAdd(x, b3, s13);
                x = Vector512.Create(p2[i]);
                s20 = Vector512.FusedMultiplyAdd(x, b0, s20); s21 = Vector512.FusedMultiplyAdd(x, b1, s21);
                s22 = Vector512.FusedMultiplyAdd(x, b2, s22); s23 = Vector512.FusedMultiplyAdd(x, b3, s23);
                x = Vector512.Create(p3[i]);
                s30 = Vector512.FusedMultiplyAdd(x, b0, s30); s31 = Vector512.FusedMultiplyAdd(x, b1, s31);
                s32 = Vector512.FusedMultiplyAdd(x, b2, s32); s33 = Vector512.FusedMultiplyAdd(x, b3, s33);
            }
            float* d = o + c;
            s00.Store(d); s01.Store(d + 16); s02.Store(d + 32); s03.Store(d + 48); d += ldo;
            s10.Store(d); s11.Store(d + 16); s12.Store(d + 32); s13.Store(d + 48); d += ldo;
            s20.Store(d); s21.Store(d + 16); s22.Store(d + 32); s23.Store(d + 48); d += ldo;
            s30.Store(d); s31.Store(d + 16); s32.Store(d + 32); s33.Store(d + 48);
        }
        for (; c < width; c += 16)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            float* row = m + (long)i0 * ldm + c;
            for (int i = i0; i < i1; i++, row += ldm)
            {
                var b0 = Vector512.Load(row);
                s0 = Vector512.FusedMultiplyAdd(Vector512.Create(p[i]), b0, s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Create(p1[i]), b0, s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Create(p2[i]), b0, s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Create(p3[i]), b0, s3);
            }
            s0.Store(o + c); s1.Store(o + ldo + c); s2.Store(o + 2 * ldo + c); s3.Store(o + 3 * ldo + c);
        }
    }

    /// <summary>m[i·ldm + c] += Σ_{r&lt;4} p[r·ldp + i] · a[r·lda + c] for i in [i0, i1) and c &lt; width (multiple of 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RankUpdate4(float* p, int ldp, float* a, int lda, int i0, int i1, int width, float* m, int ldm)
    {
        float* p1 = p + ldp, p2 = p1 + ldp, p3 = p2 + ldp;
        int c = 0;
        for (; c + 32 <= width; c += 32)
        {
            var a00 = Vector512.Load(a + c); var a01 = Vector512.Load(a + c + 16);
            var a10 = Vector512.Load(a + lda + c); var a11 = Vector512.Load(a + lda + c + 16);
            var a20 = Vector512.Load(a + 2 * lda + c); var a21 = Vector512.Load(a + 2 * lda + c + 16);
            var a30 = Vector512.Load(a + 3 * lda + c); var a31 = Vector512.Load(a + 3 * lda + c + 16);
            float* row = m + (long)i0 * ldm + c;
            for (int i = i0; i < i1; i++, row += ldm)
            {
                var x0 = Vector512.Create(p[i]);
                var x1 = Vector512.Create(p1[i]);
                var x2 = Vector512.Create(p2[i]);
                var x3 = Vector512.Create(p3[i]);
                var m0 = Vector512.Load(row);
                var m1 = Vector512.Load(row + 16);
                m0 = Vector512.FusedMultiplyAdd(x0, a00, m0); m1 = Vector512.FusedMultiplyAdd(x0, a01, m1);
                m0 = Vector512.FusedMultiplyAdd(x1, a10, m0); m1 = Vector512.FusedMultiplyAdd(x1, a11, m1);
                m0 = Vector512.FusedMultiplyAdd(x2, a20, m0); m1 = Vector512.FusedMultiplyAdd(x2, a21, m1);
                m0 = Vector512.FusedMultiplyAdd(x3, a30, m0); m1 = Vector512.FusedMultiplyAdd(x3, a31, m1);
                m0.Store(row); m1.Store(row + 16);
            }
        }
        for (; c < width; c += 16)
        {
            var a0 = Vector512.Load(a + c);
            var a1 = Vector512.Load(a + lda + c);
            var a2 = Vector512.Load(a + 2 * lda + c);
            var a3 = Vector512.Load(a + 3 * lda + c);
            float* row = m + (long)i0 * ldm + c;
            for (int i = i0; i < i1; i++, row += ldm)
            {
                var m0 = Vector512.Load(row);
                m0 = Vector512.FusedMultiplyAdd(Vector512.Create(p[i]), a0, m0);
                m0 = Vector512.FusedMultiplyAdd(Vector512.Create(p1[i]), a1, m0);
                m0 = Vector512.FusedMultiplyAdd(Vector512.Create(p2[i]), a2, m0);
                m0 = Vector512.FusedMultiplyAdd(Vector512.Create(p3[i]), a3, m0);
                m0.Store(row);
            }
        }
    }
}
