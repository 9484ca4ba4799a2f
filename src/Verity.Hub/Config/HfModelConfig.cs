using Verity.Engine.Model;

namespace Verity.Hub.Config;

/// <summary>Model families Verity reads from <c>config.json</c>; all are pre-norm RMSNorm/GQA/RoPE/SwiGLU decoders.</summary>
public enum ModelFamily
{
    Llama,
    Mistral,
    Qwen2,
    Qwen3,
}

/// <summary>
/// A Hugging Face <c>config.json</c> in Verity's terms: the engine's <see cref="ModelConfig"/> plus the
/// file-level facts the engine does not need (family, stored dtype, special token ids).
/// </summary>
public sealed record HfModelConfig
{
    public required ModelFamily Family { get; init; }

    public required ModelConfig Model { get; init; }

    /// <summary>Storage dtype as written by transformers ("bfloat16", "float32", …); null when absent.</summary>
    public string? DType { get; init; }

    public int? BosTokenId { get; init; }

    /// <summary>Empty when absent; several ids when the file lists several.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    public int? PadTokenId { get; init; }

    public bool Equals(HfModelConfig? other) => other is not null && Family == other.Family && Model == other.Model
        && DType == other.DType && BosTokenId == other.BosTokenId && PadTokenId == other.PadTokenId
        && EosTokenIds.SequenceEqual(other.EosTokenIds);

    public override int GetHashCode() => HashCode.Combine(Family, Model, DType, BosTokenId, PadTokenId, EosTokenIds.Count);
}

/// <summary>The config.json names of each family (the file boundary is the only place they appear).</summary>
internal static class ModelFamilyNames
{
    public static readonly IReadOnlyDictionary<string, ModelFamily> ByModelType = new Dictionary<string, ModelFamily>(StringComparer.Ordinal)
    {
        ["llama"] = ModelFamily.Llama,
        ["mistral"] = ModelFamily.Mistral,
        ["qwen2"] = ModelFamily.Qwen2,
        ["qwen3"] = ModelFamily.Qwen3,
    };

    public static readonly IReadOnlyDictionary<string, ModelFamily> ByArchitecture = new Dictionary<string, ModelFamily>(StringComparer.Ordinal)
    {
        ["LlamaForCausalLM"] = ModelFamily.Llama,
        ["MistralForCausalLM"] = ModelFamily.Mistral,
        ["Qwen2ForCausalLM"] = ModelFamily.Qwen2,
        ["Qwen3ForCausalLM"] = ModelFamily.Qwen3,
    };

    public static string ModelType(ModelFamily f) => ByModelType.First(kv => kv.Value == f).Key;

    public static string Architecture(ModelFamily f) => ByArchitecture.First(kv => kv.Value == f).Key;
}
