namespace Verity.Rl.Algorithms.Entropy;

/// <summary>
/// The entropy-bonus coefficient α: the actor loss gets −α·agg(H), so ∂loss/∂H_t = −α·w_t.
/// </summary>
public interface IEntropyController
{
    /// <summary>α to use this step, given the current mean token entropy.</summary>
    double Coefficient(double entropy);
    /// <summary>Called once after each step with that step's mean token entropy.</summary>
    void Update(double entropy);
}

public sealed class FixedEntropyController(double coefficient) : IEntropyController
{
    public double Coefficient(double entropy) => coefficient;
    public void Update(double entropy) { }
}

/// <summary>
/// Skywork-OR1 adaptive entropy control (rl-anchors §2.5): after each step α += Δ if H &lt; H_target else
/// α −= Δ, clipped to [α_min, α_max]; the bonus is applied only while H &lt; H_target, so it fights
/// collapse without pushing entropy up once it is healthy. Skywork 7B: H_target 0.2, Δ 1e-4, α_max 0.005.
/// </summary>
public sealed class AdaptiveEntropyController(double initial, double target, double delta, double min, double max) : IEntropyController
{
    public double Alpha { get; private set; } = Math.Clamp(initial, min, max);

    public double Coefficient(double entropy) => entropy < target ? Alpha : 0;

    public void Update(double entropy) => Alpha = Math.Clamp(entropy < target ? Alpha + delta : Alpha - delta, min, max);
}
