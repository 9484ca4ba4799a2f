using System.Text.Json;
using Verity.Engine.Model;

namespace Verity.Hub.Config;

/// <summary>
/// Reads a Hugging Face <c>config.json</c> into <see cref="HfModelConfig"/>. Both spellings are accepted:
/// transformers ≤4 (<c>rope_theta</c>, <c>rope_scaling</c>, <c>torch_dtype</c>) and ≥5
/// (<c>rope_parameters</c>, <c>dtype</c>). Anything the engine would silently compute differently
/// (other RoPE types, partial rotary, sliding windows, MLP bias, other activations) is refused.
/// </summary>
public static class HfConfigReader
{
    public const string FileName = "config.json";

    private static readonly string[] KnownRopeTypes = ["default", "llama3"];

    public static HfModelConfig ReadFile(string path)
    {
        using var doc = HubJson.ParseFile(path);
        return Parse(doc.RootElement, path);
    }

    public static HfModelConfig Parse(string json, string source = FileName)
    {
        using var doc = JsonDocument.Parse(json);
        return Parse(doc.RootElement, source);
    }

    public static HfModelConfig Parse(JsonElement root, string file)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{file}: expected a JSON object, found {root.ValueKind}.");
        var r = new Keys(root, file);

        var family = ReadFamily(r, root, file);
        string? act = r.String("hidden_act");
        if (act is not null && act != "silu")
            throw new NotSupportedException($"{file}: key 'hidden_act' = '{act}' is not supported (only silu). HINT: Verity runs SwiGLU decoders (Llama, Mistral, Qwen2, Qwen3).");
        if (r.Bool("mlp_bias") == true)
            throw new NotSupportedException($"{file}: key 'mlp_bias' = true is not supported. HINT: Verity's MLP has no biases; use a checkpoint without them.");

        int hidden = r.RequiredInt("hidden_size");
        int heads = r.RequiredInt("num_attention_heads");
        int maxPos = r.Int("max_position_embeddings") ?? 2048;
        bool attentionBias = r.Bool("attention_bias") ?? false;

        string? ropeKey = IsObject(root, "rope_parameters") ? "rope_parameters" : IsObject(root, "rope_scaling") ? "rope_scaling" : null;
        double theta = r.Double("rope_theta") ?? 10000.0;
        Llama3RopeScaling? scaling = null;
        if (ropeKey is not null)
        {
            var rk = new Keys(root.GetProperty(ropeKey), file, ropeKey + ".");
            theta = rk.Double("rope_theta") ?? theta;
            string type = rk.String("rope_type") ?? rk.String("type") ?? "default";
            if (!KnownRopeTypes.Contains(type))
                throw new NotSupportedException($"{file}: key '{ropeKey}.rope_type' = '{type}' is not supported (known: {string.Join(", ", KnownRopeTypes)}). HINT: only plain RoPE and Llama 3.1 scaling are implemented.");
            if (type == "llama3")
            {
                scaling = new Llama3RopeScaling(
                    rk.RequiredDouble("factor"),
                    rk.Double("low_freq_factor") ?? 1.0,
                    rk.Double("high_freq_factor") ?? 4.0,
                    rk.Int("original_max_position_embeddings") ?? 8192);
            }
            CheckPartialRotary(rk.Double("partial_rotary_factor"), file, ropeKey + ".partial_rotary_factor");
        }
        CheckPartialRotary(r.Double("partial_rotary_factor"), file, "partial_rotary_factor");
        CheckSlidingWindow(r, file, maxPos);

        var model = new ModelConfig
        {
            VocabSize = r.RequiredInt("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = r.RequiredInt("intermediate_size"),
            NumLayers = r.RequiredInt("num_hidden_layers"),
            NumHeads = heads,
            NumKvHeads = r.Int("num_key_value_heads") ?? heads,
            HeadDim = r.Int("head_dim") ?? (hidden % heads == 0 ? hidden / heads
                : throw new InvalidDataException($"{file}: key 'head_dim' is missing and hidden_size {hidden} is not divisible by num_attention_heads {heads}. HINT: add \"head_dim\" to config.json.")),
            RmsNormEps = (float)(r.Double("rms_norm_eps") ?? 1e-6),
            RopeTheta = theta,
            RopeScaling = scaling,
            // Qwen2 hard-codes bias on q/k/v (not o); the others put attention_bias on all four.
            QkvBias = family == ModelFamily.Qwen2 || attentionBias,
            OProjBias = family != ModelFamily.Qwen2 && attentionBias,
            QkNorm = family == ModelFamily.Qwen3,
            TieWordEmbeddings = r.Bool("tie_word_embeddings") ?? false,
            MaxPositionEmbeddings = maxPos,
        };
        try
        {
            model.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"{file}: {ex.Message}");
        }

        return new HfModelConfig
        {
            Family = family,
            Model = model,
            DType = r.String("dtype") ?? r.String("torch_dtype"),
            BosTokenId = r.TokenIds("bos_token_id") is { Count: > 0 } bos ? bos[0] : null,
            EosTokenIds = r.TokenIds("eos_token_id"),
            PadTokenId = r.TokenIds("pad_token_id") is { Count: > 0 } p ? p[0] : null,
        };
    }

    private static ModelFamily ReadFamily(Keys r, JsonElement root, string file)
    {
        string? modelType = r.String("model_type");
        ModelFamily? family = null;
        if (modelType is not null)
        {
            if (!ModelFamilyNames.ByModelType.TryGetValue(modelType, out var f))
                throw new NotSupportedException($"{file}: key 'model_type' = '{modelType}' is not supported (known: {string.Join(", ", ModelFamilyNames.ByModelType.Keys)}). HINT: Verity runs Llama, Mistral, Qwen2/2.5 and Qwen3 decoders.");
            family = f;
        }
        if (root.TryGetProperty("architectures", out var archs) && archs.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in archs.EnumerateArray())
            {
                string arch = a.ValueKind == JsonValueKind.String ? a.GetString()! : a.GetRawText();
                if (!ModelFamilyNames.ByArchitecture.TryGetValue(arch, out var f))
                    throw new NotSupportedException($"{file}: key 'architectures' names '{arch}', which is not supported (known: {string.Join(", ", ModelFamilyNames.ByArchitecture.Keys)}). HINT: Verity runs causal-LM checkpoints of Llama, Mistral, Qwen2/2.5 and Qwen3.");
                if (family is { } declared && declared != f)
                    throw new InvalidDataException($"{file}: key 'architectures' names '{arch}' but 'model_type' is '{modelType}'. HINT: the config mixes two models; fix one of the keys.");
                family ??= f;
            }
        }
        return family ?? throw new InvalidDataException($"{file}: neither 'model_type' nor 'architectures' is set. HINT: add \"model_type\": \"llama\" (or qwen2, qwen3, mistral).");
    }

    private static void CheckPartialRotary(double? factor, string file, string key)
    {
        if (factor is { } f && f != 1.0)
            throw new NotSupportedException($"{file}: key '{key}' = {f} is not supported (only 1.0). HINT: Verity rotates the whole head; partial rotary models are not supported.");
    }

    /// <summary>
    /// A window narrower than the context changes attention, so it is refused. Qwen2/3 switch it with
    /// use_sliding_window (false in every released config); Mistral has no switch, only a nullable window.
    /// </summary>
    private static void CheckSlidingWindow(Keys r, string file, int maxPos)
    {
        int? window = r.Int("sliding_window");
        bool enabled = r.Bool("use_sliding_window") ?? window is not null;
        if (enabled && window is { } w && w < maxPos)
            throw new NotSupportedException($"{file}: key 'sliding_window' = {w} is active (use_sliding_window on, window < max_position_embeddings {maxPos}). HINT: Verity implements full causal attention only; set use_sliding_window false or sliding_window null if the model tolerates it.");
    }

    private static bool IsObject(JsonElement root, string key) =>
        root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Object;

    /// <summary>Typed access to one JSON object; every error names the file and the dotted key.</summary>
    private readonly struct Keys(JsonElement obj, string file, string prefix = "")
    {
        public bool Has(string key) => obj.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null;

        private JsonElement? Get(string key) =>
            obj.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

        private InvalidDataException Bad(string key, string expected, JsonElement v) =>
            new($"{file}: key '{prefix}{key}' must be {expected}, found {v.GetRawText()}. HINT: fix config.json.");

        public string? String(string key) => Get(key) is { } v
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw Bad(key, "a string", v)
            : null;

        public bool? Bool(string key) => Get(key) is { } v
            ? v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw Bad(key, "true or false", v)
            : null;

        public double? Double(string key) => Get(key) is { } v
            ? v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Bad(key, "a number", v)
            : null;

        public int? Int(string key) => Get(key) is { } v
            ? v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw Bad(key, "an integer", v)
            : null;

        public int RequiredInt(string key) => Int(key)
            ?? throw new InvalidDataException($"{file}: required key '{prefix}{key}' is missing. HINT: config.json must give the model's shape.");

        public double RequiredDouble(string key) => Double(key)
            ?? throw new InvalidDataException($"{file}: required key '{prefix}{key}' is missing. HINT: config.json must give it for this rope type.");

        /// <summary>An id or a list of ids (eos_token_id is a list in instruct models).</summary>
        public IReadOnlyList<int> TokenIds(string key)
        {
            if (Get(key) is not { } v) return [];
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int one)) return [one];
            if (v.ValueKind == JsonValueKind.Array)
            {
                var ids = new List<int>();
                foreach (var e in v.EnumerateArray())
                    ids.Add(e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int id) ? id : throw Bad(key, "an integer or a list of integers", v));
                return ids;
            }
            throw Bad(key, "an integer or a list of integers", v);
        }
    }
}
