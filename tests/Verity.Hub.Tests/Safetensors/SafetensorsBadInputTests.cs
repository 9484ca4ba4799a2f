using Verity.Hub.Safetensors;

namespace Verity.Hub.Tests.Safetensors;

/// <summary>Each corrupt file gives one line naming the file (and tensor) — never a crash deep inside.</summary>
public class SafetensorsBadInputTests
{
    private static T OneLine<T>(Func<object> open, params string[] mustContain) where T : Exception
    {
        var ex = Assert.Throws<T>(() => { (open() as IDisposable)?.Dispose(); });
        Assert.DoesNotContain('\n', ex.Message);
        foreach (var s in mustContain) Assert.Contains(s, ex.Message);
        return ex;
    }

    [Fact]
    public void Missing_file()
    {
        using var dir = new TempDir();
        string path = dir.File("none.safetensors");
        OneLine<FileNotFoundException>(() => SafetensorsFile.Open(path), path);
    }

    [Fact]
    public void File_shorter_than_the_length_field()
    {
        using var dir = new TempDir();
        string path = dir.File("short.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);
        OneLine<InvalidDataException>(() => SafetensorsFile.Open(path), path, "truncated");
    }

    [Fact]
    public void Header_length_beyond_the_file()
    {
        using var dir = new TempDir();
        string path = dir.File("long.safetensors");
        RawFile.Write(path, "{}", [], declaredLength: 4096);
        OneLine<InvalidDataException>(() => SafetensorsFile.Open(path), path, "4096", "beyond");
    }

    [Fact]
    public void Header_length_over_the_limit()
    {
        using var dir = new TempDir();
        string path = dir.File("huge.safetensors");
        RawFile.Write(path, "{}", [], declaredLength: 200_000_000);
        OneLine<InvalidDataException>(() => SafetensorsFile.Open(path), path, "limit");
    }

    [Fact]
    public void Truncated_data_buffer()
    {
        using var dir = new TempDir();
        string path = dir.File("cut.safetensors");
        RawFile.Write(path, "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[10]);
        OneLine<InvalidDataException>(() => SafetensorsFile.Open(path), path, "truncated");
    }

    [Fact]
    public void Gap_between_tensors()
    {
        using var dir = new TempDir();
        string path = dir.File("gap.safetensors");
        RawFile.Write(path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", new byte[12]);
        OneLine<InvalidDataException>(() => SafetensorsFile.Open(path), path, "'b'", "contiguous");
    }

    [Fact]
    public void Overlapping_tensors()
    {
        using var dir = new TempDir();
        string path = dir.File("overlap.safetensors");
        RawFile.Write(path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]);
        OneLine<InvalidDataException>(() => SafetensorsFile.Open(path), path, "'b'");
    }

    [Fact]
    public void Shape_and_byte_range_disagree()
    {
        using var dir = new TempDir();
        string path = dir.File("shape.safetensors");
        RawFile.Write(path, "{\"w\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", new byte[24]);
        OneLine<InvalidDataException>(() => SafetensorsFile.Open(path), path, "'w'", "BF16", "[2, 3]", "12");
    }

    [Fact]
    public void Unknown_dtype()
    {
        using var dir = new TempDir();
        string path = dir.File("dt.safetensors");
        RawFile.Write(path, "{\"w\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]);
        OneLine<InvalidDataException>(() => SafetensorsFile.Open(path), path, "'w'", "Q4");
    }

    [Fact]
    public void Header_that_is_not_json()
    {
        using var dir = new TempDir();
        string path = dir.File("json.safetensors");
        RawFile.Write(path, "{\"w\": [", []);
        OneLine<InvalidDataException>(() => SafetensorsFile.Open(path), path, "JSON");
    }

    [Fact]
    public void Destination_of_the_wrong_size()
    {
        using var dir = new TempDir();
        string path = dir.File("ok.safetensors");
        SafetensorsWriter.Write(path, [new TensorToWrite("w", [2, 2], new float[4])], StorageDType.F32);
        using var f = SafetensorsFile.Open(path);
        var ex = Assert.Throws<InvalidDataException>(() => f.ReadFloat32("w", new float[5]));
        Assert.Contains("'w'", ex.Message);
        Assert.Contains("[2, 2]", ex.Message);
    }
}
