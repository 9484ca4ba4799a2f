using Verity.Engine.Model;
using static Verity.Engine.Tests.Ops.GradCheck;

namespace Verity.Engine.Tests.Model;

/// <summary>Tiny non-round configs covering every architecture switch, and random batches with padding.</summary>
internal static class TinyModels
{
    public static ModelConfig Llama => new()
    {
        VocabSize = 37, HiddenSize = 12, IntermediateSize = 20, NumLayers = 2, NumHeads = 3, NumKvHeads = 1, HeadDim = 4,
        RmsNormEps = 1e-5f, RopeTheta = 10000,
    };

    public static IEnumerable<(string Name, ModelConfig Config, bool ValueHead)> All()
    {
        yield return ("llama-mqa-untied", Llama, false);
        yield return ("gqa-nrep2-tied-value", Llama with { NumHeads = 4, NumKvHeads = 2, TieWordEmbeddings = true }, true);
        yield return ("qwen2-qkv-bias-tied", Llama with { QkvBias = true, TieWordEmbeddings = true, RopeTheta = 1e6 }, false);
        yield return ("qwen3-qknorm-hd6", Llama with { QkNorm = true, NumHeads = 4, NumKvHeads = 2, HeadDim = 6, TieWordEmbeddings = true }, true);
        yield return ("llama3-scaling-obias", Llama with
        {
            RopeTheta = 500000, OProjBias = true, RopeScaling = new Llama3RopeScaling(8, 1, 4, 16),
        }, false);
    }

    public static TheoryData<string> Names()
    {
        var d = new TheoryData<string>();
        foreach (var m in All()) d.Add(m.Name);
        return d;
    }

    /// <summary>A model whose every parameter (norms and biases included) is random, so no gradient is trivially 0 or 1.</summary>
    public static TransformerModel Create(string name, int seed = 1)
    {
        var (_, config, value) = All().Single(m => m.Name == name);
        var model = new TransformerModel(config, value);
        var rng = new Random(seed);
        foreach (var p in model.Parameters)
        {
            bool norm = p.Key.Kind is ParameterKind.AttnNorm or ParameterKind.MlpNorm or ParameterKind.FinalNorm or ParameterKind.QNorm or ParameterKind.KNorm;
            var r = Randn(rng, p.Length, norm ? 0.2f : 0.4f);
            for (int i = 0; i < p.Length; i++) p.Data[i] = norm ? 1 + r[i] : r[i];
        }
        return model;
    }

    /// <summary>B = 2, T = 7; row 1 has 4 valid tokens then garbage (out-of-range) ids that must be ignored.</summary>
    public static Batch Batch(int seed, int vocab = 37)
    {
        var rng = new Random(seed);
        int[] tokens = new int[14], targets = new int[14];
        for (int i = 0; i < 14; i++) (tokens[i], targets[i]) = (rng.Next(vocab), rng.Next(vocab));
        for (int t = 4; t < 7; t++) (tokens[7 + t], targets[7 + t]) = (-1, 9999);
        return new Batch(2, 7, tokens, [7, 4], targets);
    }

    /// <summary>Upstream gradients a (logp), b (entropy), c (value) [B,T].</summary>
    public static (float[] A, float[] B, float[] C) Upstream(int seed, int n = 14)
    {
        var rng = new Random(seed);
        return (Randn(rng, n), Randn(rng, n), Randn(rng, n));
    }
}
