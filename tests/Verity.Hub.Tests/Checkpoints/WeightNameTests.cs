using System.Text;
using Verity.Engine.Model;
using Verity.Hub.Checkpoints;
using Verity.Hub.Config;

namespace Verity.Hub.Tests.Checkpoints;

public class WeightNameTests
{
    private const string Shape = "\"hidden_size\":8,\"intermediate_size\":12,\"num_hidden_layers\":2,\"num_attention_heads\":4,\"num_key_value_heads\":2,\"vocab_size\":11";

    /// <summary>The families of the snapshot, as config.json would state them.</summary>
    public static readonly (string Label, string Json, bool ValueHead)[] Families =
    [
        ("llama untied", "{\"model_type\":\"llama\",\"tie_word_embeddings\":false," + Shape + "}", false),
        ("llama tied + value head", "{\"model_type\":\"llama\",\"tie_word_embeddings\":true," + Shape + "}", true),
        ("llama attention_bias", "{\"model_type\":\"llama\",\"attention_bias\":true,\"num_hidden_layers\":1,\"hidden_size\":8,\"intermediate_size\":12,\"num_attention_heads\":4,\"vocab_size\":11,\"tie_word_embeddings\":true}", false),
        ("qwen2 tied", "{\"model_type\":\"qwen2\",\"tie_word_embeddings\":true," + Shape + "}", false),
        ("qwen3 tied head_dim 6", "{\"model_type\":\"qwen3\",\"tie_word_embeddings\":true,\"head_dim\":6," + Shape + "}", false),
    ];

    internal static string Listing()
    {
        var sb = new StringBuilder();
        sb.Append("# Hugging Face tensor names and shapes per family (tests/Verity.Hub.Tests/Checkpoints/WeightNameTests.cs).\n");
        sb.Append("# hidden 8, intermediate 12, heads 4, kv heads 2, vocab 11. Regenerate only after checking against transformers.\n");
        foreach (var (label, json, valueHead) in Families)
        {
            var config = HfConfigReader.Parse(json).Model;
            sb.Append($"\n[{label}]\n");
            foreach (var (key, shape) in HfWeightNames.ExpectedShapes(config, valueHead))
                sb.Append($"{HfWeightNames.ToHfName(key)} [{string.Join(", ", shape)}]\n");
        }
        return sb.ToString();
    }

    [Fact]
    public void Names_and_shapes_match_the_committed_snapshot()
    {
        string path = TestPaths.Fixtures("hf_weight_names.txt");
        string actual = Listing();
        if (Environment.GetEnvironmentVariable("VERITY_WRITE_SNAPSHOT") == "1") File.WriteAllText(path, actual);
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), actual);
    }

    [Fact]
    public void Every_kind_round_trips_through_its_name()
    {
        foreach (var kind in Enum.GetValues<ParameterKind>())
        {
            bool global = kind is ParameterKind.TokenEmbedding or ParameterKind.FinalNorm or ParameterKind.LmHead or ParameterKind.ValueHead;
            var key = new ParameterKey(kind, global ? -1 : 17);
            string name = HfWeightNames.ToHfName(key);
            Assert.True(HfWeightNames.TryParse(name, out var back), name);
            Assert.Equal(key, back);
        }
    }

    [Theory]
    [InlineData("model.layers.x.self_attn.q_proj.weight")]
    [InlineData("model.layers.0.self_attn.rotary_emb.inv_freq")]
    [InlineData("transformer.h.0.attn.c_attn.weight")]
    [InlineData("model.layers.-1.input_layernorm.weight")]
    public void Foreign_names_do_not_parse(string name) => Assert.False(HfWeightNames.TryParse(name, out _));
}
