using System.Text.Json;
using System.Text.RegularExpressions;

namespace Verity.Hub.Tokenization;

/// <summary>
/// A tokenizer.json "pre_tokenizer": splits each piece into smaller pieces (words) that BPE sees
/// separately. Pieces are slices of the normalized text (or of a new string when a prefix space is added).
/// </summary>
internal interface IPreTokenizer
{
    void Split(List<ReadOnlyMemory<char>> input, List<ReadOnlyMemory<char>> output);
}

/// <summary>HF "Split" with Isolated or Removed behaviour, using the hand scanner for the known patterns.</summary>
internal sealed class SplitPreTokenizer : IPreTokenizer
{
    private readonly GptSplitScanner? _scanner;
    private readonly Regex? _regex;
    private readonly bool _removed;

    public SplitPreTokenizer(GptSplitScanner? scanner, Regex? regex, bool removed)
    {
        _scanner = scanner;
        _regex = regex;
        _removed = removed;
    }

    public void Split(List<ReadOnlyMemory<char>> input, List<ReadOnlyMemory<char>> output)
    {
        var spans = new List<(int Start, int Length)>();
        foreach (var piece in input)
        {
            spans.Clear();
            Matches(piece.Span, spans);
            int pos = 0;
            foreach (var (start, length) in spans)
            {
                if (start > pos) output.Add(piece.Slice(pos, start - pos));
                if (!_removed && length > 0) output.Add(piece.Slice(start, length));
                pos = start + length;
            }
            if (pos < piece.Length) output.Add(piece.Slice(pos));
        }
    }

    private void Matches(ReadOnlySpan<char> s, List<(int, int)> spans)
    {
        if (_scanner != null) { _scanner.Split(s, spans); return; }
        foreach (var m in _regex!.EnumerateMatches(s)) if (m.Length > 0) spans.Add((m.Index, m.Length));
    }
}

/// <summary>HF "Digits": numeric chars (char::is_numeric, i.e. \p{N}) become their own pieces, one each or in runs.</summary>
internal sealed class DigitsPreTokenizer(bool individual) : IPreTokenizer
{
    public void Split(List<ReadOnlyMemory<char>> input, List<ReadOnlyMemory<char>> output)
    {
        foreach (var piece in input)
        {
            var s = piece.Span;
            int i = 0, start = 0;
            while (i < s.Length)
            {
                if (CharClasses.At(s, i, out int w) != CharClass.Number) { i += w; continue; }
                if (i > start) output.Add(piece.Slice(start, i - start));
                int e = i + w;
                while (!individual && e < s.Length && CharClasses.At(s, e, out int w2) == CharClass.Number) e += w2;
                output.Add(piece.Slice(i, e - i));
                i = start = e;
            }
            if (start < s.Length) output.Add(piece.Slice(start));
        }
    }
}

/// <summary>
/// HF "ByteLevel" pre-tokenizer: optional prefix space, optional GPT-2 regex split. The byte→char map is
/// applied later by the BPE model, which reads UTF-8 bytes directly.
/// </summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : IPreTokenizer
{
    private static readonly SplitPreTokenizer Gpt2Split = new(GptSplitScanner.Gpt2, null, removed: false);

    public void Split(List<ReadOnlyMemory<char>> input, List<ReadOnlyMemory<char>> output)
    {
        var prefixed = input;
        if (addPrefixSpace)
        {
            prefixed = new List<ReadOnlyMemory<char>>(input.Count);
            foreach (var p in input)
                prefixed.Add(p.Length > 0 && p.Span[0] != ' ' ? (" " + p.ToString()).AsMemory() : p);
        }
        if (useRegex) Gpt2Split.Split(prefixed, output);
        else output.AddRange(prefixed);
    }
}

internal sealed class SequencePreTokenizer(IPreTokenizer[] steps) : IPreTokenizer
{
    public void Split(List<ReadOnlyMemory<char>> input, List<ReadOnlyMemory<char>> output)
    {
        var current = input;
        for (int k = 0; k < steps.Length; k++)
        {
            var next = k == steps.Length - 1 ? output : new List<ReadOnlyMemory<char>>(current.Count * 2);
            steps[k].Split(current, next);
            current = next;
        }
        if (steps.Length == 0) output.AddRange(input);
    }
}

internal static class PreTokenizers
{
    /// <summary>Parses "pre_tokenizer"; sets sawByteLevel when a ByteLevel step is present.</summary>
    public static IPreTokenizer? Parse(JsonElement e, string file, ref bool sawByteLevel)
    {
        if (e.ValueKind == JsonValueKind.Null) return null;
        string type = JsonRead.Type(e, file, "pre_tokenizer");
        switch (type)
        {
            case "Sequence":
                var steps = new List<IPreTokenizer>();
                foreach (var x in JsonRead.Array(e, "pretokenizers", file, "pre_tokenizer"))
                {
                    var step = Parse(x, file, ref sawByteLevel);
                    if (step != null) steps.Add(step);
                }
                return new SequencePreTokenizer(steps.ToArray());
            case "ByteLevel":
                sawByteLevel = true;
                return new ByteLevelPreTokenizer(JsonRead.Bool(e, "add_prefix_space", false), JsonRead.Bool(e, "use_regex", true));
            case "Digits":
                return new DigitsPreTokenizer(JsonRead.Bool(e, "individual_digits", false));
            case "Split":
                return ParseSplit(e, file);
            default:
                throw new NotSupportedException(
                    $"{file}: pre_tokenizer.type '{type}' is not supported (known: Sequence, Split, ByteLevel, Digits). HINT: Verity reads byte-level BPE tokenizers (GPT-2, Llama 3, Qwen2/2.5/3, SmolLM2).");
        }
    }

    private static SplitPreTokenizer ParseSplit(JsonElement e, string file)
    {
        string behavior = JsonRead.String(e, "behavior") ?? "Isolated";
        if (behavior is not ("Isolated" or "Removed"))
            throw new NotSupportedException($"{file}: pre_tokenizer Split.behavior '{behavior}' is not supported (known: Isolated, Removed). HINT: the GPT-style tokenizers use Isolated.");
        if (JsonRead.Bool(e, "invert", false))
            throw new NotSupportedException($"{file}: pre_tokenizer Split.invert=true is not supported. HINT: the GPT-style tokenizers use invert=false.");
        if (!e.TryGetProperty("pattern", out var pattern) || pattern.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{file}: pre_tokenizer Split has no 'pattern' object. HINT: expected {{\"Regex\": \"...\"}} or {{\"String\": \"...\"}}.");
        string? regex = JsonRead.String(pattern, "Regex");
        string? literal = JsonRead.String(pattern, "String");
        bool removed = behavior == "Removed";
        if (regex != null)
        {
            var scanner = GptSplitScanner.ForPattern(regex);
            if (scanner != null) return new SplitPreTokenizer(scanner, null, removed);
            // Unknown pattern: .NET regex on UTF-16 (astral letters/digits are then seen as surrogates).
            return new SplitPreTokenizer(null, new Regex(regex, RegexOptions.CultureInvariant | RegexOptions.Compiled), removed);
        }
        if (literal != null)
            return new SplitPreTokenizer(null, new Regex(Regex.Escape(literal), RegexOptions.CultureInvariant), removed);
        throw new InvalidDataException($"{file}: pre_tokenizer Split.pattern has neither 'Regex' nor 'String'. HINT: expected {{\"Regex\": \"...\"}}.");
    }
}
