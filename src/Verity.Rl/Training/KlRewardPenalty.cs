using Verity.Rl.Algorithms;
using Verity.Rl.Algorithms.Kl;

namespace Verity.Rl.Training;

/// <summary>
/// KL in the reward for <see cref="RlStep"/> (verl apply_kl_penalty): token rewards −β·kl(log π_old − log π_ref).
/// Token-level estimators (REINFORCE++, GAE) take them as they are; outcome estimators (grpo, rloo, ...) see
/// the sequence reward R − β·Σ_t kl_t (TRL RLOO's form). Then the controller sees the step's mean KL with n =
/// the number of sequences, so an adaptive β moves once per step and the next step uses the new value.
/// </summary>
internal static class KlRewardPenalty
{
    /// <summary>Estimators that read <see cref="Algorithms.Advantages.AdvantageBatch.TokenRewards"/>.</summary>
    public static readonly HashSet<string> TokenLevelEstimators = ["reinforce_pp", "reinforce_pp_baseline", "gae"];

    /// <summary>
    /// Returns the rewards and token rewards for the advantage estimator; writes metrics kl (masked mean
    /// per-token KL) and kl_coef (the β applied).
    /// </summary>
    public static (double[] Rewards, double[]? TokenRewards) Apply(AlgorithmSetup setup, string estimator, double[] rewards,
        double[] oldLogProbs, double[] refLogProbs, double[] mask, int tokens, IDictionary<string, double> metrics)
    {
        double beta = setup.KlController.Coefficient;
        var tokenRewards = new double[mask.Length];
        double kl = KlInReward.Apply(setup.Kl, oldLogProbs, refLogProbs, mask, beta, tokenRewards);
        setup.KlController.Update(kl, rewards.Length);
        metrics["kl"] = kl;
        metrics["kl_coef"] = beta;
        if (TokenLevelEstimators.Contains(estimator)) return (rewards, tokenRewards);

        var penalized = (double[])rewards.Clone();
        for (int b = 0; b < penalized.Length; b++)
            for (int t = 0; t < tokens; t++) penalized[b] += tokenRewards[b * tokens + t];
        return (penalized, null);
    }
}
