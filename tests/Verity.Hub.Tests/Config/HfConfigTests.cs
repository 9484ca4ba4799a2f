using Verity.Engine.Model;
using Verity.Hub.Config;

namespace Verity.Hub.Tests.Config;

public class HfConfigTests
{
    // Shapes as published in the public config.json files (engine-anchors §2 table).
    private const string Qwen3_06B = """
    {"architectures":["Qwen3ForCausalLM"],"attention_bias":false,"bos_token_id":151643,"eos_token_id":151645,
     "head_dim":128,"hidden_act":"silu","hidden_size":1024,"intermediate_size":3072,"max_position_embeddings":40960,
     "max_window_layers":28,"model_type":"qwen3","num_attention_heads":16,"num_hidden_layers":28,"num_key_value_heads":8,
     "rms_norm_eps":1e-06,"rope_scaling":null,"rope_theta":1000000,"sliding_window":null,"tie_word_embeddings":true,
     "torch_dtype":"bfloat16","use_cache":true,"use_sliding_window":false,"vocab_size":151936}
    """;

    private const string Qwen25_05B = """
    {"architectures":["Qwen2ForCausalLM"],"attention_dropout":0.0,"bos_token_id":151643,"eos_token_id":151643,
     "hidden_act":"silu","hidden_size":896,"initializer_range":0.02,"intermediate_size":4864,"max_position_embeddings":32768,
     "max_window_layers":24,"model_type":"qwen2","num_attention_heads":14,"num_hidden_layers":24,"num_key_value_heads":2,
     "rms_norm_eps":1e-06,"rope_theta":1000000.0,"sliding_window":32768,"tie_word_embeddings":true,"torch_dtype":"bfloat16",
     "use_sliding_window":false,"vocab_size":151936}
    """;

    private const string Llama32_1B = """
    {"architectures":["LlamaForCausalLM"],"attention_bias":false,"bos_token_id":128000,"eos_token_id":[128001,128008,128009],
     "head_dim":64,"hidden_act":"silu","hidden_size":2048,"intermediate_size":8192,"max_position_embeddings":131072,
     "mlp_bias":false,"model_type":"llama","num_attention_heads":32,"num_hidden_layers":16,"num_key_value_heads":8,
     "rms_norm_eps":1e-05,"rope_scaling":{"factor":32.0,"high_freq_factor":4.0,"low_freq_factor":1.0,
     "original_max_position_embeddings":8192,"rope_type":"llama3"},"rope_theta":500000.0,"tie_word_embeddings":true,
     "torch_dtype":"bfloat16","vocab_size":128256}
    """;

    [Fact]
    public void Qwen3_has_qk_norm_explicit_head_dim_and_no_bias()
    {
        var c = HfConfigReader.Parse(Qwen3_06B);
        Assert.Equal(ModelFamily.Qwen3, c.Family);
        var m = c.Model;
        Assert.Equal((1024, 16, 8, 128, 28, 3072, 151936), (m.HiddenSize, m.NumHeads, m.NumKvHeads, m.HeadDim, m.NumLayers, m.IntermediateSize, m.VocabSize));
        Assert.True(m.QkNorm);
        Assert.False(m.QkvBias);
        Assert.False(m.OProjBias);
        Assert.True(m.TieWordEmbeddings);
        Assert.Equal(1e6, m.RopeTheta);
        Assert.Equal(1e-6f, m.RmsNormEps);
        Assert.Null(m.RopeScaling);
        Assert.Equal(40960, m.MaxPositionEmbeddings);
        Assert.Equal("bfloat16", c.DType);
        Assert.Equal([151645], c.EosTokenIds);
    }

    [Fact]
    public void Qwen2_gets_qkv_bias_without_o_bias_and_head_dim_from_hidden_over_heads()
    {
        var m = HfConfigReader.Parse(Qwen25_05B).Model;
        Assert.True(m.QkvBias);
        Assert.False(m.OProjBias);
        Assert.False(m.QkNorm);
        Assert.Equal(64, m.HeadDim); // 896 / 14
    }

    [Fact]
    public void Llama32_reads_llama3_rope_scaling_and_eos_list()
    {
        var c = HfConfigReader.Parse(Llama32_1B);
        Assert.Equal(new Llama3RopeScaling(32, 1, 4, 8192), c.Model.RopeScaling);
        Assert.Equal(500000.0, c.Model.RopeTheta);
        Assert.Equal([128001, 128008, 128009], c.EosTokenIds);
        Assert.Equal(128000, c.BosTokenId);
    }

    [Fact]
    public void Transformers5_spelling_rope_parameters_and_dtype()
    {
        string json = """
        {"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,
         "vocab_size":100,"dtype":"float32","rope_parameters":{"rope_type":"llama3","rope_theta":250000.0,"factor":8.0,
         "low_freq_factor":1.0,"high_freq_factor":4.0,"original_max_position_embeddings":4096}}
        """;
        var c = HfConfigReader.Parse(json);
        Assert.Equal(250000.0, c.Model.RopeTheta);
        Assert.Equal(8.0, c.Model.RopeScaling!.Factor);
        Assert.Equal("float32", c.DType);
        Assert.Equal(4, c.Model.NumKvHeads); // defaults to heads
        Assert.Equal(ModelFamily.Llama, c.Family);
    }

    [Fact]
    public void Legacy_type_key_and_default_rope_are_accepted()
    {
        var c = HfConfigReader.Parse("""{"model_type":"mistral","hidden_size":32,"intermediate_size":64,"num_hidden_layers":1,"num_attention_heads":4,"num_key_value_heads":2,"vocab_size":50,"sliding_window":null,"rope_scaling":{"type":"default"}}""");
        Assert.Equal(ModelFamily.Mistral, c.Family);
        Assert.Null(c.Model.RopeScaling);
    }

    [Fact]
    public void Llama_attention_bias_puts_bias_on_qkv_and_o()
    {
        var m = HfConfigReader.Parse("""{"model_type":"llama","attention_bias":true,"hidden_size":32,"intermediate_size":64,"num_hidden_layers":1,"num_attention_heads":4,"vocab_size":50}""").Model;
        Assert.True(m.QkvBias);
        Assert.True(m.OProjBias);
    }

    [Fact]
    public void Writer_round_trips_every_family()
    {
        foreach (var json in new[] { Qwen3_06B, Qwen25_05B, Llama32_1B })
        {
            var c = HfConfigReader.Parse(json);
            var back = HfConfigReader.Parse(HfConfigWriter.ToJson(c));
            Assert.Equal(c, back);
            Assert.Contains("\"num_key_value_heads\"", HfConfigWriter.ToJson(c));
        }
        var biased = HfConfigReader.Parse("""{"model_type":"llama","attention_bias":true,"hidden_size":32,"intermediate_size":64,"num_hidden_layers":1,"num_attention_heads":4,"vocab_size":50,"rms_norm_eps":1e-5}""");
        Assert.Equal(biased, HfConfigReader.Parse(HfConfigWriter.ToJson(biased)));
    }

    private static T Refused<T>(string json, params string[] mustContain) where T : Exception
    {
        var ex = Assert.Throws<T>(() => HfConfigReader.Parse(json, "models/x/config.json"));
        Assert.Contains("models/x/config.json", ex.Message);
        Assert.Contains("HINT", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        foreach (var s in mustContain) Assert.Contains(s, ex.Message);
        return ex;
    }

    private const string Shape = "\"hidden_size\":32,\"intermediate_size\":64,\"num_hidden_layers\":1,\"num_attention_heads\":4,\"vocab_size\":50";

    [Fact]
    public void Unknown_architecture_is_refused() =>
        Refused<NotSupportedException>("{\"architectures\":[\"GPT2LMHeadModel\"]," + Shape + "}", "architectures", "GPT2LMHeadModel", "LlamaForCausalLM");

    [Fact]
    public void Architecture_contradicting_model_type_is_refused() =>
        Refused<InvalidDataException>("{\"model_type\":\"llama\",\"architectures\":[\"Qwen2ForCausalLM\"]," + Shape + "}", "architectures", "Qwen2ForCausalLM", "llama");

    [Fact]
    public void Unknown_model_type_is_refused() =>
        Refused<NotSupportedException>("{\"model_type\":\"gemma\"," + Shape + "}", "model_type", "gemma", "qwen3");

    [Fact]
    public void Unknown_rope_type_is_refused() =>
        Refused<NotSupportedException>("{\"model_type\":\"llama\",\"rope_scaling\":{\"rope_type\":\"yarn\",\"factor\":4.0}," + Shape + "}", "rope_scaling.rope_type", "yarn", "llama3");

    [Fact]
    public void Partial_rotary_is_refused() =>
        Refused<NotSupportedException>("{\"model_type\":\"llama\",\"partial_rotary_factor\":0.5," + Shape + "}", "partial_rotary_factor");

    [Fact]
    public void Active_sliding_window_is_refused() =>
        Refused<NotSupportedException>("{\"model_type\":\"qwen2\",\"use_sliding_window\":true,\"sliding_window\":4096,\"max_position_embeddings\":32768," + Shape + "}", "sliding_window", "4096");

    [Fact]
    public void Mistral_window_without_a_switch_is_active()
    {
        Refused<NotSupportedException>("{\"model_type\":\"mistral\",\"sliding_window\":4096,\"max_position_embeddings\":32768," + Shape + "}", "sliding_window");
        // A window as wide as the context changes nothing.
        HfConfigReader.Parse("{\"model_type\":\"mistral\",\"sliding_window\":32768,\"max_position_embeddings\":32768," + Shape + "}");
    }

    [Fact]
    public void Mlp_bias_is_refused() =>
        Refused<NotSupportedException>("{\"model_type\":\"llama\",\"mlp_bias\":true," + Shape + "}", "mlp_bias");

    [Fact]
    public void Other_activation_is_refused() =>
        Refused<NotSupportedException>("{\"model_type\":\"llama\",\"hidden_act\":\"gelu\"," + Shape + "}", "hidden_act", "gelu");

    [Fact]
    public void Missing_required_key_is_named() =>
        Refused<InvalidDataException>("{\"model_type\":\"llama\",\"hidden_size\":32,\"num_attention_heads\":4}", "'vocab_size'");

    [Fact]
    public void Wrong_type_is_named() =>
        Refused<InvalidDataException>("{\"model_type\":\"llama\",\"hidden_size\":\"32\",\"intermediate_size\":64,\"num_hidden_layers\":1,\"num_attention_heads\":4,\"vocab_size\":50}", "'hidden_size'", "\"32\"");

    [Fact]
    public void Kv_heads_that_do_not_divide_heads_name_the_file()
    {
        var ex = Assert.Throws<InvalidDataException>(() => HfConfigReader.Parse("{\"model_type\":\"llama\",\"num_key_value_heads\":3," + Shape + "}", "c/config.json"));
        Assert.Contains("c/config.json", ex.Message);
        Assert.Contains("NumKvHeads", ex.Message);
    }

    [Fact]
    public void Missing_config_file_names_the_path()
    {
        using var dir = new TempDir();
        var ex = Assert.Throws<FileNotFoundException>(() => HfConfigReader.ReadFile(dir.File("config.json")));
        Assert.Contains(dir.File("config.json"), ex.Message);
    }

    [Fact]
    public void Broken_json_names_file_and_line()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), "{\n\"model_type\": \"llama\",\n\"hidden_size\": }\n");
        var ex = Assert.Throws<InvalidDataException>(() => HfConfigReader.ReadFile(dir.File("config.json")));
        Assert.Contains(dir.File("config.json"), ex.Message);
        Assert.Contains("line 3", ex.Message);
    }
}

public class GenerationConfigTests
{
    [Fact]
    public void Eos_list_and_sampling_defaults_round_trip()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("generation_config.json"),
            """{"bos_token_id":151643,"pad_token_id":151643,"do_sample":true,"eos_token_id":[151645,151643],"repetition_penalty":1.05,"temperature":0.7,"top_p":0.8,"top_k":20,"transformers_version":"4.37.0"}""");
        var g = GenerationConfig.ReadFile(dir.File("generation_config.json"));
        Assert.Equal([151645, 151643], g.EosTokenIds);
        Assert.Equal((0.7, 0.8, 20), (g.Temperature!.Value, g.TopP!.Value, g.TopK!.Value));
        Assert.Equal(151643, g.BosTokenId);
        Assert.True(g.DoSample);
        g.WriteFile(dir.File("out.json"));
        Assert.Equal(g, GenerationConfig.ReadFile(dir.File("out.json")));
    }

    [Fact]
    public void Single_eos_id_and_absent_fields()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("g.json"), """{"eos_token_id": 2}""");
        var g = GenerationConfig.ReadFile(dir.File("g.json"));
        Assert.Equal([2], g.EosTokenIds);
        Assert.Null(g.Temperature);
        Assert.Null(g.BosTokenId);
    }

    [Fact]
    public void Bad_eos_is_named()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("g.json"), """{"eos_token_id": "</s>"}""");
        var ex = Assert.Throws<InvalidDataException>(() => GenerationConfig.ReadFile(dir.File("g.json")));
        Assert.Contains("eos_token_id", ex.Message);
        Assert.Contains(dir.File("g.json"), ex.Message);
    }
}
