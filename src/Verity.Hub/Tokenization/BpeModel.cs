using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace Verity.Hub.Tokenization;

/// <summary>
/// Byte-level BPE: a word's UTF-8 bytes start as the 256 byte tokens, then the adjacent pair with the
/// lowest merge rank is merged (leftmost first on ties) until no pair has a rank. Words are cached.
/// </summary>
internal sealed class BpeModel
{
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabBySpan;
    private readonly string[] _idToToken;
    // pair (left id, right id) packed in a long → (rank, merged id)
    private readonly Dictionary<long, (int Rank, int Id)> _merges;
    private readonly int[] _byteToId = new int[256];
    private readonly bool _ignoreMerges;
    private readonly ConcurrentDictionary<string, int[]> _cache = new();
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheBySpan;

    private const int CacheLimit = 200_000;
    private const int MaxCachedWordChars = 128;
    private const int HeapThreshold = 48;

    public BpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges, bool ignoreMerges, string file)
    {
        _vocab = vocab;
        _vocabBySpan = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _cacheBySpan = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        _ignoreMerges = ignoreMerges;
        int maxId = vocab.Count == 0 ? -1 : vocab.Values.Max();
        _idToToken = new string[maxId + 1];
        foreach (var (tok, id) in vocab) _idToToken[id] = tok;
        for (int b = 0; b < 256; b++)
            _byteToId[b] = vocab.TryGetValue(ByteLevel.ByteToChar[b].ToString(), out int id) ? id : -1;

        _merges = new Dictionary<long, (int, int)>(merges.Count);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (l, r) = merges[rank];
            if (!vocab.TryGetValue(l, out int li) || !vocab.TryGetValue(r, out int ri) || !vocab.TryGetValue(l + r, out int mi))
                throw new InvalidDataException($"{file}: model.merges[{rank}] ('{l}' '{r}') uses a token missing from model.vocab. HINT: the vocab and merges come from different tokenizers, or the file is truncated.");
            _merges.TryAdd(Pack(li, ri), (rank, mi));
        }
    }

    public int VocabSize => _idToToken.Length;
    public IReadOnlyDictionary<string, int> Vocab => _vocab;
    public string? IdToToken(int id) => (uint)id < (uint)_idToToken.Length ? _idToToken[id] : null;
    public int? TokenToId(string token) => _vocab.TryGetValue(token, out int id) ? id : null;

    private static long Pack(int a, int b) => ((long)a << 32) | (uint)b;

    /// <summary>Appends the ids of one pre-token word (raw text, not yet byte-mapped).</summary>
    public void EncodeWord(ReadOnlySpan<char> word, List<int> ids)
    {
        if (word.Length <= MaxCachedWordChars && _cacheBySpan.TryGetValue(word, out var cached))
        {
            ids.AddRange(cached);
            return;
        }
        int[] result = EncodeWordUncached(word);
        if (word.Length <= MaxCachedWordChars)
        {
            if (_cache.Count >= CacheLimit) _cache.Clear();
            _cacheBySpan.TryAdd(word, result);
        }
        ids.AddRange(result);
    }

    private int[] EncodeWordUncached(ReadOnlySpan<char> word)
    {
        int maxBytes = Encoding.UTF8.GetMaxByteCount(word.Length);
        byte[]? rented = maxBytes > 512 ? ArrayPool<byte>.Shared.Rent(maxBytes) : null;
        Span<byte> bytes = rented ?? stackalloc byte[512];
        try
        {
            int nBytes = Encoding.UTF8.GetBytes(word, bytes);
            bytes = bytes[..nBytes];
            if (_ignoreMerges && TryWholeWord(bytes, out int whole)) return [whole];
            int[] symbols = new int[nBytes];
            int n = 0;
            foreach (byte b in bytes)
                if (_byteToId[b] >= 0) symbols[n++] = _byteToId[b];  // HF drops unknown symbols when there is no unk
            return n <= HeapThreshold ? MergeSmall(symbols.AsSpan(0, n)) : MergeHeap(symbols.AsSpan(0, n));
        }
        finally
        {
            if (rented != null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>ignore_merges (Llama 3): a word that is itself a vocab entry is emitted as one token.</summary>
    private bool TryWholeWord(ReadOnlySpan<byte> bytes, out int id)
    {
        char[]? rented = bytes.Length > 256 ? ArrayPool<char>.Shared.Rent(bytes.Length) : null;
        Span<char> chars = rented ?? stackalloc char[256];
        chars = chars[..bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = ByteLevel.ByteToChar[bytes[i]];
        bool found = _vocabBySpan.TryGetValue(chars, out id);
        if (rented != null) ArrayPool<char>.Shared.Return(rented);
        return found;
    }

    private int RankOf(int a, int b, out int merged)
    {
        if (_merges.TryGetValue(Pack(a, b), out var m)) { merged = m.Id; return m.Rank; }
        merged = -1;
        return int.MaxValue;
    }

    /// <summary>Short words: keep the rank of each adjacent pair and rescan for the minimum (O(n²), n small).</summary>
    internal int[] MergeSmall(Span<int> sym)
    {
        int n = sym.Length;
        if (n < 2) return sym.ToArray();
        Span<int> rank = stackalloc int[n];
        Span<int> mergedId = stackalloc int[n];
        for (int i = 0; i + 1 < n; i++) rank[i] = RankOf(sym[i], sym[i + 1], out mergedId[i]);
        while (n > 1)
        {
            int best = -1, bestRank = int.MaxValue;
            for (int i = 0; i + 1 < n; i++)
                if (rank[i] < bestRank) { bestRank = rank[i]; best = i; }
            if (best < 0) break;
            sym[best] = mergedId[best];
            // shift left over the consumed right symbol
            for (int i = best + 1; i + 1 < n; i++) { sym[i] = sym[i + 1]; rank[i] = rank[i + 1]; mergedId[i] = mergedId[i + 1]; }
            n--;
            if (best > 0) rank[best - 1] = RankOf(sym[best - 1], sym[best], out mergedId[best - 1]);
            if (best + 1 < n) rank[best] = RankOf(sym[best], sym[best + 1], out mergedId[best]);
            else rank[best] = int.MaxValue;
        }
        return sym[..n].ToArray();
    }

    /// <summary>
    /// Long words: doubly linked symbols and a min-heap of (rank, position) with lazy invalidation, so the
    /// merge order (lowest rank, then leftmost) equals MergeSmall's at O(n log n).
    /// </summary>
    internal int[] MergeHeap(Span<int> symbols)
    {
        int n = symbols.Length;
        if (n < 2) return symbols.ToArray();
        int[] sym = symbols.ToArray();
        int[] next = new int[n], prev = new int[n];
        for (int i = 0; i < n; i++) { next[i] = i + 1 < n ? i + 1 : -1; prev[i] = i - 1; }
        var heap = new PriorityQueue<int, long>(n);
        for (int i = 0; i + 1 < n; i++)
        {
            int r = RankOf(sym[i], sym[i + 1], out _);
            if (r != int.MaxValue) heap.Enqueue(i, ((long)r << 32) | (uint)i);
        }
        bool[] dead = new bool[n];
        while (heap.TryDequeue(out int pos, out long key))
        {
            int r = (int)(key >> 32);
            int right = next[pos];
            if (dead[pos] || right < 0) continue;
            if (RankOf(sym[pos], sym[right], out int merged) != r) continue;  // stale entry
            sym[pos] = merged;
            dead[right] = true;
            next[pos] = next[right];
            if (next[pos] >= 0) prev[next[pos]] = pos;
            if (prev[pos] >= 0)
            {
                int rl = RankOf(sym[prev[pos]], sym[pos], out _);
                if (rl != int.MaxValue) heap.Enqueue(prev[pos], ((long)rl << 32) | (uint)prev[pos]);
            }
            if (next[pos] >= 0)
            {
                int rr = RankOf(sym[pos], sym[next[pos]], out _);
                if (rr != int.MaxValue) heap.Enqueue(pos, ((long)rr << 32) | (uint)pos);
            }
        }
        var result = new List<int>(n);
        for (int i = 0; i >= 0; i = next[i]) result.Add(sym[i]);
        return result.ToArray();
    }

    /// <summary>
    /// Reference: GPT-2's original loop — find the lowest-ranked pair, merge every occurrence left to right,
    /// repeat. Slow and obviously right; tests check the fast paths against it.
    /// </summary>
    internal int[] MergeNaive(int[] symbols)
    {
        var word = symbols.ToList();
        while (word.Count > 1)
        {
            int bestRank = int.MaxValue, bestA = 0, bestB = 0;
            for (int i = 0; i + 1 < word.Count; i++)
            {
                int r = RankOf(word[i], word[i + 1], out _);
                if (r < bestRank) { bestRank = r; bestA = word[i]; bestB = word[i + 1]; }
            }
            if (bestRank == int.MaxValue) break;
            RankOf(bestA, bestB, out int merged);
            var nextWord = new List<int>(word.Count);
            for (int i = 0; i < word.Count; i++)
            {
                if (i + 1 < word.Count && word[i] == bestA && word[i + 1] == bestB) { nextWord.Add(merged); i++; }
                else nextWord.Add(word[i]);
            }
            word = nextWord;
        }
        return word.ToArray();
    }

    /// <summary>Initial byte symbols of a text (for tests of the merge paths).</summary>
    internal int[] ByteSymbols(string text) => Encoding.UTF8.GetBytes(text).Select(b => _byteToId[b]).Where(i => i >= 0).ToArray();
}
