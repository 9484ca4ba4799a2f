using System.Numerics.Tensors;
using Verity.Engine.Ops;

namespace Verity.Engine.Model;

/// <summary>
/// Llama-family pre-norm decoder (Llama 3.x, Qwen2/2.5, Qwen3, SmolLM2) with hand-written forward and backward,
/// llm.c style: flat float32 buffers, one op pair per file under Ops/, no autograd.
/// <para>Usage for training: <c>var r = model.Forward(batch);</c> compute per-token loss gradients
/// dLoss/dLogProb and dLoss/dEntropy [B,T] (and dLoss/dValue with a value head), then
/// <c>model.Backward(batch, dLogProb, dEntropy, dValue);</c> which adds into every non-frozen
/// <see cref="Parameter.Grad"/>. Call <see cref="ZeroGrad"/> between optimizer steps.</para>
/// <para>Design: the LM head is fused with log-softmax, target gather and entropy and streamed over the
/// vocabulary in chunks of <see cref="VocabChunk"/> rows, so B×T×V logits never exist. Attention keeps only
/// per-row log-sum-exps and recomputes probabilities in backward. Activation buffers are sized for the largest
/// batch seen and reused. Every parallel split is a fixed partition with no cross-thread float reductions, so
/// results are identical for any thread count.</para>
/// </summary>
public sealed partial class TransformerModel
{
    readonly Dictionary<ParameterKey, Parameter> _byKey = new();
    readonly List<Parameter> _parameters = new();
    readonly LayerWeights[] _layers;
    readonly RopeTable _rope;
    Activations? _acts;
    Batch? _forwardBatch;

    /// <summary>Builds a model with zeroed parameters shaped as <see cref="ParameterKind"/> documents.</summary>
    /// <param name="config">Model shape; validated here.</param>
    /// <param name="withValueHead">Adds a scalar head [1, C] on the final-normed hidden state (critic / reward model).</param>
    public TransformerModel(ModelConfig config, bool withValueHead = false)
    {
        config.Validate();
        Config = config;
        HasValueHead = withValueHead;
        int c = config.HiddenSize, qd = config.NumHeads * config.HeadDim, kvd = config.NumKvHeads * config.HeadDim, i = config.IntermediateSize;
        Add(ParameterKind.TokenEmbedding, -1, config.VocabSize, c);
        _layers = new LayerWeights[config.NumLayers];
        for (int l = 0; l < config.NumLayers; l++)
        {
            var lw = new LayerWeights
            {
                AttnNorm = Add(ParameterKind.AttnNorm, l, c),
                QProj = Add(ParameterKind.QProj, l, qd, c),
                KProj = Add(ParameterKind.KProj, l, kvd, c),
                VProj = Add(ParameterKind.VProj, l, kvd, c),
                OProj = Add(ParameterKind.OProj, l, c, qd),
                MlpNorm = Add(ParameterKind.MlpNorm, l, c),
                GateProj = Add(ParameterKind.GateProj, l, i, c),
                UpProj = Add(ParameterKind.UpProj, l, i, c),
                DownProj = Add(ParameterKind.DownProj, l, c, i),
            };
            if (config.QkvBias)
            {
                lw.QBias = Add(ParameterKind.QBias, l, qd);
                lw.KBias = Add(ParameterKind.KBias, l, kvd);
                lw.VBias = Add(ParameterKind.VBias, l, kvd);
            }
            if (config.QkNorm)
            {
                lw.QNorm = Add(ParameterKind.QNorm, l, config.HeadDim);
                lw.KNorm = Add(ParameterKind.KNorm, l, config.HeadDim);
            }
            if (config.OProjBias) lw.OBias = Add(ParameterKind.OBias, l, c);
            _layers[l] = lw;
        }
        Add(ParameterKind.FinalNorm, -1, c);
        if (!config.TieWordEmbeddings) Add(ParameterKind.LmHead, -1, config.VocabSize, c);
        if (withValueHead) Add(ParameterKind.ValueHead, -1, 1, c);
        _rope = new RopeTable(Rope.InverseFrequencies(config));
    }

    Parameter Add(ParameterKind kind, int layer, params int[] shape)
    {
        var p = new Parameter(new ParameterKey(kind, layer), shape);
        _byKey.Add(p.Key, p);
        _parameters.Add(p);
        return p;
    }

    public ModelConfig Config { get; }

    public bool HasValueHead { get; }

    /// <summary>Every parameter, in a fixed order: embedding, layers 0..L−1, final norm, LM head, value head.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Vocabulary rows of the LM head processed at a time by the fused log-prob head.</summary>
    public int VocabChunk { get; set; } = 4096;

    /// <summary>
    /// Keep only each layer's input in forward and recompute the layer in backward (less memory, ~⅓ more compute).
    /// Gradients are bit-identical to the stored-activation path. Takes effect at the next <see cref="Forward"/>.
    /// </summary>
    public bool ActivationCheckpointing { get; set; }

    /// <summary>The parameter with this key; throws naming the config flag when the model has none.</summary>
    public Parameter Get(ParameterKey key)
        => _byKey.TryGetValue(key, out var p) ? p
            : throw new ArgumentException($"model has no parameter {key}. HINT: LmHead exists only when TieWordEmbeddings is false, Q/K/VBias only with QkvBias, OBias only with OProjBias, Q/KNorm only with QkNorm, ValueHead only with withValueHead; layers are 0..{Config.NumLayers - 1}.");

    public bool TryGet(ParameterKey key, out Parameter parameter) => _byKey.TryGetValue(key, out parameter!);

    /// <summary>The LM head matrix [V, C]: the token embedding when tied.</summary>
    public Parameter LmHead => Get(new ParameterKey(Config.TieWordEmbeddings ? ParameterKind.TokenEmbedding : ParameterKind.LmHead));

    /// <summary>Deterministic init: normal(0, std) for matrices, 1 for norm weights, 0 for biases.</summary>
    public void InitRandom(int seed, float std = 0.02f)
    {
        var rng = new Random(seed);
        foreach (var p in _parameters)
        {
            switch (p.Key.Kind)
            {
                case ParameterKind.AttnNorm or ParameterKind.MlpNorm or ParameterKind.FinalNorm or ParameterKind.QNorm or ParameterKind.KNorm:
                    p.Data.AsSpan().Fill(1f);
                    break;
                case ParameterKind.QBias or ParameterKind.KBias or ParameterKind.VBias or ParameterKind.OBias:
                    p.Data.AsSpan().Clear();
                    break;
                default:
                    for (int i = 0; i < p.Length; i++) p.Data[i] = std * Gaussian(rng);
                    break;
            }
        }
    }

    internal static float Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }

    /// <summary>Clears every gradient.</summary>
    public void ZeroGrad()
    {
        // 4 bytes written per parameter: split in 1 MB pieces over the pool so both cores' store bandwidth is used.
        const int piece = 1 << 18;
        var pieces = new List<(float[] Grad, int Start)>();
        foreach (var p in _parameters)
            for (int s = 0; s < p.Length; s += piece) pieces.Add((p.Grad, s));
        Threading.WorkPool.For(pieces.Count, i =>
        {
            var (g, s) = pieces[i];
            g.AsSpan(s, Math.Min(piece, g.Length - s)).Clear();
        });
    }

    /// <summary>
    /// Runs the model over <paramref name="batch"/> (targets required) and returns per-position log-probs of
    /// the targets, entropies and values.
    /// </summary>
    /// <param name="batch">Token rows with targets.</param>
    /// <param name="keepActivations">True keeps what a following <see cref="Backward"/> needs (per
    /// <see cref="ActivationCheckpointing"/>); false is for scoring only (old/reference log-probs) and, on a model
    /// that has not trained yet, allocates just one layer's scratch.</param>
    /// <param name="temperature">Log-probs and entropies are of softmax(logits / τ), matching completions sampled at
    /// temperature τ (TRL's convention); Backward uses the same τ. Must be positive.</param>
    public ForwardResult Forward(Batch batch, bool keepActivations = true, float temperature = 1f)
    {
        if (batch.Targets is null)
            throw new ArgumentException("model forward: batch has no targets. HINT: pass targets (usually the next token at each position) to new Batch(...).");
        if (!(temperature > 0) || float.IsInfinity(temperature))
            throw new ArgumentException($"model forward: temperature must be positive and finite, got {temperature}. HINT: use 1 for plain log-probs.");
        var a = Prepare(batch, keepActivations);
        a.Temperature = temperature;
        RunLayers(batch, a);
        int n = batch.Rows, c = Config.HiddenSize;
        RmsNorm.Forward(a.Final, Get(new(ParameterKind.FinalNorm)).Data, n, c, Config.RmsNormEps, a.Xf, a.RstdF);
        // The head runs only on scored rows (M ≤ N): padding and unscored prompt tokens cost no vocabulary work.
        int m = a.HeadCount;
        var hx = HeadInput(a, n, c);
        TokenLogProb.Forward(hx, LmHead.Data, a.HeadTargets, m, c, Config.VocabSize, a.VocabChunk, a.HeadScratch, a.LogProb, a.Entropy, a.Lse, temperature);
        var logp = new float[n];
        var ent = new float[n];
        for (int j = 0; j < m; j++) (logp[a.HeadRows[j]], ent[a.HeadRows[j]]) = (a.LogProb[j], a.Entropy[j]);
        float[]? val = null;
        if (HasValueHead)
        {
            val = new float[n];
            var vw = Get(new(ParameterKind.ValueHead)).Data;
            for (int i = 0; i < n; i++)
                if (batch.IsValid(i)) val[i] = TensorPrimitives.Dot(a.Xf.AsSpan(i * c, c), vw);
        }
        _forwardBatch = keepActivations ? batch : null;
        return new ForwardResult(logp, ent, val);
    }

    /// <summary>
    /// Adds d(loss)/d(parameter) into every non-frozen parameter's <see cref="Parameter.Grad"/> (frozen ones are
    /// still propagated through). Must follow <see cref="Forward"/> on the same <paramref name="batch"/> object.
    /// </summary>
    /// <param name="batch">The batch just passed to Forward.</param>
    /// <param name="dLogProb">d(loss)/d(logp) per position [B,T]; padded positions are ignored.</param>
    /// <param name="dEntropy">d(loss)/d(entropy) per position [B,T]; empty means zero.</param>
    /// <param name="dValue">d(loss)/d(value) per position [B,T] (value head only); empty means zero.</param>
    public void Backward(Batch batch, ReadOnlySpan<float> dLogProb, ReadOnlySpan<float> dEntropy = default, ReadOnlySpan<float> dValue = default)
    {
        if (!ReferenceEquals(batch, _forwardBatch) || _acts is null)
            throw new InvalidOperationException("model backward: call Forward(batch, keepActivations: true) with this same batch first; the activations belong to the last forward.");
        int n = batch.Rows, c = Config.HiddenSize;
        CheckLength(dLogProb.Length, n, "dLogProb", allowEmpty: false);
        CheckLength(dEntropy.Length, n, "dEntropy", allowEmpty: true);
        CheckLength(dValue.Length, n, "dValue", allowEmpty: true);
        if (dValue.Length > 0 && !HasValueHead)
            throw new ArgumentException("model backward: dValue given but the model has no value head. HINT: construct with withValueHead: true.");
        var a = _acts;
        int m = a.HeadCount;
        for (int j = 0; j < m; j++)
        {
            int i = a.HeadRows[j];
            a.DLogProb[j] = dLogProb[i];
            a.DEntropy[j] = dEntropy.Length > 0 ? dEntropy[i] : 0;
        }

        // Head: dXf = (fused log-prob/entropy head over the M scored rows)ᵀ + value head; then through the final norm.
        var dxf = a.DXn;
        dxf.AsSpan(0, n * c).Clear();
        var head = LmHead;
        bool compact = m < n;
        var dhx = compact ? a.DHeadX : dxf;
        if (compact) dhx.AsSpan(0, m * c).Clear();
        TokenLogProb.Backward(HeadInput(a, n, c), head.Data, a.HeadTargets, a.Lse, a.Entropy, a.DLogProb, a.DEntropy, m, c, Config.VocabSize,
            a.VocabChunk, a.HeadScratch, dhx, GradOf(head), a.Temperature);
        if (compact)
            for (int j = 0; j < m; j++) dhx.AsSpan(j * c, c).CopyTo(dxf.AsSpan(a.HeadRows[j] * c, c));
        if (dValue.Length > 0)
        {
            var vh = Get(new(ParameterKind.ValueHead));
            var dvw = GradOf(vh);
            for (int i = 0; i < n; i++)
            {
                if (!batch.IsValid(i) || dValue[i] == 0) continue;
                TensorPrimitives.MultiplyAdd(vh.Data, dValue[i], dxf.AsSpan(i * c, c), dxf.AsSpan(i * c, c));
                if (dvw is not null) TensorPrimitives.MultiplyAdd(a.Xf.AsSpan(i * c, c), dValue[i], dvw, dvw);
            }
        }
        var fn = Get(new(ParameterKind.FinalNorm));
        RmsNorm.Backward(dxf, a.Final, fn.Data, a.RstdF, n, c, a.DRes, accumulate: false, GradOf(fn));

        var mask = new AttentionMask(batch.B, batch.T, batch.Lengths, batch.SegmentIds);
        for (int l = Config.NumLayers - 1; l >= 0; l--)
        {
            var la = a.Store(l);
            if (a.Mode == ActivationMode.Checkpointed) LayerForward(l, a.Input(l), a.TmpC, mask, n, a, la); // recompute; output to scratch
            LayerBackward(l, a.Input(l), mask, n, a, la);
        }

        var emb = Get(new(ParameterKind.TokenEmbedding));
        if (GradOf(emb) is { } dE) Embedding.Backward(a.DRes, a.Tokens, n, c, dE);
    }

    /// <summary>
    /// Full logits [B·T, V] for every position (padded rows are 0). Materializes B×T×V floats: for tests and
    /// small decoding batches only.
    /// </summary>
    public float[] Logits(Batch batch)
    {
        var a = Prepare(batch, keepActivations: false);
        RunLayers(batch, a);
        int n = batch.Rows, c = Config.HiddenSize, v = Config.VocabSize;
        RmsNorm.Forward(a.Final, Get(new(ParameterKind.FinalNorm)).Data, n, c, Config.RmsNormEps, a.Xf, a.RstdF);
        var logits = new float[n * v];
        Kernels.Gemm.XWt(a.Xf.AsSpan(0, n * c), LmHead.Data, n, v, c, logits);
        for (int i = 0; i < n; i++)
            if (!batch.IsValid(i)) logits.AsSpan(i * v, v).Clear();
        _forwardBatch = null; // Logits does not keep the head state Backward needs
        return logits;
    }

    static void CheckLength(int got, int want, string name, bool allowEmpty)
    {
        if (got == want || (allowEmpty && got == 0)) return;
        throw new ArgumentException($"model backward: {name} has {got} entries, expected B*T = {want}{(allowEmpty ? " or none" : "")}.");
    }

    static float[]? GradOf(Parameter p) => p.Frozen ? null : p.Grad;

    /// <summary>The head's input rows [M,C]: Xf itself when every row is scored, else the scored rows gathered.</summary>
    static float[] HeadInput(Activations a, int n, int c)
    {
        if (a.HeadCount == n) return a.Xf;
        for (int j = 0; j < a.HeadCount; j++) a.Xf.AsSpan(a.HeadRows[j] * c, c).CopyTo(a.HeadX.AsSpan(j * c, c));
        return a.HeadX;
    }

    /// <summary>Validates ids, sizes the buffers and writes embeddings into Resid[0].</summary>
    Activations Prepare(Batch batch, bool keepActivations)
    {
        int n = batch.Rows, v = Config.VocabSize;
        var mode = !keepActivations ? ActivationMode.ForwardOnly
            : ActivationCheckpointing ? ActivationMode.Checkpointed : ActivationMode.Stored;
        // Any buffer set can serve a forward-only pass; a backward needs the mode it was asked for.
        if (_acts is null || _acts.Rows < n || _acts.VocabChunk != VocabChunk || (keepActivations && _acts.Mode != mode))
            _acts = new Activations(Config, Math.Max(n, _acts?.Rows ?? 0), mode, VocabChunk);
        var a = _acts;
        int maxPos = 0;
        for (int i = 0; i < n; i++)
        {
            if (!batch.IsValid(i))
            {
                a.Tokens[i] = a.Targets[i] = a.Positions[i] = 0;
                continue;
            }
            // Targets matter only where the head scores; elsewhere (e.g. the last prompt token) any id is accepted.
            int tok = batch.Tokens[i], tgt = batch.IsScored(i) ? batch.Targets?[i] ?? 0 : 0, pos = batch.Position(i);
            if ((uint)tok >= (uint)v)
                throw new ArgumentException($"model forward: token id {tok} at row {i / batch.T}, position {i % batch.T} is outside [0, {v}). HINT: the tokenizer and the model's VocabSize must match.");
            if ((uint)tgt >= (uint)v)
                throw new ArgumentException($"model forward: target id {tgt} at row {i / batch.T}, position {i % batch.T} is outside [0, {v}). HINT: mark ignored positions as padding via lengths instead of using -100.");
            if ((uint)pos >= (uint)Config.MaxPositionEmbeddings)
                throw new ArgumentException($"model forward: position {pos} at row {i / batch.T} is outside [0, {Config.MaxPositionEmbeddings}). HINT: shorten the sequence below MaxPositionEmbeddings.");
            (a.Tokens[i], a.Targets[i], a.Positions[i]) = (tok, tgt, pos);
            maxPos = Math.Max(maxPos, pos);
        }
        a.HeadCount = 0;
        for (int i = 0; i < n; i++)
            if (batch.IsScored(i)) (a.HeadRows[a.HeadCount], a.HeadTargets[a.HeadCount++]) = (i, a.Targets[i]);
        _rope.EnsurePositions(maxPos + 1);
        Embedding.Forward(Get(new(ParameterKind.TokenEmbedding)).Data, a.Tokens, n, Config.HiddenSize, a.Input(0));
        _forwardBatch = null;
        return a;
    }

    void RunLayers(Batch batch, Activations a)
    {
        var mask = new AttentionMask(batch.B, batch.T, batch.Lengths, batch.SegmentIds);
        for (int l = 0; l < Config.NumLayers; l++)
            LayerForward(l, a.Input(l), a.Input(l + 1), mask, batch.Rows, a, a.Store(l));
    }

    /// <summary>x [N,C] → y [N,C]: y = h + down(silu(gate(n2(h)))·up(n2(h))), h = x + o(attn(rope(q), rope(k), v)).</summary>
    void LayerForward(int l, float[] x, float[] y, AttentionMask mask, int n, Activations a, LayerActivations s)
    {
        var w = _layers[l];
        var cfg = Config;
        int c = cfg.HiddenSize, nh = cfg.NumHeads, nkv = cfg.NumKvHeads, hd = cfg.HeadDim, qd = nh * hd, kvd = nkv * hd, inter = cfg.IntermediateSize;
        RmsNorm.Forward(x, w.AttnNorm.Data, n, c, cfg.RmsNormEps, s.Xn1, s.Rstd1);
        if (cfg.QkNorm)
        {
            Linear.Forward(s.Xn1, w.QProj.Data, w.QBias?.Data, n, qd, c, s.QPre!);
            Linear.Forward(s.Xn1, w.KProj.Data, w.KBias?.Data, n, kvd, c, s.KPre!);
            RmsNorm.Forward(s.QPre!, w.QNorm!.Data, n * nh, hd, cfg.RmsNormEps, s.Q, s.QRstd!);
            RmsNorm.Forward(s.KPre!, w.KNorm!.Data, n * nkv, hd, cfg.RmsNormEps, s.K, s.KRstd!);
        }
        else
        {
            Linear.Forward(s.Xn1, w.QProj.Data, w.QBias?.Data, n, qd, c, s.Q);
            Linear.Forward(s.Xn1, w.KProj.Data, w.KBias?.Data, n, kvd, c, s.K);
        }
        Linear.Forward(s.Xn1, w.VProj.Data, w.VBias?.Data, n, kvd, c, s.V);
        Rope.Forward(s.Q, a.Positions, n, nh, hd, _rope);
        Rope.Forward(s.K, a.Positions, n, nkv, hd, _rope);
        Attention.Forward(s.Q, s.K, s.V, mask, nh, nkv, hd, s.AttOut, s.AttLse);
        Linear.Forward(s.AttOut, w.OProj.Data, w.OBias?.Data, n, c, qd, a.TmpC);
        TensorPrimitives.Add(x.AsSpan(0, n * c), a.TmpC.AsSpan(0, n * c), s.H.AsSpan(0, n * c));
        RmsNorm.Forward(s.H, w.MlpNorm.Data, n, c, cfg.RmsNormEps, s.Xn2, s.Rstd2);
        Linear.Forward(s.Xn2, w.GateProj.Data, null, n, inter, c, s.Gate);
        Linear.Forward(s.Xn2, w.UpProj.Data, null, n, inter, c, s.Up);
        SwiGlu.Forward(s.Gate, s.Up, n * inter, s.Act);
        Linear.Forward(s.Act, w.DownProj.Data, null, n, c, inter, a.TmpC);
        TensorPrimitives.Add(s.H.AsSpan(0, n * c), a.TmpC.AsSpan(0, n * c), y.AsSpan(0, n * c));
    }

    /// <summary>On entry a.DRes [N,C] = d(loss)/d(layer output); on exit d(loss)/d(layer input x).</summary>
    void LayerBackward(int l, float[] x, AttentionMask mask, int n, Activations a, LayerActivations s)
    {
        var w = _layers[l];
        var cfg = Config;
        int c = cfg.HiddenSize, nh = cfg.NumHeads, nkv = cfg.NumKvHeads, hd = cfg.HeadDim, qd = nh * hd, kvd = nkv * hd, inter = cfg.IntermediateSize;
        // MLP branch: y = h + down(act). The residual passes DRes straight through to h.
        Linear.Backward(a.DRes, s.Act, w.DownProj.Data, n, c, inter, a.DAct, false, GradOf(w.DownProj), null);
        SwiGlu.Backward(a.DAct, s.Gate, s.Up, n * inter, a.DGate, a.DUp);
        Linear.Backward(a.DGate, s.Xn2, w.GateProj.Data, n, inter, c, a.DXn, false, GradOf(w.GateProj), null);
        Linear.Backward(a.DUp, s.Xn2, w.UpProj.Data, n, inter, c, a.DXn, true, GradOf(w.UpProj), null);
        RmsNorm.Backward(a.DXn, s.H, w.MlpNorm.Data, s.Rstd2, n, c, a.DRes, accumulate: true, GradOf(w.MlpNorm));

        // Attention branch: h = x + o(attn). DRes is now d/dh.
        Linear.Backward(a.DRes, s.AttOut, w.OProj.Data, n, c, qd, a.DAtt, false, GradOf(w.OProj), w.OBias is null ? null : GradOf(w.OBias));
        Attention.Backward(a.DAtt, s.Q, s.K, s.V, s.AttOut, s.AttLse, mask, nh, nkv, hd, a.DQ, a.DK, a.DV);
        Rope.Backward(a.DQ, a.Positions, n, nh, hd, _rope);
        Rope.Backward(a.DK, a.Positions, n, nkv, hd, _rope);
        float[] dq = a.DQ, dk = a.DK;
        if (cfg.QkNorm)
        {
            RmsNorm.Backward(a.DQ, s.QPre!, w.QNorm!.Data, s.QRstd!, n * nh, hd, a.DQPre!, false, GradOf(w.QNorm));
            RmsNorm.Backward(a.DK, s.KPre!, w.KNorm!.Data, s.KRstd!, n * nkv, hd, a.DKPre!, false, GradOf(w.KNorm!));
            (dq, dk) = (a.DQPre!, a.DKPre!);
        }
        Linear.Backward(dq, s.Xn1, w.QProj.Data, n, qd, c, a.DXn, false, GradOf(w.QProj), w.QBias is null ? null : GradOf(w.QBias));
        Linear.Backward(dk, s.Xn1, w.KProj.Data, n, kvd, c, a.DXn, true, GradOf(w.KProj), w.KBias is null ? null : GradOf(w.KBias));
        Linear.Backward(a.DV, s.Xn1, w.VProj.Data, n, kvd, c, a.DXn, true, GradOf(w.VProj), w.VBias is null ? null : GradOf(w.VBias));
        RmsNorm.Backward(a.DXn, x, w.AttnNorm.Data, s.Rstd1, n, c, a.DRes, accumulate: true, GradOf(w.AttnNorm));
    }
}
