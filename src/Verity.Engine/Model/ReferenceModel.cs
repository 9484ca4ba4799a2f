using Verity.Engine.Ops;

namespace Verity.Engine.Model;

/// <summary>
/// Naive float64 forward of the same architecture, composed of the ops' reference functions with full-vocabulary
/// softmax. Slow and allocation-heavy on purpose: it is the yardstick the float32 <see cref="TransformerModel"/>
/// (forward and, through finite differences, backward) is checked against. Weights are held as mutable float64
/// arrays so a gradient check can nudge single entries.
/// </summary>
public sealed class ReferenceModel
{
    readonly float[] _invFreq;

    public ReferenceModel(ModelConfig config, IReadOnlyDictionary<ParameterKey, double[]> weights)
    {
        config.Validate();
        (Config, Weights) = (config, weights);
        _invFreq = Rope.InverseFrequencies(config);
    }

    /// <summary>A reference model holding float64 copies of <paramref name="model"/>'s parameters.</summary>
    public static ReferenceModel From(TransformerModel model)
        => new(model.Config, model.Parameters.ToDictionary(p => p.Key, p => p.Data.Select(v => (double)v).ToArray()));

    public ModelConfig Config { get; }

    public IReadOnlyDictionary<ParameterKey, double[]> Weights { get; }

    double[] W(ParameterKind kind, int layer = -1) => Weights[new ParameterKey(kind, layer)];

    double[]? Maybe(ParameterKind kind, int layer) => Weights.TryGetValue(new ParameterKey(kind, layer), out var w) ? w : null;

    /// <summary>Final-normed hidden states [B·T, C] (padded rows included; callers ignore them).</summary>
    public double[] Hidden(Batch batch)
    {
        var cfg = Config;
        int n = batch.Rows, c = cfg.HiddenSize, nh = cfg.NumHeads, nkv = cfg.NumKvHeads, hd = cfg.HeadDim, inter = cfg.IntermediateSize;
        var tokens = new int[n];
        var positions = new int[n];
        for (int i = 0; i < n; i++)
            if (batch.IsValid(i)) (tokens[i], positions[i]) = (batch.Tokens[i], batch.Position(i));
        var mask = new AttentionMask(batch.B, batch.T, batch.Lengths, batch.SegmentIds);
        var x = Embedding.Reference(W(ParameterKind.TokenEmbedding), tokens, c);
        for (int l = 0; l < cfg.NumLayers; l++)
        {
            var xn = RmsNorm.Reference(x, W(ParameterKind.AttnNorm, l), n, c, cfg.RmsNormEps);
            var q = Linear.Reference(xn, W(ParameterKind.QProj, l), Maybe(ParameterKind.QBias, l), n, nh * hd, c);
            var k = Linear.Reference(xn, W(ParameterKind.KProj, l), Maybe(ParameterKind.KBias, l), n, nkv * hd, c);
            var v = Linear.Reference(xn, W(ParameterKind.VProj, l), Maybe(ParameterKind.VBias, l), n, nkv * hd, c);
            if (cfg.QkNorm)
            {
                q = RmsNorm.Reference(q, W(ParameterKind.QNorm, l), n * nh, hd, cfg.RmsNormEps);
                k = RmsNorm.Reference(k, W(ParameterKind.KNorm, l), n * nkv, hd, cfg.RmsNormEps);
            }
            q = Rope.Reference(q, positions, n, nh, hd, _invFreq);
            k = Rope.Reference(k, positions, n, nkv, hd, _invFreq);
            var att = Attention.Reference(q, k, v, mask, nh, nkv, hd);
            var o = Linear.Reference(att, W(ParameterKind.OProj, l), Maybe(ParameterKind.OBias, l), n, c, nh * hd);
            var h = new double[n * c];
            for (int i = 0; i < h.Length; i++) h[i] = x[i] + o[i];
            var xn2 = RmsNorm.Reference(h, W(ParameterKind.MlpNorm, l), n, c, cfg.RmsNormEps);
            var gate = Linear.Reference(xn2, W(ParameterKind.GateProj, l), null, n, inter, c);
            var up = Linear.Reference(xn2, W(ParameterKind.UpProj, l), null, n, inter, c);
            var down = Linear.Reference(SwiGlu.Reference(gate, up), W(ParameterKind.DownProj, l), null, n, c, inter);
            x = new double[n * c];
            for (int i = 0; i < x.Length; i++) x[i] = h[i] + down[i];
        }
        return RmsNorm.Reference(x, W(ParameterKind.FinalNorm), n, c, cfg.RmsNormEps);
    }

    double[] Head => Config.TieWordEmbeddings ? W(ParameterKind.TokenEmbedding) : W(ParameterKind.LmHead);

    /// <summary>Per-position log p(target), entropy (of softmax(logits/τ)) and value (null without a value head); padded positions 0.</summary>
    public (double[] LogProb, double[] Entropy, double[]? Value) Forward(Batch batch, double temperature = 1)
    {
        int n = batch.Rows, c = Config.HiddenSize;
        var xf = Hidden(batch);
        var targets = new int[n];
        for (int i = 0; i < n; i++) targets[i] = batch.IsValid(i) ? batch.Targets![i] : 0;
        var (logp, ent) = TokenLogProb.Reference(xf, Head, targets, n, c, Config.VocabSize, temperature);
        var vw = Maybe(ParameterKind.ValueHead, -1);
        double[]? val = vw is null ? null : new double[n];
        for (int i = 0; i < n; i++)
        {
            if (!batch.IsValid(i)) { logp[i] = ent[i] = 0; continue; }
            if (val is null) continue;
            for (int j = 0; j < c; j++) val[i] += xf[i * c + j] * vw![j];
        }
        return (logp, ent, val);
    }

    /// <summary>Full logits [B·T, V]; padded rows 0.</summary>
    public double[] Logits(Batch batch)
    {
        int n = batch.Rows, c = Config.HiddenSize, v = Config.VocabSize;
        var logits = Linear.Reference(Hidden(batch), Head, null, n, v, c);
        for (int i = 0; i < n; i++)
            if (!batch.IsValid(i)) Array.Clear(logits, i * v, v);
        return logits;
    }
}
