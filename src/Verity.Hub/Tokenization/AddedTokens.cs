namespace Verity.Hub.Tokenization;

/// <summary>An entry of tokenizer.json "added_tokens": matched literally in the text before anything else.</summary>
public sealed record AddedToken(int Id, string Content, bool Special, bool LStrip = false, bool RStrip = false);

/// <summary>
/// Finds added tokens in text, longest match first at each position (HF uses an Aho-Corasick
/// leftmost-longest automaton; a char trie walked from each position gives the same matches).
/// </summary>
internal sealed class AddedTokenMatcher
{
    private sealed class Node
    {
        public Dictionary<char, Node>? Next;
        public AddedToken? Token;
    }

    private readonly Node _root = new();
    private readonly bool[] _firstChar = new bool[char.MaxValue + 1];
    public bool IsEmpty { get; }

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        bool any = false;
        foreach (var t in tokens)
        {
            if (t.Content.Length == 0) continue;
            var node = _root;
            foreach (char c in t.Content)
            {
                node.Next ??= new Dictionary<char, Node>();
                if (!node.Next.TryGetValue(c, out var child)) node.Next[c] = child = new Node();
                node = child;
            }
            node.Token = t;
            _firstChar[t.Content[0]] = true;
            any = true;
        }
        IsEmpty = !any;
    }

    /// <summary>
    /// Splits text into segments: (start, length, token) where token is null for ordinary text.
    /// lstrip/rstrip tokens absorb the whitespace beside them, as in HF.
    /// </summary>
    public void Split(string text, List<(int Start, int Length, AddedToken? Token)> segments)
    {
        if (IsEmpty) { if (text.Length > 0) segments.Add((0, text.Length, null)); return; }
        int plainStart = 0, i = 0;
        while (i < text.Length)
        {
            int len = 0;
            var token = _firstChar[text[i]] ? LongestAt(text, i, out len) : null;
            if (token == null) { i++; continue; }
            int s = i, e = i + len;
            if (token.LStrip) while (s > plainStart && char.IsWhiteSpace(text[s - 1])) s--;
            if (token.RStrip) while (e < text.Length && char.IsWhiteSpace(text[e])) e++;
            if (s > plainStart) segments.Add((plainStart, s - plainStart, null));
            segments.Add((s, e - s, token));
            i = plainStart = e;
        }
        if (plainStart < text.Length) segments.Add((plainStart, text.Length - plainStart, null));
    }

    private AddedToken? LongestAt(string text, int i, out int length)
    {
        AddedToken? best = null;
        length = 0;
        var node = _root;
        for (int j = i; j < text.Length && node.Next != null && node.Next.TryGetValue(text[j], out var child); j++)
        {
            node = child;
            if (node.Token != null) { best = node.Token; length = j - i + 1; }
        }
        return best;
    }
}
