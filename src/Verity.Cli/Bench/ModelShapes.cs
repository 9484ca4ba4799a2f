using System.Globalization;
using Verity.Engine.Model;

namespace Verity.Cli.Bench;

/// <summary>
/// The model shapes the model-level families (forward, train_step, decode, train_memory) run on: random
/// weights shaped like SmolLM2-135M and Qwen2.5-0.5B. <c>--quick</c> keeps 4 layers (the name says "-L4");
/// VERITY_BENCH_TINY=1 swaps in a one-layer toy shape so a test can run the whole path in seconds.
/// </summary>
internal static class ModelShapes
{
    /// <summary>A named shape, the batch it is measured at, and the JSON the python peers read.</summary>
    internal sealed record Shape(string Name, ModelConfig Config, int Batch, int Seq)
    {
        public object PeerJson => new
        {
            shape = Name,
            layers = Config.NumLayers,
            hidden = Config.HiddenSize,
            intermediate = Config.IntermediateSize,
            heads = Config.NumHeads,
            kv_heads = Config.NumKvHeads,
            head_dim = Config.HeadDim,
            vocab = Config.VocabSize,
            qkv_bias = Config.QkvBias,
            rope_theta = Config.RopeTheta,
            eps = Config.RmsNormEps,
            batch = Batch,
            seq = Seq,
        };
    }

    public const int QuickLayers = 4;

    public static bool Tiny => Environment.GetEnvironmentVariable("VERITY_BENCH_TINY") is "1" or "true";

    public static readonly ModelConfig SmolLm135M = new()
    {
        VocabSize = 49152, HiddenSize = 576, IntermediateSize = 1536, NumLayers = 30, NumHeads = 9, NumKvHeads = 3, HeadDim = 64,
        RmsNormEps = 1e-5f, RopeTheta = 100000, TieWordEmbeddings = true, MaxPositionEmbeddings = 8192,
    };

    public static readonly ModelConfig Qwen25_05B = new()
    {
        VocabSize = 151936, HiddenSize = 896, IntermediateSize = 4864, NumLayers = 24, NumHeads = 14, NumKvHeads = 2, HeadDim = 64,
        RmsNormEps = 1e-6f, RopeTheta = 1000000, TieWordEmbeddings = true, QkvBias = true, MaxPositionEmbeddings = 32768,
    };

    static readonly ModelConfig TinyConfig = new()
    {
        VocabSize = 512, HiddenSize = 64, IntermediateSize = 128, NumLayers = 1, NumHeads = 4, NumKvHeads = 2, HeadDim = 16,
        TieWordEmbeddings = true, QkvBias = true,
    };

    /// <summary>The two model shapes at batch × seq (quick: fewer layers; tiny: one toy shape at 2 × 16).</summary>
    public static IReadOnlyList<Shape> For(bool quick, int batch, int seq)
    {
        if (Tiny) return [new Shape("tiny-L1", TinyConfig, 2, 16)];
        return
        [
            Make("smollm135m", SmolLm135M, quick, batch, seq),
            Make("qwen2.5-0.5b", Qwen25_05B, quick, batch, seq),
        ];
    }

    static Shape Make(string name, ModelConfig config, bool quick, int batch, int seq)
        => quick ? new Shape($"{name}-L{QuickLayers}", config with { NumLayers = QuickLayers }, batch, seq) : new Shape(name, config, batch, seq);

    /// <summary>A model with deterministic random weights (std 0.02, as the HF initializers use).</summary>
    public static TransformerModel Build(ModelConfig config)
    {
        var model = new TransformerModel(config);
        model.InitRandom(seed: 1);
        return model;
    }

    /// <summary>B full rows of T random tokens with next-token targets (also random: the content does not change the cost).</summary>
    public static Batch RandomBatch(ModelConfig config, int batch, int seq, int seed = 2)
    {
        var rng = new Random(seed);
        var tokens = new int[batch * seq];
        var targets = new int[batch * seq];
        for (int i = 0; i < tokens.Length; i++) (tokens[i], targets[i]) = (rng.Next(config.VocabSize), rng.Next(config.VocabSize));
        return new Batch(batch, seq, tokens, Enumerable.Repeat(seq, batch).ToArray(), targets);
    }

    /// <summary>Bytes of float32 weights one decode step reads: every parameter once (a tied embedding is read as the LM head).</summary>
    public static long WeightBytes(TransformerModel model) => model.Parameters.Sum(p => (long)p.Length) * sizeof(float);

    public static string Inv(double v, string format = "0.0") => v.ToString(format, CultureInfo.InvariantCulture);
}
