using Verity.Rewards;
using Verity.Rl.Config;

namespace Verity.Rl.Training;

/// <summary>
/// The config's reward list as one <see cref="RewardFunction"/> for <see cref="RlStep"/>: a weighted
/// <see cref="RewardMix"/> of registered rewards (void parts left out). It also tallies each component per
/// step, for the <c>rewards/&lt;name&gt;/mean</c> metrics (TRL's names), without scoring twice.
/// </summary>
public sealed class TrainingReward
{
    /// <summary>Rewards that read the response length; only for them is the response re-tokenized.</summary>
    private static readonly HashSet<string> LengthRewards = ["soft_overlong"];

    private readonly RewardMix _mix;
    private readonly double[] _sums;
    private readonly int[] _counts;

    private readonly Func<string, int>? _countTokens;

    /// <summary><paramref name="countTokens"/> gives length rewards (soft_overlong) the response length in tokens; without it they count characters.</summary>
    public TrainingReward(IReadOnlyList<RewardEntry> entries, RewardSettings? settings = null, Func<string, int>? countTokens = null)
    {
        _countTokens = entries.Any(e => LengthRewards.Contains(e.Name)) ? countTokens : null;
        _mix = new RewardMix(entries.Select((e, i) => new RewardComponent(e.Name, e.Weight, Create(e.Name, i, settings))).ToList());
        _sums = new double[entries.Count];
        _counts = new int[entries.Count];
    }

    /// <summary>The reward settings of a run: length rewards measure against rollout.max_new_tokens with the overlong buffer.</summary>
    public static RewardSettings SettingsFor(RunConfig config) => new()
    {
        MaxLength = config.Rollout.MaxNewTokens,
        CacheLength = Math.Clamp(config.Algorithm.Overlong.BufferLen, 1, config.Rollout.MaxNewTokens),
        ToolTurnLimit = config.Rollout.ToolTurnLimit,
    };

    /// <summary>For <see cref="RlContext.Reward"/>; an empty answer is no reference (math_accuracy is then void).</summary>
    public double? Score(string response, string answer)
    {
        var breakdown = _mix.Evaluate(new RewardInput(response, answer.Length == 0 ? null : answer, _countTokens?.Invoke(response)));
        for (int i = 0; i < breakdown.Parts.Count; i++)
        {
            if (breakdown.Parts[i].Value is not double v) continue;
            _sums[i] += v;
            _counts[i]++;
        }
        return breakdown.Total;
    }

    /// <summary>Mean of each component since the last call (components void everywhere are left out), then resets.</summary>
    public void TakeMeans(IDictionary<string, double> metrics)
    {
        for (int i = 0; i < _sums.Length; i++)
        {
            if (_counts[i] > 0) metrics[$"rewards/{_mix.Components[i].Name}/mean"] = _sums[i] / _counts[i];
            _sums[i] = 0;
            _counts[i] = 0;
        }
    }

    private static Rewards.RewardFunction Create(string name, int index, RewardSettings? settings)
    {
        try
        {
            return RewardRegistry.Create(name, settings);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"config: reward.{index}.name: {ex.Message}", ex);
        }
    }
}
