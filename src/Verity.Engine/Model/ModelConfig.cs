namespace Verity.Engine.Model;

/// <summary>
/// The shape of a Llama-family decoder (Llama 3.x, Qwen2/2.5, Qwen3, SmolLM2, Mistral-style), in the
/// engine's own terms. Verity.Hub maps Hugging Face <c>config.json</c> onto this record; nothing in the
/// engine reads JSON or knows Hugging Face key names.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>V: rows of the token embedding and of the LM head.</summary>
    public required int VocabSize { get; init; }

    /// <summary>C: width of the residual stream.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Width of the SwiGLU MLP (gate/up output, down input).</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>L: number of decoder layers.</summary>
    public required int NumLayers { get; init; }

    /// <summary>NH: query heads.</summary>
    public required int NumHeads { get; init; }

    /// <summary>NKV: key/value heads (GQA); query head h reads kv head h / (NH / NKV).</summary>
    public required int NumKvHeads { get; init; }

    /// <summary>HD: per-head width. Qwen3 sets it explicitly and it may differ from C / NH.</summary>
    public required int HeadDim { get; init; }

    /// <summary>Epsilon inside RMSNorm's rsqrt(mean(x²) + eps).</summary>
    public float RmsNormEps { get; init; } = 1e-6f;

    /// <summary>RoPE base θ: inv_freq[j] = θ^(−2j/HD).</summary>
    public double RopeTheta { get; init; } = 10000.0;

    /// <summary>Llama 3.x frequency scaling; null for plain RoPE.</summary>
    public Llama3RopeScaling? RopeScaling { get; init; }

    /// <summary>Bias on q/k/v projections (Qwen2/2.5: true; Llama with attention_bias: true).</summary>
    public bool QkvBias { get; init; }

    /// <summary>Bias on the output projection (Llama attention_bias adds it; Qwen2 does not).</summary>
    public bool OProjBias { get; init; }

    /// <summary>Qwen3: per-head RMSNorm on q and k (weight [HD]) after projection, before RoPE.</summary>
    public bool QkNorm { get; init; }

    /// <summary>LM head shares the token-embedding matrix.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Longest position the model was trained for; prompts beyond it are refused.</summary>
    public int MaxPositionEmbeddings { get; init; } = 2048;

    /// <summary>Query heads per kv head.</summary>
    public int GroupSize => NumHeads / NumKvHeads;

    /// <summary>Checks the shape is self-consistent; the message names the field and the fix.</summary>
    public void Validate()
    {
        static void Positive(int v, string name)
        {
            if (v <= 0) throw new ArgumentException($"model config: {name} must be positive, got {v}.");
        }
        Positive(VocabSize, nameof(VocabSize));
        Positive(HiddenSize, nameof(HiddenSize));
        Positive(IntermediateSize, nameof(IntermediateSize));
        Positive(NumLayers, nameof(NumLayers));
        Positive(NumHeads, nameof(NumHeads));
        Positive(NumKvHeads, nameof(NumKvHeads));
        Positive(HeadDim, nameof(HeadDim));
        if (NumHeads % NumKvHeads != 0)
            throw new ArgumentException(
                $"model config: NumHeads ({NumHeads}) must be a multiple of NumKvHeads ({NumKvHeads}). HINT: pick kv heads that divide the query heads.");
        if (HeadDim % 2 != 0)
            throw new ArgumentException($"model config: HeadDim ({HeadDim}) must be even for rotate_half RoPE.");
    }
}

/// <summary>Llama 3.1+ <c>rope_type: llama3</c> parameters (transformers <c>_compute_llama3_parameters</c>).</summary>
public sealed record Llama3RopeScaling(
    double Factor,
    double LowFreqFactor,
    double HighFreqFactor,
    int OriginalMaxPositionEmbeddings);
