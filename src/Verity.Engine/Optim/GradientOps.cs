using System.Numerics.Tensors;
using Verity.Engine.Model;

namespace Verity.Engine.Optim;

/// <summary>Whole-model gradient operations between Backward and the optimizer step.</summary>
public static class GradientOps
{
    /// <summary>‖g‖₂ over every trainable parameter, accumulated in double so large models do not lose digits.</summary>
    public static double GlobalNorm(IReadOnlyList<Parameter> parameters)
    {
        double sumSquares = 0;
        foreach (var p in parameters)
        {
            if (p.Frozen) continue;
            // Chunks keep each float partial sum short, so the float rounding stays far below 1e-6 relative.
            var g = p.Grad.AsSpan();
            for (int i = 0; i < g.Length; i += 4096)
            {
                var chunk = g.Slice(i, Math.Min(4096, g.Length - i));
                sumSquares += TensorPrimitives.SumOfSquares(chunk);
            }
        }
        return Math.Sqrt(sumSquares);
    }

    /// <summary>
    /// torch.nn.utils.clip_grad_norm_: if ‖g‖ &gt; maxNorm, scales every gradient by maxNorm/(‖g‖+1e-6).
    /// Returns the norm before clipping (what trainers log). A non-finite norm leaves the gradients alone
    /// so the caller can skip the step. maxNorm = 0 turns clipping off (optim.grad_clip: 0) and only measures.
    /// </summary>
    public static double ClipGlobalNorm(IReadOnlyList<Parameter> parameters, double maxNorm)
    {
        if (!(maxNorm >= 0)) throw new ArgumentException($"gradient clipping: max norm must be ≥ 0 (0 = off), got {maxNorm}. HINT: set optim.grad_clip to 1.0, or 0 to disable clipping");
        double norm = GlobalNorm(parameters);
        if (!double.IsFinite(norm) || maxNorm == 0) return norm;
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) Scale(parameters, (float)coef);
        return norm;
    }

    /// <summary>g *= factor on trainable parameters; e.g. 1/micro-batches after gradient accumulation.</summary>
    public static void Scale(IReadOnlyList<Parameter> parameters, float factor)
    {
        foreach (var p in parameters)
        {
            if (!p.Frozen) TensorPrimitives.Multiply(p.Grad, factor, p.Grad);
        }
    }

    public static void ZeroGrad(IReadOnlyList<Parameter> parameters)
    {
        foreach (var p in parameters) Array.Clear(p.Grad);
    }
}

/// <summary>
/// Gradient accumulation over <see cref="MicroBatches"/> backward passes: Backward adds (+=) into the
/// gradients, so the sum is divided once before the step to give the mean over micro-batches.
/// </summary>
public sealed class GradientAccumulator(IReadOnlyList<Parameter> parameters, int microBatches)
{
    private int _accumulated;

    public int MicroBatches { get; } = microBatches > 0 ? microBatches
        : throw new ArgumentException($"gradient accumulation: micro-batches must be ≥ 1, got {microBatches}.");

    /// <summary>Call after each micro-batch's Backward; true when the optimizer should step now.</summary>
    public bool MicroBatchDone()
    {
        _accumulated++;
        if (_accumulated < MicroBatches) return false;
        GradientOps.Scale(parameters, 1f / MicroBatches);
        _accumulated = 0;
        return true;
    }
}
