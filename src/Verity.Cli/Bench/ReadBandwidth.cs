using System.Diagnostics;
using System.Numerics.Tensors;
using Verity.Engine.Threading;

namespace Verity.Cli.Bench;

/// <summary>
/// Sustained memory read bandwidth: the best time to sum a 512 MiB float array (far beyond the caches), split
/// into one contiguous part per thread. Single-sequence decode reads every weight once per token, so
/// weight bytes / this bandwidth is the fastest a memory-bound decode step can be.
/// </summary>
internal static class ReadBandwidth
{
    public static double GigabytesPerSecond(int reps = 7)
    {
        var data = new float[ModelShapes.Tiny ? 1 << 22 : 1 << 27];
        for (int i = 0; i < data.Length; i++) data[i] = i & 7; // touch every page so the sum reads real memory
        int parts = WorkPool.ThreadCount;
        var sums = new float[parts];
        int size = (data.Length + parts - 1) / parts;
        void Sum() => WorkPool.For(parts, p =>
        {
            int start = p * size, length = Math.Min(size, data.Length - start);
            sums[p] = TensorPrimitives.Sum(data.AsSpan(start, length));
        });
        Sum();
        double best = double.MaxValue;
        for (int r = 0; r < reps; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Sum();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }
        return (long)data.Length * sizeof(float) / best / 1e9;
    }
}
