using System.Text.Json;
using Verity.Hub.Safetensors;

namespace Verity.Hub.Tests.Safetensors;

public class ShardedCheckpointTests
{
    private static List<TensorToWrite> Tensors()
    {
        var list = new List<TensorToWrite>();
        for (int i = 0; i < 5; i++)
        {
            var data = Enumerable.Range(0, 10 + i).Select(x => (float)(x * 0.5 + i)).ToArray();
            list.Add(new TensorToWrite($"t{i}", [10 + i], data));
        }
        return list;
    }

    [Fact]
    public void Below_the_threshold_one_file_is_written()
    {
        using var dir = new TempDir();
        var written = SafetensorsCheckpointWriter.Write(dir.Path, Tensors(), StorageDType.F32, maxShardBytes: 1 << 20);
        Assert.Equal([dir.File("model.safetensors")], written);
        Assert.False(File.Exists(dir.File("model.safetensors.index.json")));
    }

    [Fact]
    public void Above_the_threshold_shards_and_index_read_back_by_name()
    {
        using var dir = new TempDir();
        var tensors = Tensors();
        // 40..56 bytes per tensor, 100-byte shards: {t0,t1} 84, {t2,t3} 100, {t4} 56 → three shards + index.
        var written = SafetensorsCheckpointWriter.Write(dir.Path, tensors, StorageDType.F32, maxShardBytes: 100);
        Assert.True(written.Count >= 4, string.Join(", ", written));
        Assert.Contains(dir.File("model.safetensors.index.json"), written);
        Assert.False(File.Exists(dir.File("model.safetensors")));
        foreach (var shard in written.Where(w => w.EndsWith(".safetensors")))
            Assert.Matches(@"model-\d{5}-of-\d{5}\.safetensors$", shard);

        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("model.safetensors.index.json")));
        Assert.Equal(tensors.Sum(t => t.ElementCount * 4), doc.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());

        using var ckpt = SafetensorsCheckpoint.OpenDirectory(dir.Path);
        Assert.EndsWith("model.safetensors.index.json", ckpt.Source);
        foreach (var t in tensors) Assert.Equal(t.Data.ToArray(), ckpt.ReadFloat32(t.Name));
    }

    [Fact]
    public void Resaving_unsharded_removes_the_stale_shards()
    {
        using var dir = new TempDir();
        SafetensorsCheckpointWriter.Write(dir.Path, Tensors(), StorageDType.F32, maxShardBytes: 100);
        SafetensorsCheckpointWriter.Write(dir.Path, Tensors(), StorageDType.BF16, maxShardBytes: 1 << 20);
        Assert.Equal(new[] { "model.safetensors" }, Directory.GetFiles(dir.Path).Select(f => Path.GetFileName(f)).ToArray());
    }

    [Fact]
    public void Missing_shard_names_the_index_and_the_shard()
    {
        using var dir = new TempDir();
        var written = SafetensorsCheckpointWriter.Write(dir.Path, Tensors(), StorageDType.F32, maxShardBytes: 100);
        string victim = written.First(w => w.EndsWith(".safetensors"));
        File.Delete(victim);
        var ex = Assert.Throws<FileNotFoundException>(() => SafetensorsCheckpoint.OpenDirectory(dir.Path));
        Assert.Contains("model.safetensors.index.json", ex.Message);
        Assert.Contains(Path.GetFileName(victim), ex.Message);
    }

    [Fact]
    public void Index_naming_a_tensor_its_shard_lacks_is_refused()
    {
        using var dir = new TempDir();
        SafetensorsWriter.Write(dir.File("a.safetensors"), [new TensorToWrite("x", [1], new float[] { 1 })], StorageDType.F32);
        File.WriteAllText(dir.File("model.safetensors.index.json"), "{\"weight_map\":{\"x\":\"a.safetensors\",\"y\":\"a.safetensors\"}}");
        var ex = Assert.Throws<InvalidDataException>(() => SafetensorsCheckpoint.OpenDirectory(dir.Path));
        Assert.Contains("'y'", ex.Message);
        Assert.Contains("a.safetensors", ex.Message);
    }

    [Fact]
    public void Folder_without_weights_says_which_files_it_looked_for()
    {
        using var dir = new TempDir();
        var ex = Assert.Throws<FileNotFoundException>(() => SafetensorsCheckpoint.OpenDirectory(dir.Path));
        Assert.Contains("model.safetensors", ex.Message);
        Assert.Contains(dir.Path, ex.Message);
    }
}
