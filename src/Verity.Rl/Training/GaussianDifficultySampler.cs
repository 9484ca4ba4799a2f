using System.Text.Json.Nodes;

namespace Verity.Rl.Training;

/// <summary>
/// Gaussian difficulty sampling (seed note 002): prompt i is drawn with weight exp(−(pᵢ − μ)² / 2σ²) over its
/// pass rate pᵢ, so medium problems dominate (μ 0.5, σ 0.1: by 3σ nearly all draws have pᵢ in [0.2, 0.8]) and the
/// favoured set moves as the model improves. pᵢ is the prompt's latest observed group pass rate, else its offline
/// pass rate from the data (verity data difficulty), else μ — an unseen prompt gets the top weight, so it is tried
/// soon and then placed. The prompts of a step (all its refill rounds) are drawn without replacement, from a
/// generator seeded by (seed, prompts drawn so far); the state is that count and the observed pass rates.
/// <para>The seed note's caveat: late in training most prompts are all-right or all-wrong, and the few medium ones
/// are drawn again and again; watch sampler/weight_top_frac.</para>
/// </summary>
public sealed class GaussianDifficultySampler : IPromptSampler
{
    private readonly IReadOnlyList<double?> _offline;
    private readonly double[] _observed;
    private readonly double _mean;
    private readonly double _std;
    private readonly int _seed;
    private readonly HashSet<int> _inStep = [];
    private long _drawn;
    private double _topFraction;

    public GaussianDifficultySampler(IReadOnlyList<double?> offlinePassRates, double mean, double std, int seed)
    {
        if (offlinePassRates.Count < 1) throw new ArgumentException("prompt sampler: no prompts to sample from. HINT: add prompts to data.train_files");
        if (!(std > 0)) throw new ArgumentException($"config: data.gaussian_std must be > 0, got {std}. HINT: use 0.1");
        _offline = offlinePassRates;
        _observed = new double[offlinePassRates.Count];
        _observed.AsSpan().Fill(double.NaN);
        _mean = mean;
        _std = std;
        _seed = seed;
    }

    public double Epochs => _drawn / (double)_observed.Length;

    /// <summary>The pass rate prompt <paramref name="i"/> is weighted by now.</summary>
    public double PassRate(int i) => !double.IsNaN(_observed[i]) ? _observed[i] : _offline[i] ?? _mean;

    /// <summary>Unnormalized weight of prompt <paramref name="i"/>.</summary>
    public double Weight(int i)
    {
        double z = (PassRate(i) - _mean) / _std;
        return Math.Exp(-0.5 * z * z);
    }

    public int[] Next(int count)
    {
        int n = _observed.Length;
        var rng = new Random(PromptSampler.HashCode(_seed, _drawn));
        var weights = new double[n];
        for (int i = 0; i < n; i++) weights[i] = Weight(i);
        double total = weights.Sum();
        _topFraction = total > 0 ? weights.Max() * Math.Min(count, n) / total : 0;
        // without replacement within a step: prompts drawn by earlier refill rounds of this step are out too;
        // when the pool runs dry (a batch larger than the set) it starts afresh
        var available = new bool[n];
        int left = 0;
        for (int i = 0; i < n; i++) if (available[i] = !_inStep.Contains(i)) left++;
        var picked = new int[count];
        for (int k = 0; k < count; k++)
        {
            if (left == 0) { available.AsSpan().Fill(true); left = n; }
            picked[k] = Draw(weights, available, rng);
            available[picked[k]] = false;
            left--;
            _inStep.Add(picked[k]);
        }
        _drawn += count;
        return picked;
    }

    /// <summary>One index with probability ∝ weight among the available ones; uniform if their weights all underflowed.</summary>
    private static int Draw(double[] weights, bool[] available, Random rng)
    {
        double sum = 0;
        for (int i = 0; i < weights.Length; i++) if (available[i]) sum += weights[i];
        double u = rng.NextDouble() * sum;
        int last = -1;
        for (int i = 0; i < weights.Length; i++)
        {
            if (!available[i] || sum > 0 && weights[i] == 0) continue;
            last = i;
            u -= sum > 0 ? weights[i] : 0;
            if (sum > 0 && u < 0) return i;
        }
        if (sum > 0) return last; // rounding left u ≥ 0 past the end
        var left = Enumerable.Range(0, weights.Length).Where(i => available[i]).ToList();
        return left[rng.Next(left.Count)];
    }

    public void Record(IReadOnlyList<PromptOutcome> outcomes)
    {
        _inStep.Clear(); // the trainer records once per step, after its last draw (so checkpoints never hold any)
        foreach (var o in outcomes)
            if (o.Scored > 0) _observed[o.Prompt] = o.PassRate;
    }

    public void AddMetrics(IDictionary<string, double> metrics)
    {
        metrics["sampler/observed_frac"] = _observed.Count(p => !double.IsNaN(p)) / (double)_observed.Length;
        metrics["sampler/weight_top_frac"] = _topFraction;
    }

    /// <summary>{"kind", "drawn", "observed": [[prompt, pass rate], …]}.</summary>
    public JsonNode State() => new JsonObject
    {
        ["kind"] = "gaussian_difficulty",
        ["drawn"] = _drawn,
        ["observed"] = new JsonArray([.. Enumerable.Range(0, _observed.Length).Where(i => !double.IsNaN(_observed[i]))
            .Select(i => (JsonNode)new JsonArray(i, _observed[i]))]),
    };

    public void Restore(JsonNode state)
    {
        string? kind = state["kind"]?.GetValue<string>();
        if (kind != "gaussian_difficulty")
            throw new InvalidDataException($"trainer_state.json: the checkpoint's sampler is '{kind ?? "random"}' but data.sampler is 'gaussian_difficulty'. HINT: resume with data.sampler={kind ?? "random"}, or start afresh with --resume none");
        _drawn = state["drawn"]?.GetValue<long>() ?? throw new InvalidDataException("trainer_state.json: gaussian_difficulty state has no 'drawn'. HINT: start afresh with --resume none");
        _observed.AsSpan().Fill(double.NaN);
        foreach (var row in state["observed"]?.AsArray() ?? [])
        {
            int i = row![0]!.GetValue<int>();
            if (i < 0 || i >= _observed.Length)
                throw new InvalidDataException($"trainer_state.json: sampler state names prompt {i} of {_observed.Length}. HINT: resume with the same data.train_files, or start afresh with --resume none");
            _observed[i] = row[1]!.GetValue<double>();
        }
    }
}
