namespace Verity.Engine.Model;

/// <summary>
/// A batch of B right-padded token rows of length T for <see cref="TransformerModel"/>. Row b holds
/// <c>Lengths[b]</c> valid tokens followed by padding; the token and target ids at padded positions are ignored
/// and those positions produce zero outputs and receive zero gradient.
/// Packing: several documents may share a row when <see cref="SegmentIds"/> is given (attention stays within a
/// segment; segments must be contiguous) and <see cref="PositionIds"/> restarts at each document.
/// All arrays are [B, T] row-major except <see cref="Lengths"/> [B].
/// </summary>
public sealed class Batch
{
    /// <param name="batchSize">B, number of rows.</param>
    /// <param name="seqLen">T, positions per row.</param>
    /// <param name="tokens">Input token ids [B,T].</param>
    /// <param name="lengths">Valid tokens per row [B], each in [0, T].</param>
    /// <param name="targets">Token whose log-prob is reported at each position [B,T] (usually the next token); null gives log-prob 0.</param>
    /// <param name="positionIds">RoPE positions [B,T]; null means 0..T−1 in every row.</param>
    /// <param name="segmentIds">Document id per position [B,T] for packing; null means one document per row.</param>
    /// <param name="scoreMask">Positions whose target log-prob and entropy are wanted [B,T] (e.g. completion tokens
    /// only); the LM head then skips the others, which report 0 and ignore their upstream gradient. Null scores every
    /// valid position.</param>
    public Batch(int batchSize, int seqLen, int[] tokens, int[] lengths, int[]? targets = null, int[]? positionIds = null, int[]? segmentIds = null,
        bool[]? scoreMask = null)
    {
        if (batchSize <= 0 || seqLen <= 0)
            throw new ArgumentException($"batch: B and T must be positive, got B={batchSize}, T={seqLen}.");
        int n = batchSize * seqLen;
        Check(tokens.Length, n, "tokens");
        Check(lengths.Length, batchSize, "lengths");
        if (targets is not null) Check(targets.Length, n, "targets");
        if (positionIds is not null) Check(positionIds.Length, n, "positionIds");
        if (segmentIds is not null) Check(segmentIds.Length, n, "segmentIds");
        if (scoreMask is not null) Check(scoreMask.Length, n, "scoreMask");
        for (int b = 0; b < batchSize; b++)
            if (lengths[b] < 0 || lengths[b] > seqLen)
                throw new ArgumentException($"batch: lengths[{b}] = {lengths[b]} is outside [0, {seqLen}]. HINT: lengths count the valid (unpadded) tokens of each row.");
        (B, T, Tokens, Lengths, Targets, PositionIds, SegmentIds, ScoreMask) = (batchSize, seqLen, tokens, lengths, targets, positionIds, segmentIds, scoreMask);
    }

    /// <summary>Right-pads sequences of different lengths into one batch; targets (if given) align with the inputs.</summary>
    public static Batch FromSequences(IReadOnlyList<int[]> inputs, IReadOnlyList<int[]>? targets = null)
    {
        int b = inputs.Count, t = Math.Max(1, inputs.Max(s => s.Length));
        var tok = new int[b * t];
        var tgt = targets is null ? null : new int[b * t];
        var len = new int[b];
        for (int i = 0; i < b; i++)
        {
            len[i] = inputs[i].Length;
            inputs[i].CopyTo(tok, i * t);
            if (tgt is not null)
            {
                if (targets![i].Length != len[i])
                    throw new ArgumentException($"batch: targets[{i}] has {targets[i].Length} ids but inputs[{i}] has {len[i]}. HINT: give one target per input position.");
                targets[i].CopyTo(tgt, i * t);
            }
        }
        return new Batch(b, t, tok, len, tgt);
    }

    static void Check(int got, int want, string name)
    {
        if (got != want) throw new ArgumentException($"batch: {name} has {got} entries, expected {want}. HINT: pass [B*T] row-major arrays (lengths is [B]).");
    }

    public int B { get; }

    public int T { get; }

    /// <summary>B·T.</summary>
    public int Rows => B * T;

    public int[] Tokens { get; }

    public int[] Lengths { get; }

    public int[]? Targets { get; }

    public int[]? PositionIds { get; }

    public int[]? SegmentIds { get; }

    public bool[]? ScoreMask { get; }

    /// <summary>True for a real token, false for padding; row = b·T + t.</summary>
    public bool IsValid(int row) => row % T < Lengths[row / T];

    /// <summary>True where the LM head computes log-prob and entropy: a valid position inside the score mask.</summary>
    public bool IsScored(int row) => IsValid(row) && (ScoreMask?[row] ?? true);

    /// <summary>RoPE position of a row.</summary>
    public int Position(int row) => PositionIds?[row] ?? row % T;
}
