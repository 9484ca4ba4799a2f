namespace Verity.Engine.Model;

/// <summary>
/// Per-position outputs of <see cref="TransformerModel.Forward"/>, each [B,T] row-major; padded positions are 0.
/// </summary>
/// <param name="LogProbs">log p(target | prefix).</param>
/// <param name="Entropies">Entropy −Σ p log p of the full next-token distribution (nats).</param>
/// <param name="Values">Value-head output w·norm(x), or null when the model has no value head.</param>
public sealed record ForwardResult(float[] LogProbs, float[] Entropies, float[]? Values);
