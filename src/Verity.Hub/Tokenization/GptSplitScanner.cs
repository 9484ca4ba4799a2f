namespace Verity.Hub.Tokenization;

/// <summary>
/// Hand-written scanner equal to the split regexes of GPT-2, Llama 3 and Qwen2/2.5/3, working on code
/// points so astral letters and digits behave as in HF's Rust regex. Each alternative is tried in the
/// regex's order with the regex's greedy/backtracking outcome worked out by hand:
/// <code>
/// GPT-2 : 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
/// Llama3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
/// Qwen2 : the Llama3 pattern with \p{N} (single digits)
/// </code>
/// The patterns cover every char, so the output pieces tile the input.
/// </summary>
internal sealed class GptSplitScanner
{
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
    public const string Llama3Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    public const string QwenPattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private readonly bool _gpt2;
    private readonly int _maxDigits;

    private GptSplitScanner(bool gpt2, int maxDigits) { _gpt2 = gpt2; _maxDigits = maxDigits; }

    public static readonly GptSplitScanner Gpt2 = new(true, int.MaxValue);
    public static readonly GptSplitScanner Llama3 = new(false, 3);
    public static readonly GptSplitScanner Qwen = new(false, 1);

    /// <summary>The scanner for a known pattern string, or null.</summary>
    public static GptSplitScanner? ForPattern(string pattern) => pattern switch
    {
        Gpt2Pattern => Gpt2,
        Llama3Pattern => Llama3,
        QwenPattern => Qwen,
        _ => null,
    };

    /// <summary>Appends the (start, length) of each match in s to pieces.</summary>
    public void Split(ReadOnlySpan<char> s, List<(int Start, int Length)> pieces)
    {
        int i = 0;
        while (i < s.Length)
        {
            int end = MatchAt(s, i);
            pieces.Add((i, end - i));
            i = end;
        }
    }

    /// <summary>End of the match that starts at i.</summary>
    internal int MatchAt(ReadOnlySpan<char> s, int i)
    {
        int n = s.Length;
        int contraction = Contraction(s, i);
        if (contraction > 0) return i + contraction;

        var c0 = CharClasses.At(s, i, out int w0);
        int i1 = i + w0;
        var c1 = i1 < n ? CharClasses.At(s, i1, out _) : CharClass.Other;
        bool has1 = i1 < n;

        if (_gpt2)
        {
            // ' ?\p{L}+' | ' ?\p{N}+' | ' ?[^\s\p{L}\p{N}]+'
            if (s[i] == ' ' && has1 && c1 != CharClass.Space) return Run(s, i1, c1, int.MaxValue);
            if (c0 != CharClass.Space) return Run(s, i, c0, int.MaxValue);
            return Whitespace(s, i, newlineRule: false);
        }

        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (c0 == CharClass.Letter) return Run(s, i, CharClass.Letter, int.MaxValue);
        if (c0 != CharClass.Number && !CharClasses.IsCrLf(s[i]) && has1 && c1 == CharClass.Letter)
            return Run(s, i1, CharClass.Letter, int.MaxValue);
        // \p{N}{1,k}
        if (c0 == CharClass.Number) return Run(s, i, CharClass.Number, _maxDigits);
        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        int otherStart = -1;
        if (s[i] == ' ' && has1 && c1 == CharClass.Other) otherStart = i1;
        else if (c0 == CharClass.Other) otherStart = i;
        if (otherStart >= 0)
        {
            int e = Run(s, otherStart, CharClass.Other, int.MaxValue);
            while (e < n && CharClasses.IsCrLf(s[e])) e++;
            return e;
        }
        return Whitespace(s, i, newlineRule: true);
    }

    /// <summary>'s 't 're 've 'm 'll 'd (case-insensitive except for GPT-2): length matched or 0.</summary>
    private int Contraction(ReadOnlySpan<char> s, int i)
    {
        if (s[i] != '\'' || i + 1 >= s.Length) return 0;
        char a = Fold(s[i + 1]);
        if (a is 's' or 't' or 'm' or 'd') return 2;
        if (i + 2 >= s.Length) return 0;
        char b = Fold(s[i + 2]);
        return (a, b) is ('r', 'e') or ('v', 'e') or ('l', 'l') ? 3 : 0;
    }

    private char Fold(char c) => !_gpt2 && c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;

    /// <summary>End of a run of class cls from i, at most maxCount code points.</summary>
    private static int Run(ReadOnlySpan<char> s, int i, CharClass cls, int maxCount)
    {
        int count = 0;
        while (i < s.Length && count < maxCount)
        {
            if (CharClasses.At(s, i, out int w) != cls) break;
            i += w;
            count++;
        }
        return i;
    }

    /// <summary>
    /// Whitespace at i. '\s*[\r\n]+' (Qwen/Llama) ends after the last CR/LF of the run; else '\s+(?!\S)'
    /// backs off one char when non-space follows (a run of 1 then falls through to '\s+').
    /// </summary>
    private static int Whitespace(ReadOnlySpan<char> s, int i, bool newlineRule)
    {
        int j = i;
        int lastNewline = -1;
        while (j < s.Length && CharClasses.At(s, j, out _) == CharClass.Space)
        {
            if (CharClasses.IsCrLf(s[j])) lastNewline = j;
            j++;
        }
        if (newlineRule && lastNewline >= 0) return lastNewline + 1;
        if (j == s.Length || j - i == 1) return j;
        return j - 1;
    }
}
