namespace Verity.Rl.Algorithms.Filters;

/// <summary>
/// DAPO dynamic sampling (rl-anchors §2.6): a group whose rewards all agree has zero advantage everywhere and
/// only dilutes the batch, so it is dropped and the trainer generates more prompts until the batch is full.
/// The test is std &gt; 0 (verl recipe), which is right for any reward scale — not OpenRLHF's
/// min &lt; mean &lt; max band, which only works for 0/1 rewards.
/// </summary>
public static class DynamicSampling
{
    /// <summary>Keep a group iff its rewards are not all equal; a singleton group is kept (nothing to compare).</summary>
    public static bool KeepGroup(ReadOnlySpan<double> groupRewards)
    {
        if (groupRewards.Length <= 1) return true;
        foreach (var r in groupRewards) if (r != groupRewards[0]) return true;
        return false;
    }

    /// <summary>[B] keep flag per sequence, by group.</summary>
    public static void KeepSequences(ReadOnlySpan<double> rewards, ReadOnlySpan<int> groups, Span<bool> keep)
    {
        var groupRewards = new Dictionary<int, List<double>>();
        for (int b = 0; b < rewards.Length; b++)
        {
            if (!groupRewards.TryGetValue(groups[b], out var list)) groupRewards[groups[b]] = list = [];
            list.Add(rewards[b]);
        }
        for (int b = 0; b < rewards.Length; b++) keep[b] = KeepGroup(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(groupRewards[groups[b]]));
    }
}
