using Verity.Engine.Generation;
using Verity.Rl.Training;

namespace Verity.Rl.Rollout;

/// <summary>
/// The rollout stage of <see cref="RlStep"/> when rollout.tool is set: the tool rollout replaces the plain
/// generate, and its samples carry a loss mask (0 on tool tokens) that the step hands to every
/// <see cref="SequenceBatch"/> (advantages, loss, entropy, KL) and to the log-prob mismatch metric.
/// </summary>
internal static class ToolRolloutStage
{
    /// <summary>The samples of a tool rollout (groups numbered from <paramref name="firstGroup"/>), with tool metrics added
    /// (with DAPO refill: those of the step's last round); null when rollout.tool is none (plain rollout). Every model
    /// call goes through <paramref name="generate"/>.</summary>
    public static List<RlSample>? RunIfEnabled(RlContext ctx, IReadOnlyList<RlPrompt> prompts, IReadOnlyList<GenerationRequest> requests, int firstGroup,
        Func<IReadOnlyList<GenerationRequest>, GenerationResult> generate, IDictionary<string, double> metrics)
    {
        if (ctx.Config.Rollout.Tool == "none") return null;
        var tool = ctx.ToolRollout ?? throw new ArgumentException(
            $"rollout.tool={ctx.Config.Rollout.Tool} but the step has no tool. HINT: set RlContext.ToolRollout (verity train builds it from the config), or rollout.tool=none.");
        var result = tool.Run(generate, ctx.Decode, requests);
        result.Stats.AddTo(metrics);
        var samples = new List<RlSample>();
        for (int g = 0; g < prompts.Count; g++)
            foreach (var s in result.Requests[g])
                samples.Add(new RlSample(firstGroup + g, prompts[g].PromptIds, s.Ids, s.PolicyLogProbs, "", null, s.Finish) { LossMask = s.LossMask });
        return samples;
    }

    /// <summary>Per-sample loss masks for a <see cref="SequenceBatch"/>; null when no sample has one (all tokens count).</summary>
    public static IReadOnlyList<double[]>? Masks(IReadOnlyList<RlSample> samples) =>
        samples.Any(s => s.LossMask is not null)
            ? samples.Select(s => s.LossMask ?? Enumerable.Repeat(1.0, s.ResponseIds.Length).ToArray()).ToList()
            : null;

    /// <summary>Whether response token k of a sample was sampled by the policy (tool tokens have no rollout log-prob).</summary>
    public static bool Sampled(RlSample sample, int k) => sample.LossMask is not { } m || m[k] > 0;
}
