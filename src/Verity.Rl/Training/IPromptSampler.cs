using System.Text.Json.Nodes;

namespace Verity.Rl.Training;

/// <summary>How one prompt did in a step: responses with reward &gt; 0 out of the scored (non-void) ones.</summary>
public readonly record struct PromptOutcome(int Prompt, int Correct, int Scored)
{
    public double PassRate => Scored == 0 ? double.NaN : Correct / (double)Scored;

    /// <summary>One outcome per generated group; <paramref name="drawn"/>[g] is the dataset index of group g.</summary>
    public static List<PromptOutcome> FromSamples(IReadOnlyList<RlSample> samples, IReadOnlyList<int> drawn) =>
        samples.Where(s => s.Reward is not null).GroupBy(s => s.Group).OrderBy(g => g.Key)
            .Select(g => new PromptOutcome(drawn[g.Key], g.Count(s => s.Reward > 0), g.Count())).ToList();
}

/// <summary>
/// Picks the prompts of each step and learns from how they went. Its whole state is <see cref="State"/>, saved in
/// every checkpoint (trainer_state.json controller_states.sampler), so a resumed run draws the same prompts.
/// </summary>
public interface IPromptSampler
{
    /// <summary>The next <paramref name="count"/> prompt indices (the sampler advances by exactly these).</summary>
    int[] Next(int count);

    /// <summary>Outcomes of prompts drawn earlier (history resampling and difficulty estimates read them).</summary>
    void Record(IReadOnlyList<PromptOutcome> outcomes);

    /// <summary>Progress in epochs over the prompt set (the "epoch" metric).</summary>
    double Epochs { get; }

    /// <summary>Adds the sampler's own metrics (sampler/*) to a step's row.</summary>
    void AddMetrics(IDictionary<string, double> metrics);

    JsonNode State();

    void Restore(JsonNode state);
}

/// <summary>Registry of data.sampler names.</summary>
public static class PromptSamplers
{
    public static readonly IReadOnlyList<string> Known = ["random", "sequential", "history_resampling", "gaussian_difficulty"];

    public static IPromptSampler Create(Config.DataSection data, PromptSet prompts, int seed) => data.Sampler switch
    {
        "gaussian_difficulty" => new GaussianDifficultySampler(prompts.PassRates, data.GaussianMean, data.GaussianStd, seed),
        "random" or "sequential" or "history_resampling" => new PromptSampler(data.Sampler, prompts.Prompts.Count, seed),
        var other => throw new NotSupportedException($"config: data.sampler '{other}' is not known. HINT: use one of: {string.Join(", ", Known)}"),
    };
}
