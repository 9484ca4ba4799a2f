using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Verity.Engine.Ops;

/// <summary>
/// SwiGLU activation: act = silu(gate) ⊙ up, silu(z) = z·σ(z). All buffers [N, I], flattened.
/// Each direction is one fused pass over its buffers (one exp per element), in 16-float vectors with a scalar tail.
/// </summary>
public static class SwiGlu
{
    const int Block = 4096;

    /// <summary>gate [N,I], up [N,I] → act [N,I] (must not alias gate); <paramref name="count"/> = N·I.</summary>
    public static void Forward(float[] gate, float[] up, int count, float[] act)
    {
        int blocks = (count + Block - 1) / Block;
        RowParallel.For(blocks, 8L * Block, (start, end) =>
        {
            for (int bl = start; bl < end; bl++)
            {
                int o = bl * Block;
                ForwardRange(gate, up, act, o, Math.Min(count, o + Block));
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void ForwardRange(float[] gate, float[] up, float[] act, int from, int to)
    {
        int i = from;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= to; i += 16)
            {
                var g = Vector512.Create(gate.AsSpan(i, 16));
                var s = Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-g));
                (g * s * Vector512.Create(up.AsSpan(i, 16))).CopyTo(act.AsSpan(i, 16));
            }
        for (; i < to; i++)
        {
            float g = gate[i], s = 1f / (1f + MathF.Exp(-g));
            act[i] = g * s * up[i];
        }
    }

    /// <summary>
    /// dAct, gate, up [N,I] → dGate, dUp [N,I] (overwritten).
    /// dUp = dAct ⊙ silu(gate); dGate = dAct ⊙ up ⊙ σ(gate)·(1 + gate·(1 − σ(gate))).
    /// </summary>
    public static void Backward(float[] dAct, float[] gate, float[] up, int count, float[] dGate, float[] dUp)
    {
        int blocks = (count + Block - 1) / Block;
        RowParallel.For(blocks, 12L * Block, (start, end) =>
        {
            for (int bl = start; bl < end; bl++)
            {
                int o = bl * Block;
                BackwardRange(dAct, gate, up, dGate, dUp, o, Math.Min(count, o + Block));
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void BackwardRange(float[] dAct, float[] gate, float[] up, float[] dGate, float[] dUp, int from, int to)
    {
        int i = from;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= to; i += 16)
            {
                var g = Vector512.Create(gate.AsSpan(i, 16));
                var da = Vector512.Create(dAct.AsSpan(i, 16));
                var s = Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-g));
                var silu = g * s;
                (da * silu).CopyTo(dUp.AsSpan(i, 16));
                // silu'(g) = σ + silu·(1 − σ)
                (da * Vector512.Create(up.AsSpan(i, 16)) * (s + silu * (Vector512<float>.One - s))).CopyTo(dGate.AsSpan(i, 16));
            }
        for (; i < to; i++)
        {
            float g = gate[i], da = dAct[i], s = 1f / (1f + MathF.Exp(-g)), silu = g * s;
            dUp[i] = da * silu;
            dGate[i] = da * up[i] * (s + silu * (1f - s));
        }
    }

    /// <summary>float64 reference: act = silu(gate) ⊙ up.</summary>
    public static double[] Reference(double[] gate, double[] up)
    {
        var a = new double[gate.Length];
        for (int i = 0; i < a.Length; i++) a[i] = gate[i] / (1 + Math.Exp(-gate[i])) * up[i];
        return a;
    }
}
