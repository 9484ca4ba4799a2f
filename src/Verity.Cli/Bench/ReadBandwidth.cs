using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Verity.Engine.Threading;

namespace Verity.Cli.Bench;

/// <summary>
/// Sustained memory read bandwidth: reading a 512 MiB float array (far beyond the caches), split into one
/// contiguous part per thread, over and over for about a second. Single-sequence decode reads every weight once
/// per token, so weight bytes / this bandwidth is the fastest a memory-bound decode step can be. This VM's read
/// bandwidth moves between about 30 and 65 GB/s with its neighbours, so the decode bench samples it before and
/// after every timed generation. A sample is a one-second average, like the decode figure it bounds (a
/// multi-second average): the best single 12 ms pass would be an outlier, not a bound.
/// A sample is the faster of two reads, each for half the window: a plain sum, and a dot product against a vector
/// that stays in L1 (the single-sequence GEMV's own pattern). On this VM the dot-product read is up to ~15 % faster
/// while the bandwidth is low (the plain sum alone let decode reach "105 %" of its bound) and level with the sum
/// when it is high; a bound must be the fastest read measured, so it takes the better of the two.
/// </summary>
internal sealed class ReadBandwidth
{
    /// <summary>A whole number of dot rows, so both reads cover every float the rate counts.</summary>
    private readonly float[] _data = new float[(ModelShapes.Tiny ? 1 << 22 : 1 << 27) / DotWidth * DotWidth];
    private readonly float[] _sums = new float[WorkPool.ThreadCount];
    private readonly float[] _x = new float[DotWidth];

    /// <summary>Floats per row of the dot-product read (576 = SmolLM2-135M's hidden size).</summary>
    private const int DotWidth = 576;

    public ReadBandwidth()
    {
        for (int i = 0; i < _data.Length; i++) _data[i] = i & 7; // touch every page so the sum reads real memory
        for (int i = 0; i < _x.Length; i++) _x[i] = 1f / (1 + i);
        Read(dot: false);
        Read(dot: true);
    }

    /// <summary>Reads for at least <see cref="Window"/> (half with each kernel) and returns the faster average rate in GB/s.</summary>
    public double Sample() => Math.Max(Rate(dot: false), Rate(dot: true));

    private double Rate(bool dot)
    {
        long passes = 0, t0 = Stopwatch.GetTimestamp();
        do { Read(dot); passes++; } while (Stopwatch.GetElapsedTime(t0) < Window / 2);
        return passes * _data.Length * sizeof(float) / Stopwatch.GetElapsedTime(t0).TotalSeconds / 1e9;
    }

    static TimeSpan Window => TimeSpan.FromSeconds(ModelShapes.Tiny ? 0.01 : 1);

    /// <summary>One pass over the array, one contiguous part per thread (a whole number of dot rows each).</summary>
    private void Read(bool dot)
    {
        int parts = _sums.Length, rows = _data.Length / DotWidth, rowsPerPart = (rows + parts - 1) / parts;
        WorkPool.For(parts, p =>
        {
            int start = p * rowsPerPart * DotWidth, length = Math.Min(rowsPerPart * DotWidth, _data.Length - start);
            var part = _data.AsSpan(Math.Min(start, _data.Length), Math.Max(0, length));
            _sums[p] = dot ? DotOfPart(part, _x) : SumOfPart(part);
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

    /// <summary>
    /// Σ_rows x·row over rows of <see cref="DotWidth"/> floats, one row at a time with four accumulators, as the
    /// decode GEMV reads a weight (x stays in L1).
    /// </summary>
    private static float DotOfPart(ReadOnlySpan<float> part, ReadOnlySpan<float> x)
    {
        float total = 0;
        if (!Vector512.IsHardwareAccelerated)
        {
            for (int r = 0; r + DotWidth <= part.Length; r += DotWidth) total += TensorPrimitives.Dot(part.Slice(r, DotWidth), x);
            return total;
        }
        ref float w = ref MemoryMarshal.GetReference(part);
        ref float xs = ref MemoryMarshal.GetReference(x);
        for (int r = 0; r + DotWidth <= part.Length; r += DotWidth)
        {
            Vector512<float> a = default, b = default, c = default, d = default;
            for (int p = 0; p < DotWidth; p += 64)
            {
                a = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xs, (nuint)p), Vector512.LoadUnsafe(ref w, (nuint)(r + p)), a);
                b = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xs, (nuint)(p + 16)), Vector512.LoadUnsafe(ref w, (nuint)(r + p + 16)), b);
                c = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xs, (nuint)(p + 32)), Vector512.LoadUnsafe(ref w, (nuint)(r + p + 32)), c);
                d = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xs, (nuint)(p + 48)), Vector512.LoadUnsafe(ref w, (nuint)(r + p + 48)), d);
            }
            total += Vector512.Sum((a + b) + (c + d));
        }
        return total;
    }
}
