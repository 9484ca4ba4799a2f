namespace Verity.Engine.Model;

/// <summary>
/// Keys and values of past positions for incremental decoding, keyed by kv head so GQA never repeats them:
/// per layer K and V are [slots, NKV, capacity, HD]. A slot holds one sequence; <see cref="Copy"/> clones a
/// prefilled prompt into other slots (one prefill shared by the n samples of a GRPO group).
/// </summary>
public sealed class KvCache
{
    readonly int[] _lengths;

    public KvCache(ModelConfig config, int slots, int capacity)
    {
        if (slots <= 0 || capacity <= 0)
            throw new ArgumentException($"kv cache: slots ({slots}) and capacity ({capacity}) must be positive.");
        (Slots, Capacity, NumKvHeads, HeadDim) = (slots, capacity, config.NumKvHeads, config.HeadDim);
        long per = (long)slots * config.NumKvHeads * capacity * config.HeadDim;
        if (per > Array.MaxLength)
            throw new ArgumentException($"kv cache: {slots} slots × {capacity} positions exceed one array per layer. HINT: lower the slots or the capacity.");
        K = new float[config.NumLayers][];
        V = new float[config.NumLayers][];
        for (int l = 0; l < config.NumLayers; l++)
        {
            K[l] = new float[per];
            V[l] = new float[per];
        }
        _lengths = new int[slots];
    }

    public int Slots { get; }

    /// <summary>Most positions a slot can hold.</summary>
    public int Capacity { get; }

    internal int NumKvHeads { get; }

    internal int HeadDim { get; }

    /// <summary>Per layer [slots, NKV, capacity, HD].</summary>
    internal float[][] K { get; }

    internal float[][] V { get; }

    /// <summary>Positions already cached in a slot (the next token goes at this position).</summary>
    public int Length(int slot) => _lengths[slot];

    internal void SetLength(int slot, int length) => _lengths[slot] = length;

    /// <summary>Empties a slot.</summary>
    public void Reset(int slot) => _lengths[slot] = 0;

    /// <summary>Makes slot <paramref name="to"/> a copy of slot <paramref name="from"/> (its cached positions only).</summary>
    public void Copy(int from, int to)
    {
        if (from == to) return;
        int len = _lengths[from], block = Capacity * HeadDim;
        for (int l = 0; l < K.Length; l++)
            for (int kvh = 0; kvh < NumKvHeads; kvh++)
            {
                Array.Copy(K[l], (long)(from * NumKvHeads + kvh) * block, K[l], (long)(to * NumKvHeads + kvh) * block, (long)len * HeadDim);
                Array.Copy(V[l], (long)(from * NumKvHeads + kvh) * block, V[l], (long)(to * NumKvHeads + kvh) * block, (long)len * HeadDim);
            }
        _lengths[to] = len;
    }

    /// <summary>Offset of (slot, kv head, position) in a layer's K or V.</summary>
    internal long Offset(int slot, int kvh, int pos) => ((long)(slot * NumKvHeads + kvh) * Capacity + pos) * HeadDim;
}
