using System.Diagnostics;

namespace Verity.Cli.Bench;

/// <summary>Best-of-N wall time: the machine is shared, so the fastest run is the least disturbed one.</summary>
internal static class BenchTimer
{
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(0.3);

    /// <summary>
    /// Warms up for at least <see cref="WarmUp"/> (the JIT recompiles hot library code such as
    /// TensorPrimitives at tier 1 only after ~30 calls and a 100 ms delay), then runs up to <c>reps</c>
    /// times within the budget; returns the best seconds.
    /// </summary>
    public static double BestSeconds(Action action, int reps, TimeSpan budget)
    {
        var warm = Stopwatch.StartNew();
        do action(); while (warm.Elapsed < WarmUp);
        double best = double.MaxValue;
        var total = Stopwatch.StartNew();
        for (int r = 0; r < reps; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds);
            if (r >= 1 && total.Elapsed > budget) break;
        }
        return best;
    }
}
