using System.Text.Json;
using System.Text.Json.Nodes;
using Verity.Rl.Algorithms;
using Verity.Rl.Algorithms.Entropy;
using Verity.Rl.Algorithms.Kl;
using Verity.Rl.Config;

namespace Verity.Rl.Training;

/// <summary>
/// What lives across steps besides weights and optimizer moments, as trainer_state.json
/// <c>controller_states</c>: the prompt sampler's state (position, history-resampling tally, observed pass rates), the KL
/// coefficient β, the entropy coefficient α and DARO's learnable weights (as ln w, which round-trips exactly).
/// </summary>
internal static class ControllerStates
{
    public const string Sampler = "sampler";
    public const string Kl = "kl";
    public const string Entropy = "entropy";
    public const string Daro = "daro";

    public static Dictionary<string, JsonNode?> Capture(AlgorithmSetup setup, IPromptSampler sampler)
    {
        var states = new Dictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            [Sampler] = sampler.State(),
            [Kl] = new JsonObject { ["beta"] = setup.KlController.Coefficient },
        };
        if (setup.EntropyController is AdaptiveEntropyController adaptive)
            states[Entropy] = new JsonObject { ["alpha"] = adaptive.Alpha };
        if (setup.Daro is not null)
            states[Daro] = new JsonObject { ["log_weights"] = new JsonArray(setup.Daro.LogWeights.Select(u => (JsonNode?)u).ToArray()) };
        return states;
    }

    /// <summary>
    /// Restores the sampler in place and returns the setup with its controllers rebuilt at the saved
    /// coefficients (a controller's whole state is its coefficient; clamping a saved, already clamped α is exact).
    /// </summary>
    public static AlgorithmSetup Restore(AlgorithmSetup setup, RunConfig config, IReadOnlyDictionary<string, JsonElement> states, IPromptSampler sampler, string checkpoint)
    {
        if (!states.TryGetValue(Sampler, out var samplerState))
            throw new InvalidDataException($"{checkpoint}: trainer_state.json has no '{Sampler}' controller state. HINT: this checkpoint was not written by verity train; start afresh with --resume none");
        sampler.Restore(JsonNode.Parse(samplerState.GetRawText())!);

        var a = config.Algorithm;
        if (setup.Daro is not null && states.TryGetValue(Daro, out var daroState))
            setup.Daro.Restore(daroState.GetProperty("log_weights").EnumerateArray().Select(u => u.GetDouble()).ToArray());
        IKlController kl = setup.KlController;
        if (a.Kl.Adaptive && states.TryGetValue(Kl, out var klState))
            kl = new AdaptiveKlController(klState.GetProperty("beta").GetDouble(), a.Kl.Target, a.Kl.Horizon);
        IEntropyController entropy = setup.EntropyController;
        if (a.Entropy.Adaptive && states.TryGetValue(Entropy, out var entropyState))
            entropy = new AdaptiveEntropyController(entropyState.GetProperty("alpha").GetDouble(), a.Entropy.Target, a.Entropy.Delta, a.Entropy.Min, a.Entropy.Max);
        return new AlgorithmSetup
        {
            Advantage = setup.Advantage,
            AdvantageOptions = setup.AdvantageOptions,
            PolicyLoss = setup.PolicyLoss,
            PolicyOptions = setup.PolicyOptions,
            Aggregation = setup.Aggregation,
            MaxLength = setup.MaxLength,
            Kl = setup.Kl,
            KlInReward = setup.KlInReward,
            KlController = kl,
            EntropyController = entropy,
            SftCoefficient = setup.SftCoefficient,
            SampleWeighting = setup.SampleWeighting,
            Daro = setup.Daro,
        };
    }
}
