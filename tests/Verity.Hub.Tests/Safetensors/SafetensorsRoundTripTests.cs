using System.Buffers.Binary;
using System.Text;
using Verity.Hub.Safetensors;

namespace Verity.Hub.Tests.Safetensors;

public class SafetensorsRoundTripTests
{
    private static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 4 - 2);
        return a;
    }

    [Fact]
    public void F32_round_trip_is_bit_exact_with_metadata_and_edge_shapes()
    {
        using var dir = new TempDir();
        string path = dir.File("t.safetensors");
        var a = Random(3 * 5, 1);
        var b = Random(7, 2);
        var tensors = new List<TensorToWrite>
        {
            new("a", [3, 5], a), new("scalar", [], new float[] { 42.5f }), new("empty", [0, 4], Array.Empty<float>()), new("b", [7], b),
        };
        SafetensorsWriter.Write(path, tensors, StorageDType.F32, new Dictionary<string, string> { ["format"] = "pt" });

        using var f = SafetensorsFile.Open(path);
        Assert.Equal(a, f.ReadFloat32("a"));
        Assert.Equal(b, f.ReadFloat32("b"));
        Assert.Equal([42.5f], f.ReadFloat32("scalar"));
        Assert.Empty(f.ReadFloat32("empty"));
        Assert.Equal(new long[] { 3, 5 }, f.Get("a").Shape);
        Assert.Empty(f.Get("scalar").Shape);
        Assert.Equal("pt", f.Metadata["format"]);
        Assert.Equal("F32", f.Get("a").DType);
    }

    [Fact]
    public void Header_is_padded_so_the_data_starts_8_byte_aligned()
    {
        using var dir = new TempDir();
        for (int nameLength = 1; nameLength < 10; nameLength++)
        {
            string path = dir.File($"p{nameLength}.safetensors");
            SafetensorsWriter.Write(path, [new TensorToWrite(new string('x', nameLength), [1], new float[] { 1 })], StorageDType.F32);
            var bytes = File.ReadAllBytes(path);
            long n = BinaryPrimitives.ReadInt64LittleEndian(bytes);
            Assert.Equal(0, (8 + n) % 8);
        }
    }

    [Fact]
    public void Bf16_round_trip_equals_rounding_each_value()
    {
        using var dir = new TempDir();
        string path = dir.File("t.safetensors");
        var a = Random(133, 3);
        SafetensorsWriter.Write(path, [new TensorToWrite("a", [133], a)], StorageDType.BF16);
        Assert.Equal(8 + BinaryPrimitives.ReadInt64LittleEndian(File.ReadAllBytes(path)) + 133 * 2, new FileInfo(path).Length);
        using var f = SafetensorsFile.Open(path);
        Assert.Equal("BF16", f.Get("a").DType);
        var back = f.ReadFloat32("a");
        for (int i = 0; i < a.Length; i++) Assert.Equal(BFloat16.ToFloat32(BFloat16.FromFloat32(a[i])), back[i]);
    }

    [Fact]
    public void F16_tensors_convert_through_half()
    {
        using var dir = new TempDir();
        string path = dir.File("h.safetensors");
        var values = new[] { (Half)0.5f, (Half)(-3.25f), Half.MaxValue, (Half)1e-5f, (Half)0 };
        var data = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(2 * i), values[i]);
        RawFile.Write(path, "{\"h\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[0,10]}}", data);
        using var f = SafetensorsFile.Open(path);
        Assert.Equal(values.Select(v => (float)v).ToArray(), f.ReadFloat32("h"));
    }

    [Fact]
    public void Integer_dtype_is_refused_naming_the_tensor_and_dtype()
    {
        using var dir = new TempDir();
        string path = dir.File("i.safetensors");
        RawFile.Write(path, "{\"ids\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]);
        using var f = SafetensorsFile.Open(path); // valid file: I32 is a legal dtype
        var ex = Assert.Throws<NotSupportedException>(() => f.ReadFloat32("ids"));
        Assert.Contains("'ids'", ex.Message);
        Assert.Contains("I32", ex.Message);
        Assert.Contains(path, ex.Message);
    }
}

/// <summary>Writes a safetensors file from a literal header, for malformed-input tests.</summary>
internal static class RawFile
{
    public static void Write(string path, string header, byte[] data, long? declaredLength = null)
    {
        var h = Encoding.UTF8.GetBytes(header);
        using var s = File.Create(path);
        var len = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(len, declaredLength ?? h.Length);
        s.Write(len);
        s.Write(h);
        s.Write(data);
    }
}
