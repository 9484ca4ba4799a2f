using System.Numerics;

namespace Verity.Rl.Tracking;

/// <summary>
/// CRC-32C (Castagnoli) as TFRecord files use it. <see cref="BitOperations.Crc32C(uint, byte)"/> is the raw
/// update step (hardware instruction where available); the standard checksum starts from and finishes with
/// an xor of 0xFFFFFFFF. Check value: "123456789" → 0xE3069283.
/// </summary>
public static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8)
            crc = BitOperations.Crc32C(crc, BitConverter.ToUInt64(data.Slice(i, 8)));
        for (; i < data.Length; i++)
            crc = BitOperations.Crc32C(crc, data[i]);
        return crc ^ 0xFFFFFFFFu;
    }

    /// <summary>
    /// TFRecord stores CRCs masked (rotate right by 15, add a constant) because a CRC of data that itself
    /// contains CRCs is weak; readers unmask or compare masked values.
    /// </summary>
    public static uint Mask(uint crc) => unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);

    public static uint Masked(ReadOnlySpan<byte> data) => Mask(Compute(data));
}
