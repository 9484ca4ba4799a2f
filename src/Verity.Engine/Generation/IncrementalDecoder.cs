using System.Numerics.Tensors;
using System.Runtime.Intrinsics.X86;
using Verity.Engine.Model;
using Verity.Engine.Ops;

namespace Verity.Engine.Generation;

/// <summary>One token to run: the sequence's cache, the token id, and its absolute position.</summary>
internal readonly record struct DecodeRow(SequenceCache Cache, int Token, int Position);

/// <summary>
/// The model's forward for generation: runs N new tokens (any mix of sequences; rows of one sequence
/// consecutive with increasing positions) against their KV caches, appends their K/V, and returns the
/// logits of the rows asked for. Prefill is a call with a prompt's tokens; a decode step is a call with
/// one token per active sequence, so every weight matrix is streamed once per step for all of them.
/// Uses the same ops as <see cref="TransformerModel"/> (same math, same order within a row), so the
/// log-probs agree with the training forward to float32 rounding. Every row's result depends only on
/// its own sequence, whatever else is in the call (to float32 rounding).
/// </summary>
internal sealed class IncrementalDecoder
{
    readonly TransformerModel _model;
    readonly ModelConfig _cfg;
    readonly RopeTable _rope;
    readonly Parameter _embed, _finalNorm, _lmHead;
    readonly (Parameter AttnNorm, Parameter Q, Parameter K, Parameter V, Parameter O, Parameter? QB, Parameter? KB, Parameter? VB, Parameter? OB,
        Parameter? QN, Parameter? KN, Parameter MlpNorm, Parameter Gate, Parameter Up, Parameter Down)[] _layers;

    // Scratch sized for the largest call so far: [N, C], [N, NH·HD], [N, NKV·HD], [N, I], [N]; SwiGlu needs act ≠ gate
    float[] _x = [], _xn = [], _q = [], _k = [], _v = [], _att = [], _tmp = [], _gate = [], _up = [], _act = [], _rstd = [], _rstdH = [];
    int[] _pos = [];

    public IncrementalDecoder(TransformerModel model)
    {
        _model = model;
        _cfg = model.Config;
        _rope = new RopeTable(Rope.InverseFrequencies(_cfg));
        _embed = model.Get(new(ParameterKind.TokenEmbedding));
        _finalNorm = model.Get(new(ParameterKind.FinalNorm));
        _lmHead = model.LmHead;
        _layers = new (Parameter, Parameter, Parameter, Parameter, Parameter, Parameter?, Parameter?, Parameter?, Parameter?, Parameter?, Parameter?, Parameter, Parameter, Parameter, Parameter)[_cfg.NumLayers];
        for (int l = 0; l < _cfg.NumLayers; l++)
        {
            Parameter P(ParameterKind k) => model.Get(new(k, l));
            Parameter? O(ParameterKind k) => model.TryGet(new(k, l), out var p) ? p : null;
            _layers[l] = (P(ParameterKind.AttnNorm), P(ParameterKind.QProj), P(ParameterKind.KProj), P(ParameterKind.VProj), P(ParameterKind.OProj),
                O(ParameterKind.QBias), O(ParameterKind.KBias), O(ParameterKind.VBias), O(ParameterKind.OBias), O(ParameterKind.QNorm), O(ParameterKind.KNorm),
                P(ParameterKind.MlpNorm), P(ParameterKind.GateProj), P(ParameterKind.UpProj), P(ParameterKind.DownProj));
        }
    }

    public ModelConfig Config => _cfg;

    /// <summary>
    /// Single-row calls use <see cref="Linear.ForwardOneRowStream"/> (default); off, they take the general products.
    /// Both give the same logits; the switch lets a test compare them and a lab time them against each other.
    /// </summary>
    internal static bool StreamOneRow = true;

    /// <summary>
    /// Runs <paramref name="rows"/> and writes the logits of rows <paramref name="logitRows"/> (indices
    /// into rows) to <paramref name="logits"/> [logitRows.Count, V].
    /// </summary>
    public void Run(IReadOnlyList<DecodeRow> rows, IReadOnlyList<int> logitRows, float[] logits)
    {
        int n = rows.Count, c = _cfg.HiddenSize, nh = _cfg.NumHeads, nkv = _cfg.NumKvHeads, hd = _cfg.HeadDim;
        int qd = nh * hd, kvd = nkv * hd, inter = _cfg.IntermediateSize, v = _cfg.VocabSize;
        float eps = _cfg.RmsNormEps;
        Ensure(n);
        int maxPos = 0;
        for (int i = 0; i < n; i++)
        {
            _pos[i] = rows[i].Position;
            maxPos = Math.Max(maxPos, rows[i].Position);
            int tok = rows[i].Token;
            if ((uint)tok >= (uint)v)
                throw new ArgumentException($"generation: token id {tok} is outside the vocabulary [0, {v}).");
            _embed.Data.AsSpan(tok * c, c).CopyTo(_x.AsSpan(i * c, c));
        }
        _rope.EnsurePositions(maxPos + 1);
        // a single row (single-sequence decode): each thread's weight read runs on from one product into the next
        bool oneRow = n == 1 && StreamOneRow;

        for (int l = 0; l < _cfg.NumLayers; l++)
        {
            var w = _layers[l];
            // attention block: xn = norm(x); q,k,v = proj(xn); q/k norm; RoPE; append K/V; attend; x += o(att)
            RmsNorm.Forward(_x, w.AttnNorm.Data, n, c, eps, _xn, _rstd);
            PrefetchCachePages(l, rows, n);
            if (oneRow) Linear.ForwardOneRowStream(_xn, [w.Q.Data, w.K.Data, w.V.Data], [w.QB?.Data, w.KB?.Data, w.VB?.Data], [qd, kvd, kvd], c, [_q, _k, _v], [w.O.Data], [c], qd);
            else Linear.ForwardMany(_xn, [w.Q.Data, w.K.Data, w.V.Data], [w.QB?.Data, w.KB?.Data, w.VB?.Data], n, [qd, kvd, kvd], c, [_q, _k, _v]);
            if (w.QN is not null) RmsNorm.Forward(_q, w.QN.Data, n * nh, hd, eps, _q, _rstdH);
            if (w.KN is not null) RmsNorm.Forward(_k, w.KN.Data, n * nkv, hd, eps, _k, _rstdH);
            Rope.Forward(_q, _pos, n, nh, hd, _rope);
            Rope.Forward(_k, _pos, n, nkv, hd, _rope);
            Append(l, rows, n);
            Attend(l, rows, n);
            if (oneRow) Linear.ForwardOneRowStream(_att, [w.O.Data], [w.OB?.Data], [c], qd, [_tmp], [w.Gate.Data, w.Up.Data], [inter, inter], c);
            else Linear.Forward(_att, w.O.Data, w.OB?.Data, n, c, qd, _tmp);
            TensorPrimitives.Add(_x.AsSpan(0, n * c), _tmp.AsSpan(0, n * c), _x.AsSpan(0, n * c));
            // MLP block: x += down(silu(gate(xn)) ⊙ up(xn)), xn = norm(x)
            RmsNorm.Forward(_x, w.MlpNorm.Data, n, c, eps, _xn, _rstd);
            if (oneRow) Linear.ForwardOneRowStream(_xn, [w.Gate.Data, w.Up.Data], [null, null], [inter, inter], c, [_gate, _up], [w.Down.Data], [c], inter);
            else Linear.ForwardMany(_xn, [w.Gate.Data, w.Up.Data], [null, null], n, [inter, inter], c, [_gate, _up]);
            SwiGlu.Forward(_gate, _up, n * inter, _act);
            if (oneRow && l + 1 < _cfg.NumLayers)
            {
                var nl = _layers[l + 1];
                Linear.ForwardOneRowStream(_act, [w.Down.Data], [null], [c], inter, [_tmp], [nl.Q.Data, nl.K.Data, nl.V.Data], [qd, kvd, kvd], c);
            }
            else if (oneRow) Linear.ForwardOneRowStream(_act, [w.Down.Data], [null], [c], inter, [_tmp], [_lmHead.Data], [v], c);
            else Linear.Forward(_act, w.Down.Data, null, n, c, inter, _tmp);
            TensorPrimitives.Add(_x.AsSpan(0, n * c), _tmp.AsSpan(0, n * c), _x.AsSpan(0, n * c));
        }
        for (int i = 0; i < n; i++) rows[i].Cache.Own.Length = Math.Max(rows[i].Cache.Own.Length, rows[i].Position - rows[i].Cache.Own.Start + 1);

        // head: only the rows whose next token is wanted
        int m = logitRows.Count;
        for (int j = 0; j < m; j++) _x.AsSpan(logitRows[j] * c, c).CopyTo(_tmp.AsSpan(j * c, c));
        RmsNorm.Forward(_tmp, _finalNorm.Data, m, c, eps, _xn, _rstd);
        Kernels.Gemm.XWt(_xn.AsSpan(0, m * c), _lmHead.Data, m, v, c, logits.AsSpan(0, m * v));
    }

    /// <summary>Writes each row's k/v [NKV·HD] into its sequence's own block at its position.</summary>
    void Append(int layer, IReadOnlyList<DecodeRow> rows, int n)
    {
        int nkv = _cfg.NumKvHeads, hd = _cfg.HeadDim;
        for (int i = 0; i < n; i++)
        {
            var own = rows[i].Cache.Own;
            int slot = rows[i].Position - own.Start;
            if ((uint)slot >= (uint)own.Capacity)
                throw new InvalidOperationException($"generation: position {rows[i].Position} is outside the sequence's KV block [{own.Start}, {own.Start + own.Capacity}).");
            for (int h = 0; h < nkv; h++)
            {
                _k.AsSpan((i * nkv + h) * hd, hd).CopyTo(own.K[layer].AsSpan(own.Offset(h, slot), hd));
                _v.AsSpan((i * nkv + h) * hd, hd).CopyTo(own.V[layer].AsSpan(own.Offset(h, slot), hd));
            }
        }
    }

    /// <summary>
    /// Before the layer's q/k/v product, asks for one cache line in every 4 KB page of the K/V this layer's
    /// attention will read and its append will write, once per sequence. The cache was last touched a whole
    /// token ago, so both its lines and its page translations are cold; a single-token step's append and
    /// attention run on one thread each between two weight products, and each page's first access there was a
    /// page walk and a memory round trip in series. Issued here (~80 prefetches a layer for SmolLM2-135M at 192
    /// positions), they resolve while the product streams: attention 0.42–0.44 → 0.37–0.39 ms and the append
    /// 0.022 → 0.005 ms per token.
    /// </summary>
    unsafe void PrefetchCachePages(int layer, IReadOnlyList<DecodeRow> rows, int n)
    {
        if (!Sse.IsSupported) return;
        const int PageFloats = 1024;
        int nkv = _cfg.NumKvHeads, hd = _cfg.HeadDim;
        for (int i = 0; i < n; i++)
        {
            var cache = rows[i].Cache;
            if (i > 0 && ReferenceEquals(rows[i - 1].Cache, cache)) continue; // a prefill's rows share one cache
            int len = rows[i].Position + 1;
            foreach (var block in (ReadOnlySpan<KvBlock?>)[cache.Prefix, cache.Own])
            {
                if (block is null) continue;
                int slots = Math.Clamp(len - block.Start, 0, block.Capacity);
                if (slots == 0) continue;
                fixed (float* k = block.K[layer], v = block.V[layer])
                    for (int h = 0; h < nkv; h++)
                    {
                        float* kh = k + block.Offset(h, 0), vh = v + block.Offset(h, 0);
                        for (long f = 0; f < (long)slots * hd; f += PageFloats)
                        {
                            Sse.Prefetch0(kh + f);
                            Sse.Prefetch0(vh + f);
                        }
                        Sse.Prefetch0(kh + (long)(slots - 1) * hd);
                        Sse.Prefetch0(vh + (long)(slots - 1) * hd);
                    }
            }
        }
    }

    /// <summary>
    /// Causal attention of each row over its sequence's cache, positions 0..Position: the shared prefix
    /// block, then the own block. q [N, NH, HD] → att [N, NH, HD]. One task per (row, kv head), which runs
    /// the kv head's query heads together (<see cref="DecodeAttention"/>).
    /// </summary>
    unsafe void Attend(int layer, IReadOnlyList<DecodeRow> rows, int n)
    {
        int nh = _cfg.NumHeads, nkv = _cfg.NumKvHeads, hd = _cfg.HeadDim, group = nh / nkv;
        float scale = 1f / MathF.Sqrt(hd);
        long work = 0;
        for (int i = 0; i < n; i++) work += rows[i].Position + 1;
        RowParallel.For(n * nkv, Math.Max(1, work / Math.Max(1, n)) * group * hd * 2, (start, end) =>
        {
            float[] scores = [];
            for (int task = start; task < end; task++)
            {
                int i = task / nkv, kvh = task % nkv;
                var row = rows[i];
                int len = row.Position + 1;
                if (scores.Length < group * len) scores = new float[Math.Max(group * len, 2 * scores.Length)];
                var prefix = row.Cache.Prefix;
                int pre = Math.Min(prefix?.Length ?? 0, len);
                var own = row.Cache.Own;
                fixed (float* q = _q, att = _att, sc = scores, pk = prefix?.K[layer], pv = prefix?.V[layer], ok = own.K[layer], ov = own.V[layer])
                {
                    var first = pre == 0 ? default : new DecodeAttention.Run(pk + prefix!.Offset(kvh, -prefix.Start), pv + prefix.Offset(kvh, -prefix.Start), pre);
                    var second = new DecodeAttention.Run(ok + own.Offset(kvh, pre - own.Start), ov + own.Offset(kvh, pre - own.Start), len - pre);
                    int head0 = (i * nh + kvh * group) * hd;
                    DecodeAttention.Attend(q + head0, group, hd, scale, first, second, sc, att + head0);
                }
            }
        });
    }

    void Ensure(int n)
    {
        if (_pos.Length >= n) return;
        int cap = Math.Max(n, 2 * _pos.Length);
        int c = _cfg.HiddenSize, qd = _cfg.NumHeads * _cfg.HeadDim, kvd = _cfg.NumKvHeads * _cfg.HeadDim, inter = _cfg.IntermediateSize;
        _x = new float[cap * c]; _xn = new float[cap * c]; _tmp = new float[cap * Math.Max(c, qd)];
        _q = new float[cap * qd]; _att = new float[cap * qd]; _k = new float[cap * kvd]; _v = new float[cap * kvd];
        _gate = new float[cap * inter]; _up = new float[cap * inter]; _act = new float[cap * inter];
        _rstd = new float[cap]; _rstdH = new float[cap * _cfg.NumHeads];
        _pos = new int[cap];
    }
}
