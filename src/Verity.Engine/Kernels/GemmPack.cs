using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Verity.Engine.Kernels;

/// <summary>
/// Copies strided operand blocks into the k-major panels the micro-kernels read with unit stride.
/// A panel: MR rows × kc, stored as kc groups of MR values. B panel: kc × NR, stored as kc groups of
/// NR values. Rows or columns past the matrix edge are zero, so edge tiles need no special kernel.
/// </summary>
internal static unsafe class GemmPack
{
    /// <summary>Packs A rows [i0, i0+rows) × k [0, kc) (a already offset to the slice) into ceil(rows/mr) panels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(float* a, long rsa, long csa, int i0, int rows, int kc, int mr, float* dst)
    {
        for (int ip = 0; ip * mr < rows; ip++)
        {
            int h = Math.Min(mr, rows - ip * mr);
            float* src = a + (i0 + (long)ip * mr) * rsa;
            float* d = dst + (long)ip * kc * mr;
            if (rsa == 1)
                CopyRows(src, csa, kc, h, d, mr);
            else
                Transpose(src, rsa, csa, h, kc, mr, d, mayOverrun: true);
        }
    }

    /// <summary>Packs B k [0, kc) (b already offset to the slice) × columns [j, j+cols) into one NR panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(float* b, long rsb, long csb, int j, int cols, int kc, int nr, float* dst)
    {
        float* src = b + j * csb;
        if (csb == 1)
            CopyRows(src, rsb, kc, cols, dst, nr);
        else
            Transpose(src, csb, rsb, cols, kc, nr, dst, mayOverrun: false);
    }

    /// <summary>dst[p*width + q] = src[p*stride + q] for q &lt; valid, zero for valid ≤ q &lt; width.</summary>
    private static void CopyRows(float* src, long stride, int kc, int valid, float* dst, int width)
    {
        for (int p = 0; p < kc; p++)
        {
            float* s = src + p * stride;
            float* d = dst + (long)p * width;
            int q = 0;
            for (; q + 8 <= valid; q += 8) Vector256.Store(Vector256.Load(s + q), d + q);
            for (; q < valid; q++) d[q] = s[q];
            for (; q < width; q++) d[q] = 0f;
        }
    }

    /// <summary>
    /// dst[p*width + q] = src[q*lineStride + p*stepStride] for q &lt; lines, zero for lines ≤ q &lt; width:
    /// reads each source line (a row of A or a column of B) along k and scatters it into the panel.
    /// <paramref name="mayOverrun"/>: the panel is private to this thread and followed by slack or by the
    /// next panel, written after this one, so a store may spill past its end (see <see cref="TransposeBlocks"/>).
    /// </summary>
    private static void Transpose(float* src, long lineStride, long stepStride, int lines, int kc, int width, float* dst, bool mayOverrun)
    {
        if (Avx512F.IsSupported && stepStride == 1 && lines == width && (width % 16 == 0 || (mayOverrun && width >= 12)))
        {
            TransposeBlocks(src, lineStride, kc, width, dst);
            return;
        }
        for (int q = 0; q < lines; q++)
        {
            float* s = src + q * lineStride;
            float* d = dst + q;
            for (int p = 0; p < kc; p++) d[(long)p * width] = s[p * stepStride];
        }
        for (int q = lines; q < width; q++)
        {
            float* d = dst + q;
            for (int p = 0; p < kc; p++) d[(long)p * width] = 0f;
        }
    }

    /// <summary>
    /// <see cref="Transpose"/> for unit-stride lines with AVX-512: 16 lines × 16 steps are loaded as 16 row
    /// vectors (sequential reads the prefetcher follows; gathers were 10× slower here) and transposed in
    /// registers. A group of 12..15 lines repeats its last line in the spare lanes and stores all 16: the
    /// spare lanes land on the next step's slots, which the next store overwrites, and the last step's
    /// spill stays inside the buffer's slack (pack buffers are allocated with room for it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeBlocks(float* src, long lineStride, int kc, int width, float* dst)
    {
        int kBlock = kc & ~15;
        for (int g = 0; g < width; g += 16)
        {
            int count = Math.Min(16, width - g);
            float* s = src + g * lineStride;
            float* d = dst + g;
            if (count < 12)
            {
                for (int q = 0; q < count; q++)
                    for (int p = 0; p < kc; p++) d[(long)p * width + q] = s[q * lineStride + p];
                continue;
            }
            long last = count - 1;
            for (int p = 0; p < kBlock; p += 16)
            {
                float* r = s + p;
                Transpose16(
                    Vector512.Load(r), Vector512.Load(r + lineStride), Vector512.Load(r + 2 * lineStride), Vector512.Load(r + 3 * lineStride),
                    Vector512.Load(r + 4 * lineStride), Vector512.Load(r + 5 * lineStride), Vector512.Load(r + 6 * lineStride), Vector512.Load(r + 7 * lineStride),
                    Vector512.Load(r + 8 * lineStride), Vector512.Load(r + 9 * lineStride), Vector512.Load(r + 10 * lineStride), Vector512.Load(r + 11 * lineStride),
                    Vector512.Load(r + Math.Min(12, last) * lineStride), Vector512.Load(r + Math.Min(13, last) * lineStride),
                    Vector512.Load(r + Math.Min(14, last) * lineStride), Vector512.Load(r + Math.Min(15, last) * lineStride),
                    d + (long)p * width, width);
            }
            for (int q = 0; q < count; q++)
                for (int p = kBlock; p < kc; p++) d[(long)p * width + q] = s[q * lineStride + p];
        }
    }

    /// <summary>
    /// Writes column c of the 16×16 block r0..r15 (element c of every row) to dst + c·width, for c = 0..15
    /// in order. Three shuffle stages: 32-bit interleave, 64-bit interleave, then 128-bit lane selection.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose16(
        Vector512<float> r0, Vector512<float> r1, Vector512<float> r2, Vector512<float> r3,
        Vector512<float> r4, Vector512<float> r5, Vector512<float> r6, Vector512<float> r7,
        Vector512<float> r8, Vector512<float> r9, Vector512<float> r10, Vector512<float> r11,
        Vector512<float> r12, Vector512<float> r13, Vector512<float> r14, Vector512<float> r15,
        float* dst, int width)
    {
        // Per 128-bit lane L, u{q}_{e} holds rows 4q..4q+3 of column 4L+e.
        Quad(r0, r1, r2, r3, out var u00, out var u01, out var u02, out var u03);
        Quad(r4, r5, r6, r7, out var u10, out var u11, out var u12, out var u13);
        Quad(r8, r9, r10, r11, out var u20, out var u21, out var u22, out var u23);
        Quad(r12, r13, r14, r15, out var u30, out var u31, out var u32, out var u33);
        Column4(u00, u10, u20, u30, out var c0, out var c4, out var c8, out var c12);
        Column4(u01, u11, u21, u31, out var c1, out var c5, out var c9, out var c13);
        Column4(u02, u12, u22, u32, out var c2, out var c6, out var c10, out var c14);
        Column4(u03, u13, u23, u33, out var c3, out var c7, out var c11, out var c15);
        // Ascending order: a 12..15-wide panel relies on each store overwriting the previous one's spill.
        Vector512.Store(c0, dst); Vector512.Store(c1, dst + width); Vector512.Store(c2, dst + 2 * width); Vector512.Store(c3, dst + 3 * width);
        dst += 4 * width;
        Vector512.Store(c4, dst); Vector512.Store(c5, dst + width); Vector512.Store(c6, dst + 2 * width); Vector512.Store(c7, dst + 3 * width);
        dst += 4 * width;
        Vector512.Store(c8, dst); Vector512.Store(c9, dst + width); Vector512.Store(c10, dst + 2 * width); Vector512.Store(c11, dst + 3 * width);
        dst += 4 * width;
        Vector512.Store(c12, dst); Vector512.Store(c13, dst + width); Vector512.Store(c14, dst + 2 * width); Vector512.Store(c15, dst + 3 * width);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quad(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d,
        out Vector512<float> e0, out Vector512<float> e1, out Vector512<float> e2, out Vector512<float> e3)
    {
        var t0 = Avx512F.UnpackLow(a, b).AsDouble();   // a0 b0 a1 b1 per lane
        var t1 = Avx512F.UnpackHigh(a, b).AsDouble();  // a2 b2 a3 b3
        var t2 = Avx512F.UnpackLow(c, d).AsDouble();
        var t3 = Avx512F.UnpackHigh(c, d).AsDouble();
        e0 = Avx512F.UnpackLow(t0, t2).AsSingle();     // a0 b0 c0 d0
        e1 = Avx512F.UnpackHigh(t0, t2).AsSingle();    // a1 b1 c1 d1
        e2 = Avx512F.UnpackLow(t1, t3).AsSingle();
        e3 = Avx512F.UnpackHigh(t1, t3).AsSingle();
    }

    /// <summary>From the four row quads of columns {e, 4+e, 8+e, 12+e} (one per 128-bit lane), assembles those four columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column4(Vector512<float> q0, Vector512<float> q1, Vector512<float> q2, Vector512<float> q3,
        out Vector512<float> lane0, out Vector512<float> lane1, out Vector512<float> lane2, out Vector512<float> lane3)
    {
        var v = Avx512F.Shuffle4x128(q0, q1, 0x88); // q0.L0 q0.L2 q1.L0 q1.L2
        var w = Avx512F.Shuffle4x128(q0, q1, 0xDD); // q0.L1 q0.L3 q1.L1 q1.L3
        var x = Avx512F.Shuffle4x128(q2, q3, 0x88);
        var y = Avx512F.Shuffle4x128(q2, q3, 0xDD);
        lane0 = Avx512F.Shuffle4x128(v, x, 0x88);   // column e
        lane1 = Avx512F.Shuffle4x128(w, y, 0x88);   // column 4 + e
        lane2 = Avx512F.Shuffle4x128(v, x, 0xDD);   // column 8 + e
        lane3 = Avx512F.Shuffle4x128(w, y, 0xDD);   // column 12 + e
    }
}
