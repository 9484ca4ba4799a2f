using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Verity.Engine.Threading;

namespace Verity.Cli.Bench;

/// <summary>
/// Sustained memory read bandwidth: summing a 512 MiB float array (far beyond the caches), split into one
/// contiguous part per thread, over and over for about a second. Single-sequence decode reads every weight once
/// per token, so weight bytes / this bandwidth is the fastest a memory-bound decode step can be. This VM's read
/// bandwidth moves between about 30 and 65 GB/s with its neighbours, so the decode bench samples it before and
/// after every timed generation and keeps the best sample. A sample is a one-second average, like the decode
/// figure it bounds (a multi-second average): the best single 12 ms pass would be an outlier, not a bound.
/// </summary>
internal sealed class ReadBandwidth
{
    private readonly float[] data = new float[ModelShapes.Tiny ? 1 << 22 : 1 << 27];
    private readonly float[] sums = new float[WorkPool.ThreadCount];

    public ReadBandwidth()
    {
        for (int i = 0; i < data.Length; i++) data[i] = i & 7; // touch every page so the sum reads real memory
        Sum();
    }

    /// <summary>The highest bandwidth seen by any <see cref="Sample"/> call, in GB/s.</summary>
    public double BestGigabytesPerSecond { get; private set; }

    /// <summary>Sums for at least <see cref="Window"/>, then updates <see cref="BestGigabytesPerSecond"/> with the average rate.</summary>
    public void Sample()
    {
        long passes = 0, t0 = Stopwatch.GetTimestamp();
        do { Sum(); passes++; } while (Stopwatch.GetElapsedTime(t0) < Window);
        double gbPerS = passes * data.Length * sizeof(float) / Stopwatch.GetElapsedTime(t0).TotalSeconds / 1e9;
        BestGigabytesPerSecond = Math.Max(BestGigabytesPerSecond, gbPerS);
    }

    static TimeSpan Window => TimeSpan.FromSeconds(ModelShapes.Tiny ? 0.01 : 1);

    private void Sum()
    {
        int parts = sums.Length, size = (data.Length + parts - 1) / parts;
        WorkPool.For(parts, p =>
        {
            int start = p * size, length = Math.Min(size, data.Length - start);
            sums[p] = SumOfPart(data.AsSpan(start, length));
        });
    }

    /// <summary>
    /// Eight independent vector accumulators, so the read is never waiting on an add (TensorPrimitives.Sum read
    /// about 10 % slower here, and the probe must be at least as fast as any read the engine does).
    /// </summary>
    private static float SumOfPart(ReadOnlySpan<float> part)
    {
        if (!Vector512.IsHardwareAccelerated) return TensorPrimitives.Sum(part);
        ref float start = ref MemoryMarshal.GetReference(part);
        Vector512<float> a = default, b = default, c = default, d = default, e = default, f = default, g = default, h = default;
        int i = 0;
        for (; i + 128 <= part.Length; i += 128)
        {
            a += Vector512.LoadUnsafe(ref start, (nuint)(i)); b += Vector512.LoadUnsafe(ref start, (nuint)(i + 16));
            c += Vector512.LoadUnsafe(ref start, (nuint)(i + 32)); d += Vector512.LoadUnsafe(ref start, (nuint)(i + 48));
            e += Vector512.LoadUnsafe(ref start, (nuint)(i + 64)); f += Vector512.LoadUnsafe(ref start, (nuint)(i + 80));
            g += Vector512.LoadUnsafe(ref start, (nuint)(i + 96)); h += Vector512.LoadUnsafe(ref start, (nuint)(i + 112));
        }
        return Vector512.Sum(((a + b) + (c + d)) + ((e + f) + (g + h))) + TensorPrimitives.Sum(part[i..]);
    }
}
