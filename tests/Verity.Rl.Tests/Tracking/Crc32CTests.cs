using System.Text;
using Verity.Rl.Tracking;

namespace Verity.Rl.Tests.Tracking;

public class Crc32CTests
{
    [Fact]
    public void Should_Match_The_Standard_Check_Value()
    {
        // Given the CRC-32C check string (RFC 3720 / iSCSI)
        var data = Encoding.ASCII.GetBytes("123456789");

        // Then the checksum is the published check value and its TFRecord mask is rotr15 + 0xa282ead8
        Assert.Equal(0xE3069283u, Crc32C.Compute(data));
        Assert.Equal(0xC78AB0E5u, Crc32C.Masked(data));
    }

    [Fact]
    public void Should_Match_A_Bitwise_Reference_For_Every_Length_And_Alignment()
    {
        // The fast path eats 8 bytes at a time; lengths 0..40 at offsets 0..7 cover every tail.
        var rng = new Random(7);
        var buffer = new byte[48];
        rng.NextBytes(buffer);
        for (int offset = 0; offset < 8; offset++)
        {
            for (int length = 0; offset + length <= 40; length++)
            {
                var span = buffer.AsSpan(offset, length);
                Assert.Equal(Reference(span), Crc32C.Compute(span));
            }
        }
    }

    [Fact]
    public void Should_Be_Empty_Crc_Zero()
    {
        Assert.Equal(0u, Crc32C.Compute([]));
    }

    // Bit-at-a-time CRC with the reflected Castagnoli polynomial.
    private static uint Reference(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        return ~crc;
    }
}
