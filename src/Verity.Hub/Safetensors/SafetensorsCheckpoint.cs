using System.Text.Json;

namespace Verity.Hub.Safetensors;

/// <summary>
/// The weights of a model folder: either one <c>model.safetensors</c> or shards listed by
/// <c>model.safetensors.index.json</c> (<c>{"metadata":{"total_size":…},"weight_map":{name: shard}}</c>).
/// Reads tensors by name regardless of which shard holds them.
/// </summary>
public sealed class SafetensorsCheckpoint : IDisposable
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly List<SafetensorsFile> _files = new();
    private readonly Dictionary<string, SafetensorsFile> _byTensor = new(StringComparer.Ordinal);

    private SafetensorsCheckpoint(string source) => Source = source;

    /// <summary>The file that was opened: model.safetensors or the index.</summary>
    public string Source { get; }

    public IEnumerable<string> Names => _byTensor.Keys;

    /// <summary>Opens the weights in <paramref name="directory"/>; a single file wins over an index.</summary>
    public static SafetensorsCheckpoint OpenDirectory(string directory)
    {
        string single = Path.Combine(directory, SingleFileName);
        string index = Path.Combine(directory, IndexFileName);
        if (File.Exists(single)) return OpenFile(single);
        if (File.Exists(index)) return OpenIndex(index);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"{directory}: model folder not found. HINT: pass the folder holding config.json and model.safetensors.");
        throw new FileNotFoundException($"{directory}: neither {SingleFileName} nor {IndexFileName} found. HINT: the folder must hold the weights in safetensors format (convert .bin/.pt checkpoints first).", single);
    }

    public static SafetensorsCheckpoint OpenFile(string path)
    {
        var checkpoint = new SafetensorsCheckpoint(path);
        checkpoint.Add(SafetensorsFile.Open(path));
        return checkpoint;
    }

    public static SafetensorsCheckpoint OpenIndex(string indexPath)
    {
        var weightMap = ReadWeightMap(indexPath);
        var checkpoint = new SafetensorsCheckpoint(indexPath);
        try
        {
            string dir = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
            var shards = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (var shard in weightMap.Values.Distinct().Order(StringComparer.Ordinal))
            {
                string shardPath = Path.Combine(dir, shard);
                if (!File.Exists(shardPath))
                    throw new FileNotFoundException($"{indexPath}: shard '{shard}' listed in weight_map is missing ({shardPath}). HINT: download every shard the index names.", shardPath);
                var file = SafetensorsFile.Open(shardPath);
                checkpoint._files.Add(file);
                shards[shard] = file;
            }
            foreach (var (name, shard) in weightMap)
            {
                var file = shards[shard];
                if (!file.Contains(name))
                    throw new InvalidDataException($"{indexPath}: weight_map puts '{name}' in '{shard}' but that shard has no such tensor. HINT: the index and shards come from different exports; fetch them again.");
                checkpoint._byTensor[name] = file;
            }
            foreach (var file in checkpoint._files)
            {
                foreach (var t in file.Tensors)
                {
                    if (!checkpoint._byTensor.ContainsKey(t.Name))
                        throw new InvalidDataException($"{indexPath}: tensor '{t.Name}' in '{Path.GetFileName(file.Path)}' is not listed in weight_map. HINT: the index and shards come from different exports; fetch them again.");
                }
            }
            return checkpoint;
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    private static Dictionary<string, string> ReadWeightMap(string indexPath)
    {
        using var doc = HubJson.ParseFile(indexPath);
        if (doc.RootElement.ValueKind != JsonValueKind.Object
            || !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{indexPath}: key 'weight_map' (an object of tensor name → shard file) is missing. HINT: this is not a safetensors index.");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in map.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{indexPath}: weight_map.{entry.Name} must be a shard file name, found {entry.Value.ValueKind}.");
            string shard = entry.Value.GetString()!;
            if (shard.Contains('/') || shard.Contains('\\') || shard.Contains(".."))
                throw new InvalidDataException($"{indexPath}: weight_map.{entry.Name} = '{shard}' must be a file name in the same folder.");
            result[entry.Name] = shard;
        }
        return result;
    }

    private void Add(SafetensorsFile file)
    {
        _files.Add(file);
        foreach (var t in file.Tensors) _byTensor[t.Name] = file;
    }

    public bool Contains(string name) => _byTensor.ContainsKey(name);

    public TensorInfo Get(string name) => FileOf(name).Get(name);

    /// <summary>The file that holds <paramref name="name"/> (for error messages).</summary>
    public string PathOf(string name) => FileOf(name).Path;

    public void ReadFloat32(string name, Span<float> destination) => FileOf(name).ReadFloat32(name, destination);

    public float[] ReadFloat32(string name) => FileOf(name).ReadFloat32(name);

    private SafetensorsFile FileOf(string name) => _byTensor.TryGetValue(name, out var f)
        ? f
        : throw new InvalidDataException($"{Source}: no tensor named '{name}'. HINT: the checkpoint does not match the expected architecture.");

    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
        _files.Clear();
    }
}
