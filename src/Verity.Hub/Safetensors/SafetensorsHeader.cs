using System.Text.Json;

namespace Verity.Hub.Safetensors;

/// <summary>One tensor's entry in a safetensors header. Offsets are relative to the data buffer.</summary>
public sealed record TensorInfo(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Shape) n = checked(n * d);
            return n;
        }
    }

    public long ByteLength => End - Begin;

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>
/// Parses and validates the header of a safetensors file: u64 LE length N, N bytes of UTF-8 JSON, then
/// the data buffer. Every check names the file and the tensor, because a corrupt checkpoint is usually
/// found by whoever tries to load it, far from whoever wrote it.
/// </summary>
public static class SafetensorsHeader
{
    /// <summary>The reference implementation's limit; a larger header is a corrupt length field.</summary>
    public const long MaxHeaderSize = 100_000_000;

    public const string MetadataKey = "__metadata__";

    /// <summary>Reads and validates the header of <paramref name="path"/>; returns its tensors sorted by offset.</summary>
    public static (List<TensorInfo> Tensors, Dictionary<string, string> Metadata, long DataStart) Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: safetensors file not found. HINT: check the model folder path.", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long fileLength = stream.Length;
        if (fileLength < 8)
            throw new InvalidDataException($"{path}: truncated safetensors file ({fileLength} bytes, the 8-byte header length alone needs 8). HINT: the download or write was interrupted; fetch the file again.");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BitConverter.ToUInt64(lengthBytes);
        if (headerLength > MaxHeaderSize)
            throw new InvalidDataException($"{path}: safetensors header length {headerLength} exceeds the limit {MaxHeaderSize}. HINT: this is not a safetensors file or its first 8 bytes are corrupt.");
        if (8 + (long)headerLength > fileLength)
            throw new InvalidDataException($"{path}: safetensors header length {headerLength} runs beyond the file ({fileLength} bytes). HINT: the file is truncated; fetch it again.");
        var json = new byte[headerLength];
        stream.ReadExactly(json);
        long dataStart = 8 + (long)headerLength;
        var (tensors, metadata) = Parse(path, json);
        Validate(path, tensors, fileLength - dataStart);
        return (tensors, metadata, dataStart);
    }

    internal static (List<TensorInfo>, Dictionary<string, string>) Parse(string path, byte[] json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: safetensors header is not valid JSON ({ex.Message.ReplaceLineEndings(" ")}). HINT: the file is corrupt or not safetensors.");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: safetensors header must be a JSON object, found {doc.RootElement.ValueKind}.");
            var tensors = new List<TensorInfo>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == MetadataKey)
                {
                    if (entry.Value.ValueKind != JsonValueKind.Object)
                        throw new InvalidDataException($"{path}: '{MetadataKey}' must be an object of strings.");
                    foreach (var m in entry.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw new InvalidDataException($"{path}: '{MetadataKey}.{m.Name}' must be a string, found {m.Value.ValueKind}.");
                        metadata[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                tensors.Add(ParseTensor(path, entry));
            }
            return (tensors, metadata);
        }
    }

    private static TensorInfo ParseTensor(string path, JsonProperty entry)
    {
        string name = entry.Name;
        var v = entry.Value;
        InvalidDataException Bad(string what) =>
            new($"{path}: tensor '{name}': {what}. HINT: the header is corrupt; re-export the checkpoint.");
        if (v.ValueKind != JsonValueKind.Object) throw Bad($"entry must be an object, found {v.ValueKind}");
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String) throw Bad("missing string 'dtype'");
        string dtype = dt.GetString()!;
        if (!SafetensorsDType.TryGetBits(dtype, out _))
            throw Bad($"unknown dtype '{dtype}' (known: {string.Join(", ", SafetensorsDType.Known)})");
        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array) throw Bad("missing array 'shape'");
        var shape = new long[sh.GetArrayLength()];
        int k = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim) || dim < 0)
                throw Bad($"shape entry {k} must be a non-negative integer, found {d.GetRawText()}");
            shape[k++] = dim;
        }
        if (!v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw Bad("missing 'data_offsets' [begin, end]");
        if (!off[0].TryGetInt64(out long begin) || !off[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw Bad($"data_offsets {off.GetRawText()} must be non-negative integers with begin ≤ end");
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /// <summary>Sorted by offset the ranges must tile [0, dataLength) exactly, each numel·bits/8 long.</summary>
    internal static void Validate(string path, List<TensorInfo> tensors, long dataLength)
    {
        tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expectedBegin = 0;
        foreach (var t in tensors)
        {
            SafetensorsDType.TryGetBits(t.DType, out int bits);
            long numel;
            try { numel = t.ElementCount; }
            catch (OverflowException) { throw new InvalidDataException($"{path}: tensor '{t.Name}': shape {t.ShapeText} overflows. HINT: the header is corrupt."); }
            long bitsTotal = checked(numel * bits);
            if (bitsTotal % 8 != 0 || bitsTotal / 8 != t.ByteLength)
                throw new InvalidDataException($"{path}: tensor '{t.Name}': {t.DType} shape {t.ShapeText} needs {bitsTotal / 8.0} bytes but data_offsets [{t.Begin}, {t.End}] span {t.ByteLength}. HINT: the header is corrupt; re-export the checkpoint.");
            if (t.Begin != expectedBegin)
                throw new InvalidDataException($"{path}: tensor '{t.Name}': data_offsets [{t.Begin}, {t.End}] should begin at {expectedBegin} (ranges must be contiguous and not overlap). HINT: the header is corrupt; re-export the checkpoint.");
            expectedBegin = t.End;
        }
        if (expectedBegin != dataLength)
            throw new InvalidDataException($"{path}: tensors cover {expectedBegin} data bytes but the file holds {dataLength}. HINT: the file is {(expectedBegin > dataLength ? "truncated; fetch it again" : "padded or corrupt; re-export it")}.");
    }
}
