using Verity.Engine.Generation;
using Verity.Rl.Algorithms.Filters;
using Verity.Rl.Config;
using Verity.Rl.Rollout;

namespace Verity.Rl.Training;

/// <summary>
/// DAPO's treatments of responses cut at rollout.max_new_tokens, applied by <see cref="RlStep"/>: the soft
/// overlong punishment on the reward (before group statistics, so it shapes the advantages) and overlong
/// filtering as a per-sample loss mask (the samples still count in their group's statistics, as in TRL).
/// </summary>
internal static class OverlongHandling
{
    /// <summary>Adds the soft penalty (by response length in tokens) to every non-void reward; returns its mean.</summary>
    public static double Punish(List<RlSample> samples, RunConfig config)
    {
        var o = config.Algorithm.Overlong;
        double sum = 0;
        int scored = 0;
        for (int i = 0; i < samples.Count; i++)
        {
            if (samples[i].Reward is not double reward) continue;
            double penalty = Overlong.Penalty(samples[i].ResponseIds.Length, config.Rollout.MaxNewTokens, o.BufferLen, o.PenaltyFactor);
            samples[i] = samples[i] with { Reward = reward + penalty };
            sum += penalty;
            scored++;
        }
        return scored > 0 ? sum / scored : 0;
    }

    /// <summary>
    /// [B][response length] loss masks: each sample's own mask (0 on tool-output tokens, rollout.tool) with
    /// truncated (finish = length) samples zeroed when algorithm.overlong.filter is on; null when every response
    /// token counts.
    /// </summary>
    public static List<double[]>? LossMasks(IReadOnlyList<RlSample> train, OverlongSection overlong)
    {
        var own = ToolRolloutStage.Masks(train);
        if (!overlong.Filter) return own?.ToList();
        var truncated = train.Select(s => s.Finish == FinishReason.Length).ToArray();
        var masks = new List<double[]>(train.Count);
        for (int b = 0; b < train.Count; b++)
        {
            var mask = own?[b].ToArray() ?? Enumerable.Repeat(1.0, train[b].ResponseIds.Length).ToArray();
            Overlong.MaskTruncated(truncated.AsSpan(b, 1), mask.Length, mask);
            masks.Add(mask);
        }
        return masks;
    }
}
