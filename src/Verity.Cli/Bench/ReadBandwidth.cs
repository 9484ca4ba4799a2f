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
/// after every timed generation. A sample is a one-second average, like the decode figure it bounds (a
/// multi-second average): the best single 12 ms pass would be an outlier, not a bound.
/// </summary>
internal sealed class ReadBandwidth
{
    private readonly float[] _data = new float[ModelShapes.Tiny ? 1 << 22 : 1 << 27];
    private readonly float[] _sums = new float[WorkPool.ThreadCount];

    public ReadBandwidth()
    {
        for (int i = 0; i < _data.Length; i++) _data[i] = i & 7; // touch every page so the sum reads real memory
        Sum();
    }

    /// <summary>Sums for at least <see cref="Window"/> and returns the average rate in GB/s.</summary>
    public double Sample()
    {
        long passes = 0, t0 = Stopwatch.GetTimestamp();
        do { Sum(); passes++; } while (Stopwatch.GetElapsedTime(t0) < Window);
        return passes * _data.Length * sizeof(float) / Stopwatch.GetElapsedTime(t0).TotalSeconds / 1e9;
    }

    static TimeSpan Window => TimeSpan.FromSeconds(ModelShapes.Tiny ? 0.01 : 1);

    private void Sum()
    {
        int parts = _sums.Length, size = (_data.Length + parts - 1) / parts;
        WorkPool.For(parts, p =>
        {
            int start = p * size, length = Math.Min(size, _data.Length - start);
            _sums[p] = SumOfPart(_data.AsSpan(start, length));
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
