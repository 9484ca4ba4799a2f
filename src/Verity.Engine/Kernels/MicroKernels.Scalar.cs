using System.Runtime.CompilerServices;

namespace Verity.Engine.Kernels;

/// <summary>
/// Portable fallback micro-kernel, 4x4. It uses fused multiply-adds in the same k order as the SIMD
/// kernels, so every path produces the same bits (tests rely on it).
/// </summary>
internal static unsafe class MicroKernelsScalar
{
    public const int MR = 4, NR = 4;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void K4x4(float* a, float* b, int kc, float* c, int ldc, bool add)
    {
        float* acc = stackalloc float[MR * NR];
        for (int t = 0; t < MR * NR; t++) acc[t] = 0f;
        for (int p = 0; p < kc; p++)
        {
            for (int i = 0; i < MR; i++)
            {
                float ai = a[i];
                for (int j = 0; j < NR; j++) acc[i * NR + j] = MathF.FusedMultiplyAdd(ai, b[j], acc[i * NR + j]);
            }
            a += MR;
            b += NR;
        }
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++)
                c[i * ldc + j] = add ? c[i * ldc + j] + acc[i * NR + j] : acc[i * NR + j];
    }
}
