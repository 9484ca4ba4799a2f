namespace Verity.Engine.Model;

/// <summary>
/// What one layer's forward keeps for its backward (N = B·T rows, QD = NH·HD, KVD = NKV·HD, I = intermediate).
/// With activation checkpointing a single instance is reused: each layer is recomputed from its input in backward.
/// </summary>
internal sealed class LayerActivations
{
    public LayerActivations(ModelConfig c, int n)
    {
        int qd = c.NumHeads * c.HeadDim, kvd = c.NumKvHeads * c.HeadDim, i = c.IntermediateSize;
        Xn1 = new float[n * c.HiddenSize];
        Rstd1 = new float[n];
        if (c.QkNorm)
        {
            QPre = new float[n * qd];
            QRstd = new float[n * c.NumHeads];
            KPre = new float[n * kvd];
            KRstd = new float[n * c.NumKvHeads];
        }
        Q = new float[n * qd];
        K = new float[n * kvd];
        V = new float[n * kvd];
        AttOut = new float[n * qd];
        AttLse = new float[n * c.NumHeads];
        H = new float[n * c.HiddenSize];
        Xn2 = new float[n * c.HiddenSize];
        Rstd2 = new float[n];
        Gate = new float[n * i];
        Up = new float[n * i];
        Act = new float[n * i];
    }

    public float[] Xn1;      // [N,C]   attention-norm output
    public float[] Rstd1;    // [N]
    public float[]? QPre;    // [N,QD]  q before q_norm (Qwen3)
    public float[]? QRstd;   // [N·NH]
    public float[]? KPre;    // [N,KVD]
    public float[]? KRstd;   // [N·NKV]
    public float[] Q;        // [B,T,NH,HD]  after norm and RoPE
    public float[] K;        // [B,T,NKV,HD] after norm and RoPE
    public float[] V;        // [B,T,NKV,HD]
    public float[] AttOut;   // [B,T,NH,HD]
    public float[] AttLse;   // [B,NH,T]
    public float[] H;        // [N,C]   residual after attention
    public float[] Xn2;      // [N,C]   MLP-norm output
    public float[] Rstd2;    // [N]
    public float[] Gate;     // [N,I]
    public float[] Up;       // [N,I]
    public float[] Act;      // [N,I]   silu(gate)·up
}

/// <summary>What a forward keeps for backward.</summary>
internal enum ActivationMode
{
    Stored,        // every layer's activations: fastest backward
    Checkpointed,  // only layer inputs; backward recomputes each layer
    ForwardOnly,   // two ping-pong residual buffers and one layer scratch; no backward possible
}

/// <summary>All buffers for up to <see cref="Rows"/> = B·T rows, reused by every batch that fits.</summary>
internal sealed class Activations
{
    public Activations(ModelConfig c, int n, ActivationMode mode, int vocabChunk)
    {
        (Rows, Mode, VocabChunk, _numLayers) = (n, mode, vocabChunk, c.NumLayers);
        int cc = c.HiddenSize, qd = c.NumHeads * c.HeadDim, kvd = c.NumKvHeads * c.HeadDim, i = c.IntermediateSize;
        Resid = new float[mode == ActivationMode.ForwardOnly ? 2 : c.NumLayers + 1][];
        for (int l = 0; l < Resid.Length; l++) Resid[l] = new float[n * cc];
        Layers = new LayerActivations[mode == ActivationMode.Stored ? c.NumLayers : 1];
        for (int l = 0; l < Layers.Length; l++) Layers[l] = new LayerActivations(c, n);
        if (mode == ActivationMode.ForwardOnly)
        {
            // The gradient buffers below are never touched without a backward.
            n = 0;
            qd = kvd = i = 0;
        }
        Tokens = new int[Rows];
        Targets = new int[Rows];
        Positions = new int[Rows];
        TmpC = new float[Rows * cc];
        Xf = new float[Rows * cc];
        RstdF = new float[Rows];
        Lse = new float[Rows];
        Entropy = new float[Rows];
        LogProb = new float[Rows];
        HeadRows = new int[Rows];
        HeadTargets = new int[Rows];
        HeadX = new float[Rows * cc];
        HeadScratch = new float[Rows * Math.Min(vocabChunk, c.VocabSize)];
        DRes = new float[n * cc];
        DXn = new float[n * cc];
        DQ = new float[n * qd];
        DK = new float[n * kvd];
        DV = new float[n * kvd];
        DQPre = c.QkNorm ? new float[n * qd] : null;
        DKPre = c.QkNorm ? new float[n * kvd] : null;
        DAtt = new float[n * qd];
        DAct = new float[n * i];
        DGate = new float[n * i];
        DUp = new float[n * i];
        DLogProb = new float[n];
        DEntropy = new float[n];
        DHeadX = new float[n * cc];
    }

    readonly int _numLayers;
    public int Rows, VocabChunk;
    public float Temperature = 1f;   // of the last forward, for its backward
    public ActivationMode Mode;
    public float[][] Resid;          // [L+1][N,C] layer inputs, Resid[L] the last output ([2] ping-pong when ForwardOnly)
    public LayerActivations[] Layers;

    /// <summary>Input of layer l, or for l = L the last layer's output.</summary>
    public float[] Input(int l) => Resid[Mode == ActivationMode.ForwardOnly ? l % 2 : l];

    public float[] Final => Input(_numLayers);

    /// <summary>Where layer l keeps its activations (shared scratch unless Stored).</summary>
    public LayerActivations Store(int l) => Layers[Mode == ActivationMode.Stored ? l : 0];
    public int[] Tokens, Targets, Positions;   // [N] with padding replaced by 0
    public float[] TmpC;             // [N,C] o_proj / down_proj output before the residual add
    public float[] Xf, RstdF;        // [N,C], [N] final norm
    public int HeadCount;            // M: rows the log-prob head scores (valid and in the score mask)
    public int[] HeadRows, HeadTargets;        // [M] row index into [N], its target
    public float[] HeadX;            // [M,C] final-normed rows gathered for the head (unused when M = N)
    public float[] Lse, Entropy, LogProb;      // [M] head outputs, compact
    public float[] HeadScratch;      // [N, vocab chunk]
    public float[] DRes, DXn;        // [N,C]
    public float[] DQ, DK, DV, DAtt; // [N,QD], [N,KVD], [N,KVD], [N,QD]
    public float[]? DQPre, DKPre;    // [N,QD], [N,KVD]
    public float[] DAct, DGate, DUp; // [N,I]
    public float[] DLogProb, DEntropy;         // [M] upstream grads of the scored rows
    public float[] DHeadX;           // [M,C]
}
