using System.Numerics.Tensors;

namespace Verity.Engine.Ops;

/// <summary>SwiGLU activation: act = silu(gate) ⊙ up, silu(z) = z·σ(z). All buffers [N, I], flattened.</summary>
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
                int o = bl * Block, len = Math.Min(Block, count - o);
                var a = act.AsSpan(o, len);
                TensorPrimitives.Sigmoid(gate.AsSpan(o, len), a);
                TensorPrimitives.Multiply(a, gate.AsSpan(o, len), a);
                TensorPrimitives.Multiply(a, up.AsSpan(o, len), a);
            }
        });
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
            var sig = new float[Block];
            var silu = new float[Block];
            for (int bl = start; bl < end; bl++)
            {
                int o = bl * Block, len = Math.Min(Block, count - o);
                var g = gate.AsSpan(o, len);
                var sg = sig.AsSpan(0, len);
                var sl = silu.AsSpan(0, len);
                var da = dAct.AsSpan(o, len);
                TensorPrimitives.Sigmoid(g, sg);
                TensorPrimitives.Multiply(sg, g, sl);
                TensorPrimitives.Multiply(da, sl, dUp.AsSpan(o, len));
                // silu'(g) = σ + silu·(1 − σ) = σ + silu − silu·σ
                var dg = dGate.AsSpan(o, len);
                TensorPrimitives.Multiply(sl, sg, dg);
                TensorPrimitives.Subtract(sl, dg, dg);
                TensorPrimitives.Add(dg, sg, dg);
                TensorPrimitives.Multiply(dg, up.AsSpan(o, len), dg);
                TensorPrimitives.Multiply(dg, da, dg);
            }
        });
    }

    /// <summary>float64 reference: act = silu(gate) ⊙ up.</summary>
    public static double[] Reference(double[] gate, double[] up)
    {
        var a = new double[gate.Length];
        for (int i = 0; i < a.Length; i++) a[i] = gate[i] / (1 + Math.Exp(-gate[i])) * up[i];
        return a;
    }
}
