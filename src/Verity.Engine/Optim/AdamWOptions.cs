using Verity.Engine.Model;

namespace Verity.Engine.Optim;

/// <summary>AdamW hyper-parameters; defaults are PyTorch's <c>torch.optim.AdamW</c>.</summary>
public sealed record AdamWOptions
{
    /// <summary>Peak learning rate; a schedule may pass a different rate to each step.</summary>
    public double LearningRate { get; init; } = 1e-3;

    public double Beta1 { get; init; } = 0.9;

    public double Beta2 { get; init; } = 0.999;

    /// <summary>Added to √v̂ (outside the square root), as PyTorch does.</summary>
    public double Eps { get; init; } = 1e-8;

    /// <summary>Decoupled decay: each step p *= 1 − lr·wd before the Adam update.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Which parameters decay; null decays all (PyTorch's default for a single param group).</summary>
    public Func<ParameterKey, bool>? Decays { get; init; }

    /// <summary>The usual LLM choice: no decay on norms, biases and the value head's norm-free scalars.</summary>
    public static bool DecayMatricesOnly(ParameterKey key) => key.Kind switch
    {
        ParameterKind.AttnNorm or ParameterKind.MlpNorm or ParameterKind.FinalNorm
            or ParameterKind.QNorm or ParameterKind.KNorm
            or ParameterKind.QBias or ParameterKind.KBias or ParameterKind.VBias or ParameterKind.OBias => false,
        _ => true,
    };

    public void Validate()
    {
        if (!(LearningRate >= 0)) throw new ArgumentException($"adamw: learning rate must be ≥ 0, got {LearningRate}.");
        if (!(Beta1 >= 0 && Beta1 < 1)) throw new ArgumentException($"adamw: beta1 must be in [0, 1), got {Beta1}.");
        if (!(Beta2 >= 0 && Beta2 < 1)) throw new ArgumentException($"adamw: beta2 must be in [0, 1), got {Beta2}.");
        if (!(Eps > 0)) throw new ArgumentException($"adamw: eps must be > 0, got {Eps}.");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"adamw: weight decay must be ≥ 0, got {WeightDecay}.");
    }
}
