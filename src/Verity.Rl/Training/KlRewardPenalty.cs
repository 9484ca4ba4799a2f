using Verity.Rl.Algorithms;
using Verity.Rl.Algorithms.Kl;

namespace Verity.Rl.Training;

/// <summary>
/// KL in the reward for <see cref="RlStep"/> (verl apply_kl_penalty): token rewards −β·kl(log π_old − log π_ref)
/// go to the advantage estimator; then the controller sees the step's mean KL with n = the number of
/// sequences, so an adaptive β moves once per step and the next step uses the new value.
/// </summary>
internal static class KlRewardPenalty
{
    /// <summary>Returns the token rewards [B·T]; writes metrics kl (masked mean per-token KL) and kl_coef (the β applied).</summary>
    public static double[] Apply(AlgorithmSetup setup, double[] oldLogProbs, double[] refLogProbs, double[] mask, int sequences, IDictionary<string, double> metrics)
    {
        double beta = setup.KlController.Coefficient;
        var tokenRewards = new double[mask.Length];
        double kl = KlInReward.Apply(setup.Kl, oldLogProbs, refLogProbs, mask, beta, tokenRewards);
        setup.KlController.Update(kl, sequences);
        metrics["kl"] = kl;
        metrics["kl_coef"] = beta;
        return tokenRewards;
    }
}
