using System.Text.Json;

namespace Verity.Hub.Config;

/// <summary>
/// Writes <see cref="HfModelConfig"/> as a transformers-style <c>config.json</c> (snake_case keys, the
/// ≤4.x spelling that every loader reads) so saved checkpoints load in transformers and vLLM too.
/// <see cref="HfConfigReader"/> reads the result back to an equal record.
/// </summary>
public static class HfConfigWriter
{
    public static void WriteFile(string path, HfModelConfig config) => File.WriteAllText(path, ToJson(config));

    public static string ToJson(HfModelConfig config)
    {
        var m = config.Model;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("architectures");
            json.WriteStringValue(ModelFamilyNames.Architecture(config.Family));
            json.WriteEndArray();
            json.WriteString("model_type", ModelFamilyNames.ModelType(config.Family));
            // Qwen2 puts bias on q/k/v implicitly; elsewhere attention_bias is the only switch and it
            // covers o_proj too, so a config the reader could not produce is refused here.
            bool attentionBias = config.Family == ModelFamily.Qwen2 ? false : m.QkvBias;
            bool expectedQkv = config.Family == ModelFamily.Qwen2 || attentionBias;
            bool expectedO = config.Family != ModelFamily.Qwen2 && attentionBias;
            if (m.QkvBias != expectedQkv || m.OProjBias != expectedO || m.QkNorm != (config.Family == ModelFamily.Qwen3))
                throw new ArgumentException($"config.json: {config.Family} cannot express QkvBias={m.QkvBias}, OProjBias={m.OProjBias}, QkNorm={m.QkNorm}. HINT: Qwen2 has q/k/v bias only, Qwen3 has q/k norm, Llama/Mistral put attention_bias on q/k/v/o together.");
            json.WriteBoolean("attention_bias", attentionBias);
            json.WriteNumber("hidden_size", m.HiddenSize);
            json.WriteNumber("intermediate_size", m.IntermediateSize);
            json.WriteNumber("num_hidden_layers", m.NumLayers);
            json.WriteNumber("num_attention_heads", m.NumHeads);
            json.WriteNumber("num_key_value_heads", m.NumKvHeads);
            json.WriteNumber("head_dim", m.HeadDim);
            json.WriteString("hidden_act", "silu");
            json.WriteBoolean("mlp_bias", false);
            json.WriteNumber("rms_norm_eps", m.RmsNormEps);
            json.WriteNumber("rope_theta", m.RopeTheta);
            if (m.RopeScaling is { } s)
            {
                json.WriteStartObject("rope_scaling");
                json.WriteString("rope_type", "llama3");
                json.WriteNumber("factor", s.Factor);
                json.WriteNumber("low_freq_factor", s.LowFreqFactor);
                json.WriteNumber("high_freq_factor", s.HighFreqFactor);
                json.WriteNumber("original_max_position_embeddings", s.OriginalMaxPositionEmbeddings);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("rope_scaling");
            }
            json.WriteNumber("max_position_embeddings", m.MaxPositionEmbeddings);
            json.WriteBoolean("tie_word_embeddings", m.TieWordEmbeddings);
            json.WriteNumber("vocab_size", m.VocabSize);
            if (config.Family is ModelFamily.Qwen2 or ModelFamily.Qwen3) json.WriteBoolean("use_sliding_window", false);
            if (config.BosTokenId is { } bos) json.WriteNumber("bos_token_id", bos);
            WriteIds(json, "eos_token_id", config.EosTokenIds);
            if (config.PadTokenId is { } pad) json.WriteNumber("pad_token_id", pad);
            if (config.DType is { } dt) json.WriteString("torch_dtype", dt);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>One id as a number, several as a list, none omitted (the shapes transformers writes).</summary>
    internal static void WriteIds(Utf8JsonWriter json, string key, IReadOnlyList<int> ids)
    {
        if (ids.Count == 1)
        {
            json.WriteNumber(key, ids[0]);
        }
        else if (ids.Count > 1)
        {
            json.WriteStartArray(key);
            foreach (var id in ids) json.WriteNumberValue(id);
            json.WriteEndArray();
        }
    }
}
