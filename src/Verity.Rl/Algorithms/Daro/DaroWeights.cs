namespace Verity.Rl.Algorithms.Daro;

/// <summary>
/// DARO (difficulty-aware reweighting, arXiv 2510.09001): groups are bucketed by pass rate μ = k/G,
/// k ∈ 1..G−1 (μ = 0 and 1 carry no GRPO signal and are dropped); each bucket has a learnable weight
/// w_μ &gt; 0 and the loss is L = Σ_μ (w_μ·L_μ − ln w_μ). ∂L/∂w_μ = L_μ − 1/w_μ, so the optimum is
/// w_μ = 1/L_μ: every bucket then contributes the same w_μ·L_μ = 1 and no difficulty dominates.
/// ∂L/∂θ = Σ_μ w_μ·∂L_μ/∂θ: the policy sees w_μ as a per-sample weight on its pg gradient.
///
/// Decisions. (1) w is stored as u = ln w and stepped in u, so it stays positive under any step size.
/// (2) A GRPO loss value can be ≤ 0, and then −ln w would drive w to infinity; the w-update therefore
/// uses a positive magnitude of L_μ (|L_μ|, or the paper's length-based approximation
/// <see cref="ApproximateBucketLoss"/>), while the policy gradient keeps the sign of ∂L_μ/∂θ.
/// (3) Buckets absent from a step are neither in the loss nor updated (their L_μ = 0 would send w → ∞).
/// </summary>
public sealed class DaroWeights
{
    private readonly double[] _logWeights; // [G+1]: index k is bucket μ = k/G; 0 and G unused

    public DaroWeights(int groupSize, double initial = 1.0)
    {
        if (groupSize < 2) throw new ArgumentException($"DARO needs groups of at least 2 samples, got n={groupSize}. HINT: set rollout.n ≥ 2 (the paper uses 8)");
        if (initial <= 0) throw new ArgumentException($"DARO initial weight must be > 0, got {initial}. HINT: algorithm.daro.init_weight = 1.0");
        GroupSize = groupSize;
        _logWeights = Enumerable.Repeat(Math.Log(initial), groupSize + 1).ToArray();
    }

    public int GroupSize { get; }

    /// <summary>w_μ of bucket k (μ = k/G).</summary>
    public double Weight(int bucket) => Math.Exp(_logWeights[bucket]);

    /// <summary>All weights, for the metrics row (index k = bucket μ = k/G).</summary>
    public IReadOnlyList<double> Weights => _logWeights.Select(Math.Exp).ToArray();

    /// <summary>ln w per bucket (index k = μ·G): the whole learnable state, saved in checkpoints (exact, unlike w).</summary>
    public IReadOnlyList<double> LogWeights => _logWeights;

    /// <summary>Restores the state saved from <see cref="LogWeights"/> (a checkpoint of a run with the same rollout.n).</summary>
    public void Restore(IReadOnlyList<double> logWeights)
    {
        if (logWeights.Count != _logWeights.Length)
            throw new InvalidDataException($"DARO state has {logWeights.Count} weights but rollout.n={GroupSize} needs {_logWeights.Length}. HINT: resume with the rollout.n the checkpoint was trained with, or start afresh with --resume none");
        for (int k = 0; k < _logWeights.Length; k++) _logWeights[k] = logWeights[k];
    }

    /// <summary>Bucket k = round(μ·G) for a group with pass rate μ; −1 for μ = 0 or 1 (dropped).</summary>
    public static int Bucket(double passRate, int groupSize)
    {
        int k = (int)Math.Round(passRate * groupSize);
        return k <= 0 || k >= groupSize ? -1 : k;
    }

    /// <summary>L = Σ_{present μ} (w_μ·|L_μ| − ln w_μ); bucketLosses[k] is L_μ (its magnitude is used).</summary>
    public double Loss(ReadOnlySpan<double> bucketLosses, ReadOnlySpan<bool> present)
    {
        double sum = 0;
        for (int k = 1; k < GroupSize; k++)
            if (present[k]) sum += Weight(k) * Math.Abs(bucketLosses[k]) - _logWeights[k];
        return sum;
    }

    /// <summary>∂L/∂w_μ = |L_μ| − 1/w_μ for present buckets, 0 otherwise.</summary>
    public void Gradient(ReadOnlySpan<double> bucketLosses, ReadOnlySpan<bool> present, Span<double> gradWeights)
    {
        gradWeights.Clear();
        for (int k = 1; k < GroupSize; k++)
            if (present[k]) gradWeights[k] = Math.Abs(bucketLosses[k]) - 1 / Weight(k);
    }

    /// <summary>One gradient step in u = ln w: ∂L/∂u = w·|L_μ| − 1.</summary>
    public void Step(ReadOnlySpan<double> bucketLosses, ReadOnlySpan<bool> present, double learningRate)
    {
        for (int k = 1; k < GroupSize; k++)
            if (present[k]) _logWeights[k] -= learningRate * (Weight(k) * Math.Abs(bucketLosses[k]) - 1);
    }

    /// <summary>The minimizer of w·L − ln w: w* = 1/L.</summary>
    public static double OptimalWeight(double bucketLoss) => 1 / bucketLoss;

    /// <summary>
    /// The paper's approximation of a bucket's loss magnitude: |Σ_pos |o| − Σ_neg |o|| / L · √(μ(1−μ)),
    /// L = total response length of the step (token-mean normalizer).
    /// </summary>
    public static double ApproximateBucketLoss(double positiveLength, double negativeLength, double totalLength, double passRate) =>
        Math.Abs(positiveLength - negativeLength) / totalLength * Math.Sqrt(passRate * (1 - passRate));

    /// <summary>
    /// Adds a micro-batch's share of each bucket's loss, L_μ += Σ_{tokens of bucket μ} w_t·ℓ_t (signed; the
    /// magnitude is taken when the weights are updated), and marks the buckets present. Clear both at the
    /// start of a mini-batch; sequenceBuckets[b] is −1 for dropped sequences.
    /// </summary>
    public static void AccumulateBucketLosses(ReadOnlySpan<double> weightedTokenLoss, ReadOnlySpan<int> sequenceBuckets, int tokens,
        Span<double> bucketLosses, Span<bool> present)
    {
        for (int b = 0; b < sequenceBuckets.Length; b++)
        {
            int k = sequenceBuckets[b];
            if (k < 0) continue;
            present[k] = true;
            for (int t = 0; t < tokens; t++) bucketLosses[k] += weightedTokenLoss[b * tokens + t];
        }
    }

    /// <summary>
    /// [B] bucket and policy weight of each sequence from its group's pass rate: w_μ of its bucket, or 0 with
    /// bucket −1 for groups that all pass or all fail (they carry no GRPO gradient anyway).
    /// </summary>
    public void SequenceWeights(ReadOnlySpan<double> rewards, ReadOnlySpan<int> groups, Span<int> buckets, Span<double> weights)
    {
        for (int b = 0; b < rewards.Length; b++)
        {
            buckets[b] = Bucket(Advantages.GroupStatistics.PassRate(rewards, groups, groups[b]), GroupSize);
            weights[b] = buckets[b] < 0 ? 0 : Weight(buckets[b]);
        }
    }
}
