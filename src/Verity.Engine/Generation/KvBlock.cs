namespace Verity.Engine.Generation;

/// <summary>
/// Keys and values of a contiguous run of positions [Start, Start + Length) of one sequence, for every
/// layer. Keyed by kv head, so GQA never repeats K/V: per layer K and V are [NKV, Capacity, HD], each kv
/// head's keys contiguous for the attention dot products. A prompt's block is filled once by prefill
/// and then shared read-only by its n samples, each of which appends into a block of its own.
/// </summary>
internal sealed class KvBlock
{
    public KvBlock(int layers, int kvHeads, int headDim, int start, int capacity)
    {
        Start = start;
        Capacity = capacity;
        KvHeads = kvHeads;
        HeadDim = headDim;
        K = new float[layers][];
        V = new float[layers][];
        for (int l = 0; l < layers; l++)
        {
            K[l] = new float[kvHeads * capacity * headDim];
            V[l] = new float[kvHeads * capacity * headDim];
        }
    }

    /// <summary>Absolute position of the first slot.</summary>
    public int Start { get; private set; }

    public int Capacity { get; }

    public int KvHeads { get; }

    public int HeadDim { get; }

    /// <summary>Slots written so far (positions Start .. Start + Length − 1).</summary>
    public int Length { get; set; }

    /// <summary>Per layer [NKV, Capacity, HD].</summary>
    public float[][] K { get; }

    /// <summary>Per layer [NKV, Capacity, HD].</summary>
    public float[][] V { get; }

    /// <summary>Makes a released block a fresh one at <paramref name="start"/>; the old contents stay, unread.</summary>
    public void Reset(int start)
    {
        Start = start;
        Length = 0;
    }

    /// <summary>Floats held, for the KV memory budget.</summary>
    public long Floats => 2L * K.Length * KvHeads * Capacity * HeadDim;

    /// <summary>Offset of (kv head, slot) in a layer's K or V array.</summary>
    public int Offset(int kvHead, int slot) => (kvHead * Capacity + slot) * HeadDim;

    /// <summary>Floats a block of <paramref name="capacity"/> positions takes for this model shape.</summary>
    public static long FloatsFor(int layers, int kvHeads, int headDim, int capacity) => 2L * layers * kvHeads * capacity * headDim;
}

/// <summary>The cache one sequence reads: an optional shared prefix block, then its own block.</summary>
internal sealed class SequenceCache(KvBlock? prefix, KvBlock own)
{
    public KvBlock? Prefix { get; } = prefix;

    public KvBlock Own { get; } = own;

    /// <summary>Positions cached so far.</summary>
    public int Length => (Prefix?.Length ?? 0) + Own.Length;
}
