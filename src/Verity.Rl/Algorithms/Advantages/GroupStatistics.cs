namespace Verity.Rl.Algorithms.Advantages;

/// <summary>Mean, unbiased std (ddof 1) and size of each group's rewards, computed in two passes.</summary>
public sealed class GroupStatistics
{
    private readonly Dictionary<int, (double Mean, double Std, int Count)> _stats = new();

    public GroupStatistics(ReadOnlySpan<double> rewards, ReadOnlySpan<int> groups)
    {
        var sums = new Dictionary<int, (double Sum, int Count)>();
        for (int b = 0; b < rewards.Length; b++)
        {
            sums.TryGetValue(groups[b], out var s);
            sums[groups[b]] = (s.Sum + rewards[b], s.Count + 1);
        }
        var squares = new Dictionary<int, double>();
        for (int b = 0; b < rewards.Length; b++)
        {
            var (sum, count) = sums[groups[b]];
            double d = rewards[b] - sum / count;
            squares[groups[b]] = squares.GetValueOrDefault(groups[b]) + d * d;
        }
        foreach (var (g, (sum, count)) in sums)
            _stats[g] = (sum / count, count > 1 ? Math.Sqrt(squares[g] / (count - 1)) : 0, count);
    }

    public double Mean(int group) => _stats[group].Mean;
    public double Std(int group) => _stats[group].Std;
    public int Count(int group) => _stats[group].Count;

    /// <summary>Fraction of a group's rewards above zero: the pass rate μ for 0/1 rewards.</summary>
    public static double PassRate(ReadOnlySpan<double> rewards, ReadOnlySpan<int> groups, int group)
    {
        int n = 0, pass = 0;
        for (int b = 0; b < rewards.Length; b++)
            if (groups[b] == group) { n++; if (rewards[b] > 0) pass++; }
        return n == 0 ? 0 : (double)pass / n;
    }

    /// <summary>Unbiased std of all values (Lite PPO's batch-level scale).</summary>
    public static double Std(ReadOnlySpan<double> values)
    {
        if (values.Length < 2) return 0;
        double mean = 0;
        foreach (var v in values) mean += v;
        mean /= values.Length;
        double ss = 0;
        foreach (var v in values) ss += (v - mean) * (v - mean);
        return Math.Sqrt(ss / (values.Length - 1));
    }
}
