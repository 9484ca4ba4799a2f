using Verity.Engine.Threading;

namespace Verity.Engine.Ops;

/// <summary>
/// Splits <c>count</c> independent work items into fixed contiguous ranges and runs them on the
/// <see cref="WorkPool"/> (the same threads as the GEMM, so <c>--threads</c> bounds every op and no second
/// pool competes for the cores). Every item is computed by exactly one thread in a fixed order, so results do
/// not depend on the thread count or scheduling.
/// </summary>
internal static class RowParallel
{
    /// <summary>Caps the number of ranges (tests use it to show results do not depend on the split); null = up to 4 per pool thread.</summary>
    internal static int? MaxParts { get; set; }

    /// <summary>Below this many multiply-adds a range costs more to hand off than it saves.</summary>
    const long MinWorkPerPart = 1 << 16;

    /// <summary>Runs <paramref name="body"/>(start, end) over disjoint ranges covering [0, count).</summary>
    public static void For(int count, long workPerItem, Action<int, int> body)
    {
        if (count <= 0) return;
        // A few ranges per thread, so a thread that the shared machine deschedules holds up only a small share.
        long byWork = MaxParts.HasValue ? count : Math.Max(1, count * workPerItem / MinWorkPerPart);
        int threads = WorkPool.ThreadCount;
        int parts = (int)Math.Min(Math.Min(MaxParts ?? (threads == 1 ? 1 : 4 * threads), count), byWork);
        if (parts <= 1)
        {
            body(0, count);
            return;
        }
        WorkPool.For(parts, p =>
        {
            int start = (int)((long)count * p / parts), end = (int)((long)count * (p + 1) / parts);
            body(start, end);
        });
    }
}
