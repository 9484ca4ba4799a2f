namespace Verity.Rl.Algorithms.Filters;

/// <summary>
/// Online pass-rate filter (Skywork-OR1, AceReason; seed note 004): a group's pass rate is the fraction of its
/// responses with reward &gt; 0; groups whose pass rate lies outside [low, high] are too easy or too hard to teach
/// anything this step and are dropped.
/// </summary>
public static class PassRateFilter
{
    /// <summary>Clears <paramref name="keep"/>[b] of every sequence in a group outside [low, high]; returns the groups dropped.</summary>
    public static int Apply(ReadOnlySpan<double> rewards, ReadOnlySpan<int> groups, double low, double high, Span<bool> keep)
    {
        var tally = new Dictionary<int, (int Correct, int Count)>();
        for (int b = 0; b < rewards.Length; b++)
        {
            var (c, n) = tally.GetValueOrDefault(groups[b]);
            tally[groups[b]] = (c + (rewards[b] > 0 ? 1 : 0), n + 1);
        }
        var outside = tally.Where(g => g.Value.Correct / (double)g.Value.Count is var p && (p < low || p > high)).Select(g => g.Key).ToHashSet();
        for (int b = 0; b < rewards.Length; b++)
            if (outside.Contains(groups[b])) keep[b] = false;
        return outside.Count;
    }
}
