using System.Text;
using Verity.Hub.Tokenization.Unicode;

namespace Verity.Hub.Tokenization.Training;

/// <summary>Options for <see cref="BpeTrainer"/>. VocabSize counts the 256 byte tokens, merges and special tokens.</summary>
public sealed record BpeTrainerOptions(int VocabSize, IReadOnlyList<string> SpecialTokens, int MinPairCount = 2);

/// <summary>What training produced: byte-level tokens and merges in rank order, then the special tokens.</summary>
public sealed record TrainedBpe(IReadOnlyList<string> Tokens, IReadOnlyList<(string Left, string Right)> Merges, IReadOnlyList<string> SpecialTokens);

/// <summary>
/// Learns byte-level BPE the way GPT-2/Qwen tokenizers are built: the corpus is NFC-normalized, special
/// tokens are cut out, the rest is split with the Qwen regex, and starting from the 256 byte tokens the
/// most frequent adjacent pair (ties: smallest left id, then right id) is merged until the vocabulary
/// is full or no pair occurs MinPairCount times. Deterministic for a given corpus and options.
/// </summary>
public static class BpeTrainer
{
    public static TrainedBpe Train(IEnumerable<string> documents, BpeTrainerOptions options)
    {
        int mergeBudget = options.VocabSize - 256 - options.SpecialTokens.Count;
        if (mergeBudget < 0)
            throw new ArgumentException($"--vocab-size {options.VocabSize} is smaller than the 256 byte tokens plus {options.SpecialTokens.Count} special tokens. HINT: use at least {256 + options.SpecialTokens.Count}.");
        var (words, counts) = CountWords(documents, options.SpecialTokens);

        var tokens = new List<string>(options.VocabSize);
        for (int b = 0; b < 256; b++) tokens.Add(ByteLevel.ByteToChar[b].ToString());
        var tokenIds = tokens.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
        var merges = new List<(string, string)>();

        var pairCounts = new Dictionary<long, long>();
        var pairWords = new Dictionary<long, HashSet<int>>();
        for (int w = 0; w < words.Count; w++) AddPairs(words[w], w, counts[w], +1, pairCounts, pairWords);
        // max-heap by count via negated priority; ties: smaller packed pair (left id, then right id) first
        var heap = new PriorityQueue<long, (long NegCount, long Pair)>();
        foreach (var (pair, c) in pairCounts) heap.Enqueue(pair, (-c, pair));

        int added = 0;
        while (added < mergeBudget && heap.TryDequeue(out long best, out var prio))
        {
            long count = pairCounts.GetValueOrDefault(best);
            if (count != -prio.NegCount) continue;  // stale: the current count was pushed when it changed
            if (count < options.MinPairCount) break;
            int left = (int)(best >> 32), right = (int)(best & 0xFFFFFFFF);
            string merged = tokens[left] + tokens[right];
            if (!tokenIds.TryGetValue(merged, out int newId))
            {
                newId = tokens.Count;
                tokens.Add(merged);
                tokenIds[merged] = newId;
                added++;
            }
            merges.Add((tokens[left], tokens[right]));
            var touched = new HashSet<long>();
            foreach (int w in pairWords[best].ToArray())
            {
                AddPairs(words[w], w, counts[w], -1, pairCounts, pairWords, touched);
                words[w] = MergeWord(words[w], left, right, newId);
                AddPairs(words[w], w, counts[w], +1, pairCounts, pairWords, touched);
            }
            foreach (long p in touched)
                if (pairCounts.GetValueOrDefault(p) > 0) heap.Enqueue(p, (-pairCounts[p], p));
        }
        return new TrainedBpe(tokens, merges, options.SpecialTokens);
    }

    private static long Pack(int a, int b) => ((long)a << 32) | (uint)b;

    private static void AddPairs(int[] word, int w, long count, int sign, Dictionary<long, long> pairCounts, Dictionary<long, HashSet<int>> pairWords, HashSet<long>? touched = null)
    {
        for (int i = 0; i + 1 < word.Length; i++)
        {
            long p = Pack(word[i], word[i + 1]);
            long c = pairCounts.GetValueOrDefault(p) + sign * count;
            if (c <= 0) { pairCounts.Remove(p); pairWords.Remove(p); }
            else
            {
                pairCounts[p] = c;
                if (sign > 0) { if (!pairWords.TryGetValue(p, out var set)) pairWords[p] = set = new HashSet<int>(); set.Add(w); }
            }
            touched?.Add(p);
        }
    }

    private static int[] MergeWord(int[] word, int left, int right, int newId)
    {
        var result = new List<int>(word.Length);
        for (int i = 0; i < word.Length; i++)
        {
            if (i + 1 < word.Length && word[i] == left && word[i + 1] == right) { result.Add(newId); i++; }
            else result.Add(word[i]);
        }
        return result.ToArray();
    }

    /// <summary>Unique pre-token words (as byte-token id arrays, first-seen order) and their counts.</summary>
    private static (List<int[]> Words, List<long> Counts) CountWords(IEnumerable<string> documents, IReadOnlyList<string> specials)
    {
        var matcher = new AddedTokenMatcher(specials.Select((s, i) => new AddedToken(i, s, true)));
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var words = new List<int[]>();
        var counts = new List<long>();
        var segments = new List<(int Start, int Length, AddedToken? Token)>();
        var spans = new List<(int Start, int Length)>();
        foreach (var doc in documents)
        {
            segments.Clear();
            matcher.Split(doc, segments);
            foreach (var (start, length, token) in segments)
            {
                if (token != null) continue;
                string text = UnicodeNormalization.Normalize(doc.Substring(start, length), NormalizationForm.FormC);
                spans.Clear();
                GptSplitScanner.Qwen.Split(text, spans);
                foreach (var (s, l) in spans)
                {
                    string word = text.Substring(s, l);
                    if (index.TryGetValue(word, out int w)) { counts[w]++; continue; }
                    index[word] = words.Count;
                    words.Add(Encoding.UTF8.GetBytes(word).Select(b => (int)b).ToArray());
                    counts.Add(1);
                }
            }
        }
        return (words, counts);
    }
}
