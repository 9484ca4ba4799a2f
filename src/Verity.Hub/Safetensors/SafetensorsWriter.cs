using System.Runtime.InteropServices;
using System.Text.Json;

namespace Verity.Hub.Safetensors;

/// <summary>A float32 tensor to write: name, shape (row-major) and values.</summary>
public sealed record TensorToWrite(string Name, int[] Shape, ReadOnlyMemory<float> Data)
{
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Shape) n *= d;
            return n;
        }
    }
}

/// <summary>
/// Writes float32 tensors as a safetensors file, stored as F32 or BF16 (round to nearest even). The header
/// is padded with spaces to a multiple of 8 so the data buffer stays aligned, as the reference writer does.
/// The file is written beside the target and renamed, so a crash never leaves a half-written checkpoint.
/// </summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IReadOnlyList<TensorToWrite> tensors, StorageDType dtype,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        int elementBytes = dtype == StorageDType.F32 ? 4 : 2;
        string dtypeName = dtype == StorageDType.F32 ? SafetensorsDType.F32 : SafetensorsDType.BF16;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (t.Name == SafetensorsHeader.MetadataKey || !names.Add(t.Name))
                throw new ArgumentException($"{path}: tensor name '{t.Name}' is reserved or repeated. HINT: give every tensor a unique name.");
            if (t.ElementCount != t.Data.Length)
                throw new ArgumentException($"{path}: tensor '{t.Name}' shape [{string.Join(", ", t.Shape)}] needs {t.ElementCount} values but {t.Data.Length} were given.");
        }

        byte[] header = BuildHeader(tensors, dtypeName, elementBytes, metadata);
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            Span<byte> len = stackalloc byte[8];
            BitConverter.TryWriteBytes(len, (ulong)header.Length);
            stream.Write(len);
            stream.Write(header);
            var chunk = new ushort[1 << 16];
            foreach (var t in tensors)
            {
                var data = t.Data.Span;
                if (dtype == StorageDType.F32)
                {
                    stream.Write(MemoryMarshal.AsBytes(data));
                    continue;
                }
                for (int i = 0; i < data.Length; i += chunk.Length)
                {
                    int n = Math.Min(chunk.Length, data.Length - i);
                    BFloat16.FromFloat32(data.Slice(i, n), chunk.AsSpan(0, n));
                    stream.Write(MemoryMarshal.AsBytes(chunk.AsSpan(0, n)));
                }
            }
        }
        File.Move(temp, path, overwrite: true);
    }

    private static byte[] BuildHeader(IReadOnlyList<TensorToWrite> tensors, string dtypeName, int elementBytes,
        IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (var (k, v) in metadata) json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in tensors)
            {
                long bytes = t.ElementCount * elementBytes;
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", dtypeName);
                json.WriteStartArray("shape");
                foreach (var d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        int pad = (int)((8 - buffer.Length % 8) % 8);
        for (int i = 0; i < pad; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    /// <summary>Bytes the tensors take in the data buffer when stored as <paramref name="dtype"/>.</summary>
    public static long DataBytes(IEnumerable<TensorToWrite> tensors, StorageDType dtype) =>
        tensors.Sum(t => t.ElementCount * (dtype == StorageDType.F32 ? 4 : 2));
}
