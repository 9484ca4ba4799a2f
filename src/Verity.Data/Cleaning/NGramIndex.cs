namespace Verity.Data.Cleaning;

/// <summary>
/// Word n-gram fingerprints for deduplication and benchmark decontamination (9-grams, as the
/// seeds do). Text is normalized first — lowercase, split on anything that is not a letter or digit —
/// so formatting and LaTeX spacing do not hide a copy. A text shorter than n words is one n-gram of
/// all its words.
/// </summary>
public sealed class NGramIndex
{
    private readonly Dictionary<ulong, int> _owner = new(); // n-gram hash → first document that had it
    private readonly HashSet<ulong> _exact = new();         // hashes of whole normalized texts

    public NGramIndex(int n = 9)
    {
        if (n < 1) throw new ArgumentException($"n-gram size must be ≥ 1, got {n}.");
        N = n;
    }

    public int N { get; }

    public int Count { get; private set; }

    /// <summary>Adds a document; returns its index.</summary>
    public int Add(string text)
    {
        int id = Count++;
        var words = Words(text);
        _exact.Add(HashWords(words, 0, words.Count));
        foreach (var h in Grams(words)) _owner.TryAdd(h, id);
        return id;
    }

    /// <summary>True when the normalized text equals one already added.</summary>
    public bool ContainsExact(string text)
    {
        var words = Words(text);
        return _exact.Contains(HashWords(words, 0, words.Count));
    }

    /// <summary>True when the text shares at least one n-gram with the index (decontamination rule).</summary>
    public bool SharesAnyGram(string text) => Grams(Words(text)).Any(_owner.ContainsKey);

    /// <summary>True when the text shares an n-gram with the index that <paramref name="ignore"/> does not exclude.</summary>
    public bool SharesAnyGram(string text, Func<ulong, bool> ignore) => Grams(Words(text)).Any(g => !ignore(g) && _owner.ContainsKey(g));

    /// <summary>The distinct n-gram hashes of a text, as this index computes them.</summary>
    public IEnumerable<ulong> GramsOf(string text) => Grams(Words(text)).Distinct();

    /// <summary>Largest fraction of the text's n-grams found in one indexed document (near-duplicate score).</summary>
    public double MaxOverlap(string text)
    {
        var grams = Grams(Words(text)).Distinct().ToList();
        if (grams.Count == 0) return 0;
        var perDoc = new Dictionary<int, int>();
        foreach (var g in grams)
            if (_owner.TryGetValue(g, out var doc)) perDoc[doc] = perDoc.GetValueOrDefault(doc) + 1;
        return perDoc.Count == 0 ? 0 : perDoc.Values.Max() / (double)grams.Count;
    }

    internal static List<string> Words(string text)
    {
        var words = new List<string>();
        int start = -1;
        for (int i = 0; i <= text.Length; i++)
        {
            bool word = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (word && start < 0) start = i;
            else if (!word && start >= 0)
            {
                words.Add(text[start..i].ToLowerInvariant());
                start = -1;
            }
        }
        return words;
    }

    private IEnumerable<ulong> Grams(List<string> words)
    {
        if (words.Count == 0) yield break;
        if (words.Count < N)
        {
            yield return HashWords(words, 0, words.Count);
            yield break;
        }
        for (int i = 0; i + N <= words.Count; i++) yield return HashWords(words, i, N);
    }

    // FNV-1a 64 over the words with a separator: stable across runs and processes.
    private static ulong HashWords(List<string> words, int start, int count)
    {
        ulong h = 14695981039346656037UL;
        for (int i = start; i < start + count; i++)
        {
            foreach (char c in words[i]) { h ^= c; h *= 1099511628211UL; }
            h ^= 0x1F; h *= 1099511628211UL;
        }
        return h;
    }
}
