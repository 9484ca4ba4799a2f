using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Verity.Hub.Safetensors;

/// <summary>
/// bfloat16 ↔ float32. .NET 10 has no BFloat16 type, so the bits are handled directly: a bf16 is the
/// upper half of a float32, widening is a 16-bit shift, narrowing rounds to nearest even.
/// </summary>
public static class BFloat16
{
    public static float ToFloat32(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>Round to nearest even; NaN stays NaN (quiet bit set so truncation cannot make it ±Inf).</summary>
    public static ushort FromFloat32(float value)
    {
        uint u = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((u >> 16) | 0x0040);
        return (ushort)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
    }

    /// <summary>Widens <paramref name="source"/> into <paramref name="destination"/> (same length).</summary>
    public static void ToFloat32(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException($"destination has {destination.Length} elements, source {source.Length}.");
        Span<uint> dst = MemoryMarshal.Cast<float, uint>(destination);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= source.Length - Vector512<ushort>.Count; i += Vector512<ushort>.Count)
            {
                var (lo, hi) = Vector512.Widen(Vector512.Create(source.Slice(i, Vector512<ushort>.Count)));
                Vector512.ShiftLeft(lo, 16).CopyTo(dst.Slice(i));
                Vector512.ShiftLeft(hi, 16).CopyTo(dst.Slice(i + Vector512<uint>.Count));
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= source.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var (lo, hi) = Vector256.Widen(Vector256.Create(source.Slice(i, Vector256<ushort>.Count)));
                Vector256.ShiftLeft(lo, 16).CopyTo(dst.Slice(i));
                Vector256.ShiftLeft(hi, 16).CopyTo(dst.Slice(i + Vector256<uint>.Count));
            }
        }
        for (; i < source.Length; i++) dst[i] = (uint)source[i] << 16;
    }

    /// <summary>Narrows with round-to-nearest-even (same length).</summary>
    public static void FromFloat32(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException($"destination has {destination.Length} elements, source {source.Length}.");
        for (int i = 0; i < source.Length; i++) destination[i] = FromFloat32(source[i]);
    }
}
