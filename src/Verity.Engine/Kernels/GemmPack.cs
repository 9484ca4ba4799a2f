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
    /// next panel, written after this one, so a store may spill past its end (see <see cref="TransposeGather"/>).
    /// </summary>
    private static void Transpose(float* src, long lineStride, long stepStride, int lines, int kc, int width, float* dst, bool mayOverrun)
    {
        if (Avx2.IsSupported && stepStride == 1 && lines == width && (width % 16 == 0 || (mayOverrun && width >= 12))
            && 15 * lineStride <= int.MaxValue)
        {
            TransposeGather(src, (int)lineStride, kc, width, dst);
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
    /// <see cref="Transpose"/> for unit-stride lines with gathers: two 8-lane gathers collect step p of 16
    /// lines. A group of 12..15 lines gathers its last line into the spare lanes and stores all 16; the
    /// spare lanes land on the next step's slots, which the next store overwrites, and the last step's
    /// spill stays inside the buffer's slack (pack buffers are allocated with room for it).
    /// </summary>
    private static void TransposeGather(float* src, int lineStride, int kc, int width, float* dst)
    {
        for (int g = 0; g < width; g += 16)
        {
            int count = Math.Min(16, width - g);
            if (count < 12)
            {
                // Narrow remainder: plain scalar copy.
                for (int q = 0; q < count; q++)
                    for (int p = 0; p < kc; p++) dst[(long)p * width + g + q] = src[(long)(g + q) * lineStride + p];
                continue;
            }
            var lo = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * lineStride;
            var hi = Vector256.Create(8, 9, 10, 11,
                Math.Min(12, count - 1), Math.Min(13, count - 1), Math.Min(14, count - 1), Math.Min(15, count - 1)) * lineStride;
            float* s = src + (long)g * lineStride;
            float* d = dst + g;
            for (int p = 0; p < kc; p++)
            {
                float* dp = d + (long)p * width;
                Vector256.Store(Avx2.GatherVector256(s + p, lo, 4), dp);
                Vector256.Store(Avx2.GatherVector256(s + p, hi, 4), dp + 8);
            }
        }
    }
}
