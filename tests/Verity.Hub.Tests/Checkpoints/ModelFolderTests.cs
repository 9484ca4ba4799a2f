using Verity.Engine.Model;
using Verity.Engine.Optim;
using Verity.Hub.Checkpoints;
using Verity.Hub.Config;
using Verity.Hub.Safetensors;

namespace Verity.Hub.Tests.Checkpoints;

public class ModelFolderTests
{
    private static HfModelConfig Config(string family = "qwen2", bool tied = false) => HfConfigReader.Parse(
        $"{{\"model_type\":\"{family}\",\"tie_word_embeddings\":{(tied ? "true" : "false")},\"hidden_size\":12,\"intermediate_size\":20,\"num_hidden_layers\":2,\"num_attention_heads\":3,\"num_key_value_heads\":1,\"vocab_size\":37,\"eos_token_id\":[5,6]}}");

    private static List<Parameter> RandomParameters(HfModelConfig c, int seed, bool valueHead = false)
    {
        var ps = HfWeightNames.CreateParameters(c.Model, valueHead);
        var rng = new Random(seed);
        foreach (var p in ps)
            for (int i = 0; i < p.Length; i++) p.Data[i] = (float)(rng.NextDouble() * 2 - 1);
        return ps;
    }

    [Fact]
    public void F32_save_then_load_is_bit_identical()
    {
        using var dir = new TempDir();
        var config = Config();
        var saved = RandomParameters(config, 1);
        ModelFolder.Save(dir.Path, config, saved, new ModelSaveOptions { DType = StorageDType.F32 });

        var readConfig = ModelFolder.ReadConfig(dir.Path);
        Assert.Equal(config with { DType = "float32" }, readConfig);
        var loaded = HfWeightNames.CreateParameters(readConfig.Model);
        ModelFolder.LoadWeights(dir.Path, readConfig, loaded);
        for (int i = 0; i < saved.Count; i++) Assert.Equal(saved[i].Data, loaded[i].Data);
    }

    [Fact]
    public void Bf16_save_then_load_equals_per_value_rounding()
    {
        using var dir = new TempDir();
        var config = Config("qwen3", tied: true);
        var saved = RandomParameters(config, 2);
        ModelFolder.Save(dir.Path, config, saved, new ModelSaveOptions { DType = StorageDType.BF16 });
        Assert.Equal("bfloat16", ModelFolder.ReadConfig(dir.Path).DType);
        var loaded = HfWeightNames.CreateParameters(config.Model);
        ModelFolder.LoadWeights(dir.Path, config, loaded);
        for (int i = 0; i < saved.Count; i++)
        {
            for (int j = 0; j < saved[i].Length; j++)
            {
                float x = saved[i].Data[j], y = loaded[i].Data[j];
                Assert.Equal(BFloat16.ToFloat32(BFloat16.FromFloat32(x)), y);
                Assert.True(Math.Abs(x - y) <= Math.Abs(x) / 256, $"{x} vs {y}");
            }
        }
    }

    [Fact]
    public void Sharded_save_loads_the_same_and_extras_are_written()
    {
        using var src = new TempDir();
        using var dir = new TempDir();
        File.WriteAllText(src.File("tokenizer.json"), "{\"model\":{}}");
        File.WriteAllText(src.File("tokenizer_config.json"), "{}");
        var config = Config("llama");
        var saved = RandomParameters(config, 3, valueHead: true);
        var gen = new GenerationConfig { EosTokenIds = [5, 6], Temperature = 0.6 };
        ModelFolder.Save(dir.Path, config, saved, new ModelSaveOptions
        {
            DType = StorageDType.F32, MaxShardBytes = 2000, Generation = gen, TokenizerSource = src.Path,
        });
        Assert.True(File.Exists(dir.File("model.safetensors.index.json")));
        Assert.True(Directory.GetFiles(dir.Path, "model-*-of-*.safetensors").Length > 2);
        Assert.Equal("{\"model\":{}}", File.ReadAllText(dir.File("tokenizer.json")));
        Assert.True(File.Exists(dir.File("tokenizer_config.json")));
        Assert.Equal(gen, ModelFolder.ReadGenerationConfig(dir.Path));

        var loaded = HfWeightNames.CreateParameters(config.Model, withValueHead: true);
        ModelFolder.LoadWeights(dir.Path, config, loaded);
        for (int i = 0; i < saved.Count; i++) Assert.Equal(saved[i].Data, loaded[i].Data);
        using var ck = SafetensorsCheckpoint.OpenDirectory(dir.Path);
        Assert.Equal(new long[] { 1, 12 }, ck.Get("score.weight").Shape);
    }

    [Fact]
    public void Tied_model_ignores_a_stored_lm_head()
    {
        using var dir = new TempDir();
        var config = Config("qwen3", tied: true);
        var ps = RandomParameters(config, 4);
        var tensors = WeightSaver.ToTensors(ps);
        tensors.Add(new TensorToWrite("lm_head.weight", [37, 12], new float[37 * 12]));
        SafetensorsWriter.Write(dir.File("model.safetensors"), tensors, StorageDType.F32);
        var loaded = HfWeightNames.CreateParameters(config.Model);
        ModelFolder.LoadWeights(dir.Path, config, loaded); // no "unexpected tensor" error
        Assert.Equal(ps[0].Data, loaded[0].Data);
    }

    [Fact]
    public void Shape_mismatch_names_tensor_expected_and_found()
    {
        using var dir = new TempDir();
        var config = Config("qwen2");
        var tensors = WeightSaver.ToTensors(RandomParameters(config, 5));
        int i = tensors.FindIndex(t => t.Name == "model.layers.1.self_attn.k_proj.weight");
        tensors[i] = new TensorToWrite(tensors[i].Name, [12, 4], new float[48]);
        SafetensorsWriter.Write(dir.File("model.safetensors"), tensors, StorageDType.F32);
        var ex = Assert.Throws<InvalidDataException>(() => ModelFolder.LoadWeights(dir.Path, config, HfWeightNames.CreateParameters(config.Model)));
        Assert.Contains("model.layers.1.self_attn.k_proj.weight", ex.Message);
        Assert.Contains("[12, 4]", ex.Message);
        Assert.Contains("[4, 12]", ex.Message);
        Assert.Contains(dir.File("model.safetensors"), ex.Message);
    }

    [Fact]
    public void Missing_tensor_is_named()
    {
        using var dir = new TempDir();
        var config = Config("qwen2");
        var tensors = WeightSaver.ToTensors(RandomParameters(config, 6)).Where(t => t.Name != "model.layers.0.self_attn.v_proj.bias").ToList();
        SafetensorsWriter.Write(dir.File("model.safetensors"), tensors, StorageDType.F32);
        var ex = Assert.Throws<InvalidDataException>(() => ModelFolder.LoadWeights(dir.Path, config, HfWeightNames.CreateParameters(config.Model)));
        Assert.Contains("'model.layers.0.self_attn.v_proj.bias' is missing", ex.Message);
    }

    [Fact]
    public void Unexpected_tensor_is_named()
    {
        using var dir = new TempDir();
        var qwen2 = Config("qwen2");
        var llama = Config("llama"); // same shapes but no q/k/v bias
        SafetensorsWriter.Write(dir.File("model.safetensors"), WeightSaver.ToTensors(RandomParameters(qwen2, 7)), StorageDType.F32);
        var ex = Assert.Throws<InvalidDataException>(() => ModelFolder.LoadWeights(dir.Path, llama, HfWeightNames.CreateParameters(llama.Model)));
        Assert.Contains("model.layers.0.self_attn.k_proj.bias' is unexpected", ex.Message);
    }

    [Fact]
    public void Optimizer_state_file_resumes_exactly()
    {
        using var dir = new TempDir();
        var config = Config("qwen2");
        var a = RandomParameters(config, 8);
        var b = RandomParameters(config, 8);
        var optA = new AdamW(a, new AdamWOptions());
        var optB = new AdamW(b, new AdamWOptions());
        void Grads(List<Parameter> ps, int s)
        {
            foreach (var p in ps)
                for (int i = 0; i < p.Length; i++) p.Grad[i] = MathF.Sin(i + 3 * s + p.Length);
        }
        for (int s = 0; s < 3; s++) { Grads(a, s); optA.Step(); }
        Grads(b, 0); optB.Step();
        string path = dir.File(OptimizerStateFile.FileName);
        OptimizerStateFile.Save(path, optB);
        var optC = new AdamW(b, new AdamWOptions());
        OptimizerStateFile.Load(path, optC);
        Assert.Equal(1, optC.StepCount);
        for (int s = 1; s < 3; s++) { Grads(b, s); optC.Step(); }
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i].Data, b[i].Data);
    }

    [Fact]
    public void Optimizer_state_of_another_model_is_refused()
    {
        using var dir = new TempDir();
        var small = RandomParameters(Config("qwen2"), 9);
        var opt = new AdamW(small, new AdamWOptions());
        opt.Step();
        OptimizerStateFile.Save(dir.File("o.safetensors"), opt);
        var other = RandomParameters(Config("llama"), 9);
        var ex = Assert.Throws<InvalidDataException>(() => OptimizerStateFile.Load(dir.File("o.safetensors"), new AdamW(other, new AdamWOptions())));
        Assert.Contains("q_proj.bias", ex.Message);
    }
}
