using Verity.Hub.Safetensors;

namespace Verity.Hub.Tests.Safetensors;

public class BFloat16Tests
{
    [Theory]
    [InlineData(0x3F800000u, (ushort)0x3F80)] // 1.0 exact
    [InlineData(0x3F808000u, (ushort)0x3F80)] // halfway, lower is even → round down
    [InlineData(0x3F818000u, (ushort)0x3F82)] // halfway, lower is odd → round up to even
    [InlineData(0x3F808001u, (ushort)0x3F81)] // just above halfway → up
    [InlineData(0x3F807FFFu, (ushort)0x3F80)] // just below halfway → down
    [InlineData(0x7F7FFFFFu, (ushort)0x7F80)] // float.MaxValue rounds to +Inf, as RNE must
    [InlineData(0xFF800000u, (ushort)0xFF80)] // -Inf stays -Inf
    [InlineData(0x80000000u, (ushort)0x8000)] // -0 keeps its sign
    public void Narrowing_rounds_to_nearest_even(uint floatBits, ushort expected)
    {
        Assert.Equal(expected, BFloat16.FromFloat32(BitConverter.UInt32BitsToSingle(floatBits)));
    }

    [Fact]
    public void Nan_stays_nan_even_when_its_payload_is_only_in_the_low_bits()
    {
        // 0x7F800001 is a signalling NaN whose payload truncation would drop, turning it into +Inf.
        ushort b = BFloat16.FromFloat32(BitConverter.UInt32BitsToSingle(0x7F800001u));
        Assert.True(float.IsNaN(BFloat16.ToFloat32(b)));
        Assert.True(float.IsNaN(BFloat16.ToFloat32(BFloat16.FromFloat32(float.NaN))));
    }

    [Fact]
    public void Vector_widening_matches_scalar_for_every_tail_length()
    {
        var rng = new Random(3);
        for (int n = 0; n < 100; n++)
        {
            var src = new ushort[n];
            for (int i = 0; i < n; i++) src[i] = (ushort)rng.Next(0, 65536);
            var dst = new float[n];
            BFloat16.ToFloat32(src, dst);
            for (int i = 0; i < n; i++)
                Assert.Equal(BitConverter.SingleToUInt32Bits(BFloat16.ToFloat32(src[i])), BitConverter.SingleToUInt32Bits(dst[i]));
        }
    }

    [Fact]
    public void Round_trip_error_is_within_half_a_bf16_ulp()
    {
        var rng = new Random(5);
        for (int i = 0; i < 10000; i++)
        {
            float x = (float)(rng.NextDouble() * 2 - 1) * MathF.Pow(2, rng.Next(-20, 20));
            float y = BFloat16.ToFloat32(BFloat16.FromFloat32(x));
            float ulp = MathF.Pow(2, MathF.Floor(MathF.Log2(MathF.Abs(x))) - 7);
            Assert.True(MathF.Abs(x - y) <= ulp / 2, $"{x} → {y}");
        }
    }
}
