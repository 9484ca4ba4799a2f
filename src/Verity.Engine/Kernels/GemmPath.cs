using System.Runtime.Intrinsics.X86;

namespace Verity.Engine.Kernels;

/// <summary>Which instruction set the GEMM runs on. Chosen once from the CPU; tests force each one.</summary>
public enum GemmPath { Avx512, Avx2, Scalar }

/// <summary>A register-blocked micro-kernel and its tile: C[MR×NR] (+)= Apanel[MR×kc] · Bpanel[kc×NR].</summary>
internal readonly unsafe struct MicroKernel(int mr, int nr, delegate*<float*, float*, int, float*, int, bool, void> run)
{
    public readonly int MR = mr;
    public readonly int NR = nr;
    public readonly delegate*<float*, float*, int, float*, int, bool, void> Run = run;

    /// <summary>The fastest path this CPU supports.</summary>
    public static readonly GemmPath Detected =
        Avx512F.IsSupported ? GemmPath.Avx512
        : Avx2.IsSupported && Fma.IsSupported ? GemmPath.Avx2
        : GemmPath.Scalar;

    /// <summary>
    /// Set by tests to run a slower path on a faster CPU; null = <see cref="Detected"/>. Per calling
    /// thread (the kernel is chosen before work is handed to the pool), so it never leaks into other tests.
    /// </summary>
    [ThreadStatic] internal static GemmPath? Forced;

    public static GemmPath Path => Forced is { } f && f >= Detected ? f : Detected;

    public static MicroKernel For(GemmPath path) => path switch
    {
        // 12x32 keeps 24 of the 32 zmm registers as accumulators. Measured on Zen 5 against 8x48, 6x64
        // and 14x32 (tools/gen_microkernels.py --all writes them): 12x32 and 14x32 lead on one thread,
        // and 12x32 splits evenly over two (docs/benchmarks.md).
        GemmPath.Avx512 => new(12, 32, &MicroKernelsAvx512.K12x32),
        GemmPath.Avx2 => new(6, 16, &MicroKernelsAvx2.K6x16),
        _ => new(MicroKernelsScalar.MR, MicroKernelsScalar.NR, &MicroKernelsScalar.K4x4),
    };
}
