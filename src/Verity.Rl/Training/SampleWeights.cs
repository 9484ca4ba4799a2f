using System.Globalization;
using Verity.Rl.Algorithms;
using Verity.Rl.Algorithms.Daro;
using Verity.Rl.Config;

namespace Verity.Rl.Training;

/// <summary>
/// The per-sample weight s_b on the policy-gradient term of one step (<see cref="ActorLossInput.SequenceWeights"/>):
/// fixed by algorithm.sample_weighting from the group's pass rate, or DARO's learnable w_μ of the group's
/// pass-rate bucket. For DARO it also sums each bucket's loss L_μ over a mini-batch (the policy sees
/// ∂L/∂θ = Σ_μ w_μ·∂L_μ/∂θ) and, after the optimizer step, moves the weights toward w_μ = 1/|L_μ|.
/// </summary>
internal sealed class SampleWeights
{
    private readonly double[] _weights;          // [B] s_b, refreshed after every DARO update
    private readonly DaroWeights? _daro;
    private readonly DaroSection _daroConfig;
    private readonly int[] _buckets = [];        // [B] DARO bucket k (μ = k/G), −1 for μ ∈ {0, 1}
    private readonly double[] _rewards;
    private readonly int[] _groups;
    private readonly double[] _lengths;          // [B] loss-mask length of each sequence
    private readonly double[] _bucketLosses = [];
    private readonly bool[] _present = [];
    private double _objective;
    private int _updates;

    private SampleWeights(AlgorithmSetup setup, DaroSection daro, double[] rewards, int[] groups, double[] mask, int tokens)
    {
        _rewards = rewards;
        _groups = groups;
        _daro = setup.Daro;
        _daroConfig = daro;
        _weights = new double[rewards.Length];
        _lengths = Enumerable.Range(0, rewards.Length).Select(b => mask.AsSpan(b * tokens, tokens).ToArray().Sum()).ToArray();
        if (_daro is not null)
        {
            _buckets = new int[rewards.Length];
            _bucketLosses = new double[_daro.GroupSize + 1];
            _present = new bool[_daro.GroupSize + 1];
            _daro.SequenceWeights(rewards, groups, _buckets, _weights);
        }
        else SampleWeightings.PerSequence(setup.SampleWeighting!, rewards, groups, _weights);
    }

    /// <summary>Null when the config weights every sample 1 (neither sample_weighting nor DARO).</summary>
    public static SampleWeights? For(AlgorithmSetup setup, RunConfig config, double[] rewards, int[] groups, double[] mask, int tokens) =>
        setup.Daro is null && setup.SampleWeighting is null ? null : new SampleWeights(setup, config.Algorithm.Daro, rewards, groups, mask, tokens);

    /// <summary>DARO needs the per-token policy loss of each micro-batch (<see cref="ActorLoss.Compute"/>'s last argument).</summary>
    public bool WantsTokenLosses => _daro is not null;

    /// <summary>s_b of sequences [from, to).</summary>
    public double[] Slice(int from, int to) => _weights[from..to];

    /// <summary>Adds a micro-batch's weighted token losses w_t·ℓ_t (sequences from <paramref name="from"/>) to L_μ.</summary>
    public void Accumulate(ReadOnlySpan<double> tokenLosses, int from, int tokens)
    {
        int count = tokenLosses.Length / tokens;
        DaroWeights.AccumulateBucketLosses(tokenLosses, _buckets.AsSpan(from, count), tokens, _bucketLosses, _present);
    }

    /// <summary>After the optimizer step of mini-batch [from, to): one step of the DARO weights, then new s_b.</summary>
    public void EndMiniBatch(int from, int to)
    {
        if (_daro is null) return;
        if (_daroConfig.LossMeasure == "approx") Approximate(from, to);
        _objective += _daro.Loss(_bucketLosses, _present);
        _updates++;
        _daro.Step(_bucketLosses, _present, _daroConfig.WeightLr);
        _daro.SequenceWeights(_rewards, _groups, _buckets, _weights);
        _bucketLosses.AsSpan().Clear();
        _present.AsSpan().Clear();
    }

    /// <summary>Metrics daro/weight_&lt;μ&gt; (every bucket, after the step's updates) and daro/objective (Σ_μ w_μ·|L_μ| − ln w_μ, mean over updates).</summary>
    public void AddMetrics(IDictionary<string, double> metrics)
    {
        if (_daro is null) return;
        for (int k = 1; k < _daro.GroupSize; k++) metrics[WeightMetric(k, _daro.GroupSize)] = _daro.Weight(k);
        metrics["daro/objective"] = _updates > 0 ? _objective / _updates : 0;
    }

    /// <summary>daro/weight_0.25 for bucket 2 of 8: the pass rate with up to three decimals.</summary>
    public static string WeightMetric(int bucket, int groupSize) =>
        "daro/weight_" + ((double)bucket / groupSize).ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>The paper's L_μ ≈ |Σ_pos|o| − Σ_neg|o|| / L · √(μ(1−μ)) over the mini-batch (L = its token count).</summary>
    private void Approximate(int from, int to)
    {
        double total = 0;
        var positive = new double[_bucketLosses.Length];
        var negative = new double[_bucketLosses.Length];
        for (int b = from; b < to; b++)
        {
            total += _lengths[b];
            if (_buckets[b] < 0) continue;
            if (_rewards[b] > 0) positive[_buckets[b]] += _lengths[b];
            else negative[_buckets[b]] += _lengths[b];
        }
        for (int k = 1; k < _bucketLosses.Length - 1; k++)
            _bucketLosses[k] = _present[k] && total > 0
                ? DaroWeights.ApproximateBucketLoss(positive[k], negative[k], total, (double)k / _daro!.GroupSize) : 0;
    }
}
