namespace Verity.Rl.Algorithms.Kl;

/// <summary>
/// KL in the reward (verl compute_rewards; REINFORCE++ and PPO): token reward −β·kl(lo − lp_ref) with the
/// behaviour policy's log-probs, so no gradient flows through it; the estimator then sees these as
/// <see cref="Advantages.AdvantageBatch.TokenRewards"/>. Returns the masked mean KL (what the controller reads).
/// </summary>
public static class KlInReward
{
    public static double Apply(KlEstimator estimator, ReadOnlySpan<double> oldLogProbs, ReadOnlySpan<double> refLogProbs,
        ReadOnlySpan<double> mask, double beta, Span<double> tokenRewards)
    {
        double n = 0, sum = 0;
        for (int i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0) { tokenRewards[i] = 0; continue; }
            double kl = estimator(oldLogProbs[i] - refLogProbs[i], out _);
            tokenRewards[i] = -beta * kl;
            sum += kl; n++;
        }
        return n > 0 ? sum / n : 0;
    }
}

/// <summary>The KL coefficient β over training: fixed, or adapted toward a target KL.</summary>
public interface IKlController
{
    double Coefficient { get; }
    /// <summary>Called once per step with the measured mean KL and the number of sequences in the step.</summary>
    void Update(double currentKl, int steps);
}

public sealed class FixedKlController(double coefficient) : IKlController
{
    public double Coefficient { get; } = coefficient;
    public void Update(double currentKl, int steps) { }
}

/// <summary>
/// Adaptive controller (Ziegler et al. 2019; verl AdaptiveKLController):
/// β ← β·(1 + clip(KL/target − 1, −0.2, 0.2)·n_steps/horizon). Raises β while KL is above target.
/// </summary>
public sealed class AdaptiveKlController : IKlController
{
    private readonly double _target, _horizon;

    public AdaptiveKlController(double initialCoefficient, double target, double horizon)
    {
        if (target <= 0 || horizon <= 0)
            throw new ArgumentException($"adaptive KL needs target > 0 and horizon > 0 (got {target}, {horizon}). HINT: set algorithm.kl.target (e.g. 0.1) and algorithm.kl.horizon (e.g. 10000)");
        Coefficient = initialCoefficient; _target = target; _horizon = horizon;
    }

    public double Coefficient { get; private set; }

    public void Update(double currentKl, int steps)
    {
        double error = Math.Clamp(currentKl / _target - 1, -0.2, 0.2);
        Coefficient *= 1 + error * steps / _horizon;
    }
}
