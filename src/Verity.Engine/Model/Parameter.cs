namespace Verity.Engine.Model;

/// <summary>What a parameter tensor is, independent of any file format's naming.</summary>
public enum ParameterKind
{
    TokenEmbedding, // [V, C]
    AttnNorm,       // [C]       per layer
    QProj,          // [NH*HD, C]
    QBias,          // [NH*HD]
    KProj,          // [NKV*HD, C]
    KBias,          // [NKV*HD]
    VProj,          // [NKV*HD, C]
    VBias,          // [NKV*HD]
    QNorm,          // [HD]      Qwen3
    KNorm,          // [HD]      Qwen3
    OProj,          // [C, NH*HD]
    OBias,          // [C]
    MlpNorm,        // [C]       post_attention_layernorm
    GateProj,       // [I, C]
    UpProj,         // [I, C]
    DownProj,       // [C, I]
    FinalNorm,      // [C]
    LmHead,         // [V, C]    absent when tied
    ValueHead,      // [1, C]    optional scalar head (critic / reward model)
}

/// <summary>Identifies one parameter: its kind and, for per-layer kinds, the layer (else −1).</summary>
public readonly record struct ParameterKey(ParameterKind Kind, int Layer = -1)
{
    public override string ToString() => Layer < 0 ? Kind.ToString() : $"{Kind}[{Layer}]";
}

/// <summary>
/// One parameter tensor with its gradient. Row-major, float32. Linear weights are [out, in] (y = x·Wᵀ),
/// as in PyTorch, so checkpoints copy straight in.
/// </summary>
public sealed class Parameter
{
    public Parameter(ParameterKey key, int[] shape)
    {
        Key = key;
        Shape = shape;
        long n = 1;
        foreach (var d in shape) n *= d;
        Data = GC.AllocateArray<float>(checked((int)n), pinned: true);
        Grad = GC.AllocateArray<float>(checked((int)n), pinned: true);
    }

    public ParameterKey Key { get; }

    public int[] Shape { get; }

    /// <summary>Values, row-major.</summary>
    public float[] Data { get; }

    /// <summary>d(loss)/d(value), accumulated by Backward (+=) and cleared by ZeroGrad.</summary>
    public float[] Grad { get; }

    /// <summary>Frozen parameters get no gradient and are skipped by the optimizer.</summary>
    public bool Frozen { get; set; }

    public int Length => Data.Length;
}
