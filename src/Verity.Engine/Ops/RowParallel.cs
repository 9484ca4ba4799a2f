namespace Verity.Engine.Ops;

/// <summary>
/// Splits <c>count</c> independent work items into fixed contiguous ranges and runs them in parallel.
/// Every item is computed by exactly one thread in a fixed order, so results do not depend on the
/// thread count or scheduling. (The kernels helper's deterministic pool will replace Parallel.For here.)
/// </summary>
internal static class RowParallel
{
    /// <summary>Caps the number of ranges (tests use it to show results do not depend on the split); null = core count.</summary>
    internal static int? MaxParts { get; set; }

    /// <summary>Runs <paramref name="body"/>(start, end) over disjoint ranges covering [0, count).</summary>
    public static void For(int count, long workPerItem, Action<int, int> body)
    {
        if (count <= 0) return;
        // Below ~64k multiply-adds of work a task costs more than it saves.
        int parts = (int)Math.Min(Math.Min(MaxParts ?? Environment.ProcessorCount, count), MaxParts.HasValue ? count : Math.Max(1, count * workPerItem / 65536));
        if (parts <= 1)
        {
            body(0, count);
            return;
        }
        Parallel.For(0, parts, p =>
        {
            int start = (int)((long)count * p / parts), end = (int)((long)count * (p + 1) / parts);
            body(start, end);
        });
    }
}
