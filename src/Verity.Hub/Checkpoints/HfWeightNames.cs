using Verity.Engine.Model;

namespace Verity.Hub.Checkpoints;

/// <summary>
/// The one place where Hugging Face tensor names meet <see cref="ParameterKey"/>, and where the expected
/// shape of every parameter of a <see cref="ModelConfig"/> is stated. Loading, saving, optimizer state
/// and the tests all go through here.
/// </summary>
public static class HfWeightNames
{
    public const string LayerPrefix = "model.layers.";

    private static readonly Dictionary<ParameterKind, string> Global = new()
    {
        [ParameterKind.TokenEmbedding] = "model.embed_tokens.weight",
        [ParameterKind.FinalNorm] = "model.norm.weight",
        [ParameterKind.LmHead] = "lm_head.weight",
        [ParameterKind.ValueHead] = "score.weight",
    };

    // Suffix after "model.layers.{i}.".
    private static readonly Dictionary<ParameterKind, string> PerLayer = new()
    {
        [ParameterKind.AttnNorm] = "input_layernorm.weight",
        [ParameterKind.QProj] = "self_attn.q_proj.weight",
        [ParameterKind.QBias] = "self_attn.q_proj.bias",
        [ParameterKind.KProj] = "self_attn.k_proj.weight",
        [ParameterKind.KBias] = "self_attn.k_proj.bias",
        [ParameterKind.VProj] = "self_attn.v_proj.weight",
        [ParameterKind.VBias] = "self_attn.v_proj.bias",
        [ParameterKind.QNorm] = "self_attn.q_norm.weight",
        [ParameterKind.KNorm] = "self_attn.k_norm.weight",
        [ParameterKind.OProj] = "self_attn.o_proj.weight",
        [ParameterKind.OBias] = "self_attn.o_proj.bias",
        [ParameterKind.MlpNorm] = "post_attention_layernorm.weight",
        [ParameterKind.GateProj] = "mlp.gate_proj.weight",
        [ParameterKind.UpProj] = "mlp.up_proj.weight",
        [ParameterKind.DownProj] = "mlp.down_proj.weight",
    };

    private static readonly Dictionary<string, ParameterKind> GlobalByName = Global.ToDictionary(kv => kv.Value, kv => kv.Key);
    private static readonly Dictionary<string, ParameterKind> PerLayerBySuffix = PerLayer.ToDictionary(kv => kv.Value, kv => kv.Key);

    public static string ToHfName(ParameterKey key)
    {
        if (Global.TryGetValue(key.Kind, out var name))
        {
            if (key.Layer >= 0) throw new ArgumentException($"{key}: {key.Kind} is not a per-layer parameter.");
            return name;
        }
        if (key.Layer < 0) throw new ArgumentException($"{key}: {key.Kind} needs a layer index.");
        return $"{LayerPrefix}{key.Layer}.{PerLayer[key.Kind]}";
    }

    public static bool TryParse(string name, out ParameterKey key)
    {
        key = default;
        if (GlobalByName.TryGetValue(name, out var kind))
        {
            key = new ParameterKey(kind);
            return true;
        }
        if (!name.StartsWith(LayerPrefix, StringComparison.Ordinal)) return false;
        int dot = name.IndexOf('.', LayerPrefix.Length);
        if (dot < 0 || !int.TryParse(name.AsSpan(LayerPrefix.Length, dot - LayerPrefix.Length), System.Globalization.NumberStyles.None, null, out int layer))
            return false;
        if (!PerLayerBySuffix.TryGetValue(name[(dot + 1)..], out kind)) return false;
        key = new ParameterKey(kind, layer);
        return true;
    }

    /// <summary>
    /// Every parameter the config implies, in checkpoint order (embedding, layers, final norm, head), with
    /// its shape. The LM head is absent when tied; the value head only when asked for.
    /// </summary>
    public static IReadOnlyList<(ParameterKey Key, int[] Shape)> ExpectedShapes(ModelConfig c, bool withValueHead = false)
    {
        int C = c.HiddenSize, V = c.VocabSize, I = c.IntermediateSize;
        int q = c.NumHeads * c.HeadDim, kv = c.NumKvHeads * c.HeadDim;
        var list = new List<(ParameterKey, int[])> { (new(ParameterKind.TokenEmbedding), [V, C]) };
        for (int l = 0; l < c.NumLayers; l++)
        {
            list.Add((new(ParameterKind.AttnNorm, l), [C]));
            list.Add((new(ParameterKind.QProj, l), [q, C]));
            if (c.QkvBias) list.Add((new(ParameterKind.QBias, l), [q]));
            list.Add((new(ParameterKind.KProj, l), [kv, C]));
            if (c.QkvBias) list.Add((new(ParameterKind.KBias, l), [kv]));
            list.Add((new(ParameterKind.VProj, l), [kv, C]));
            if (c.QkvBias) list.Add((new(ParameterKind.VBias, l), [kv]));
            if (c.QkNorm)
            {
                list.Add((new(ParameterKind.QNorm, l), [c.HeadDim]));
                list.Add((new(ParameterKind.KNorm, l), [c.HeadDim]));
            }
            list.Add((new(ParameterKind.OProj, l), [C, q]));
            if (c.OProjBias) list.Add((new(ParameterKind.OBias, l), [C]));
            list.Add((new(ParameterKind.MlpNorm, l), [C]));
            list.Add((new(ParameterKind.GateProj, l), [I, C]));
            list.Add((new(ParameterKind.UpProj, l), [I, C]));
            list.Add((new(ParameterKind.DownProj, l), [C, I]));
        }
        list.Add((new(ParameterKind.FinalNorm), [C]));
        if (!c.TieWordEmbeddings) list.Add((new(ParameterKind.LmHead), [V, C]));
        if (withValueHead) list.Add((new(ParameterKind.ValueHead), [1, C]));
        return list;
    }

    /// <summary>Fresh zeroed parameters for <paramref name="c"/> (tests and tools that need no model).</summary>
    public static List<Parameter> CreateParameters(ModelConfig c, bool withValueHead = false) =>
        ExpectedShapes(c, withValueHead).Select(e => new Parameter(e.Key, e.Shape)).ToList();
}
