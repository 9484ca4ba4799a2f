using System.Text.Json;

namespace Verity.Hub.Safetensors;

/// <summary>
/// Writes a model's tensors into a folder: one <c>model.safetensors</c> when they fit in
/// <c>maxShardBytes</c>, else <c>model-0000k-of-0000n.safetensors</c> shards plus the index, the layout
/// transformers and vLLM read.
/// </summary>
public static class SafetensorsCheckpointWriter
{
    /// <summary>5 GB, the transformers default for <c>max_shard_size</c>.</summary>
    public const long DefaultMaxShardBytes = 5_000_000_000;

    /// <summary>Writes the tensors in order, splitting greedily; returns the files written.</summary>
    public static IReadOnlyList<string> Write(string directory, IReadOnlyList<TensorToWrite> tensors, StorageDType dtype,
        long maxShardBytes = DefaultMaxShardBytes, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (maxShardBytes <= 0) throw new ArgumentException($"maxShardBytes must be positive, got {maxShardBytes}.");
        Directory.CreateDirectory(directory);
        RemoveOldWeights(directory);
        int elementBytes = dtype == StorageDType.F32 ? 4 : 2;
        long total = SafetensorsWriter.DataBytes(tensors, dtype);
        if (total <= maxShardBytes)
        {
            string single = Path.Combine(directory, SafetensorsCheckpoint.SingleFileName);
            SafetensorsWriter.Write(single, tensors, dtype, metadata);
            return [single];
        }

        var shards = new List<List<TensorToWrite>>();
        long current = 0;
        foreach (var t in tensors)
        {
            long bytes = t.ElementCount * elementBytes;
            // A tensor larger than the limit gets a shard of its own rather than an error.
            if (shards.Count == 0 || (current + bytes > maxShardBytes && current > 0))
            {
                shards.Add(new List<TensorToWrite>());
                current = 0;
            }
            shards[^1].Add(t);
            current += bytes;
        }

        var written = new List<string>();
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int k = 0; k < shards.Count; k++)
        {
            string name = $"model-{k + 1:D5}-of-{shards.Count:D5}.safetensors";
            string path = Path.Combine(directory, name);
            SafetensorsWriter.Write(path, shards[k], dtype, metadata);
            written.Add(path);
            foreach (var t in shards[k]) weightMap[t.Name] = name;
        }

        string indexPath = Path.Combine(directory, SafetensorsCheckpoint.IndexFileName);
        using (var stream = File.Create(indexPath))
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            json.WriteNumber("total_size", total);
            json.WriteEndObject();
            json.WriteStartObject("weight_map");
            foreach (var (k, v) in weightMap) json.WriteString(k, v);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        written.Add(indexPath);
        return written;
    }

    /// <summary>
    /// Old weights in the folder would shadow or mix with the new ones (a single file wins over an index),
    /// so the files this writer owns are removed first; nothing else in the folder is touched.
    /// </summary>
    private static void RemoveOldWeights(string directory)
    {
        foreach (var f in Directory.EnumerateFiles(directory, "model*.safetensors*"))
        {
            string n = Path.GetFileName(f);
            bool ours = n == SafetensorsCheckpoint.SingleFileName || n == SafetensorsCheckpoint.IndexFileName
                || (n.StartsWith("model-", StringComparison.Ordinal) && n.Contains("-of-", StringComparison.Ordinal) && n.EndsWith(".safetensors", StringComparison.Ordinal));
            if (ours) File.Delete(f);
        }
    }
}
