using System.Text;
using Verity.Engine.Generation;

namespace Verity.Hub.Tokenization;

/// <summary>
/// Stop strings for generation: the engine knows only ids, so this turns strings into a
/// <see cref="StopCriterion"/> that looks at the decoded completion.
/// <para>
/// Matching is on UTF-8 bytes, which is the same as matching the decoded text (UTF-8 is self-synchronizing)
/// and needs no care for a character split across tokens: a stop string is found on the token that
/// delivers its last byte. Each check decodes only a tail — the bytes of the newest token plus as many
/// earlier bytes as the longest stop string has — so a step costs O(longest stop), not O(completion).
/// Any earlier occurrence would already have stopped the sample, so a match in the tail is the first one.
/// </para>
/// <para>
/// Ids versus text: the sample's ids keep the token that completed the stop string (the engine already
/// generated it, and its log-probs are part of what the learner recomputes); the completion text returned by
/// <see cref="CompletionText"/> is cut before the stop string, as OpenAI-style APIs and vLLM return it.
/// Text after the stop string inside that last token is dropped with it.
/// </para>
/// </summary>
public sealed class StopStrings
{
    private readonly Tokenizer _tokenizer;
    private readonly string[] _stops;
    private readonly byte[][] _stopBytes;
    private readonly int _longest;

    /// <param name="tokenizer">Decodes the ids.</param>
    /// <param name="stops">Non-empty strings; empty or duplicate ones are refused/ignored.</param>
    /// <param name="skipSpecialTokens">Decode without special tokens (as the printed text is), so e.g.
    /// &lt;|im_end|&gt; never matches a stop string made of its characters.</param>
    public StopStrings(Tokenizer tokenizer, IEnumerable<string> stops, bool skipSpecialTokens = true)
    {
        _tokenizer = tokenizer;
        _stops = stops.Distinct(StringComparer.Ordinal).ToArray();
        foreach (var s in _stops)
            if (string.IsNullOrEmpty(s)) throw new ArgumentException("stop string is empty. HINT: give non-empty stop strings (an empty one would stop every sample at once).");
        _stopBytes = _stops.Select(Encoding.UTF8.GetBytes).ToArray();
        _longest = _stopBytes.Length == 0 ? 0 : _stopBytes.Max(b => b.Length);
        SkipSpecialTokens = skipSpecialTokens;
    }

    public IReadOnlyList<string> Strings => _stops;

    public bool SkipSpecialTokens { get; }

    public bool IsEmpty => _stops.Length == 0;

    /// <summary>The criterion to put on a <see cref="GenerationRequest"/>; null when there are no stop strings. Stateless, so one serves all samples.</summary>
    public StopCriterion? Criterion => IsEmpty ? null : ShouldStop;

    /// <summary>True when the newest id completes a stop string in the decoded completion.</summary>
    public bool ShouldStop(IReadOnlyList<int> completionIds)
    {
        if (_longest == 0 || completionIds.Count == 0) return false;
        var newest = new List<byte>(16);
        _tokenizer.AppendBytes(completionIds[^1], SkipSpecialTokens, newest);
        if (newest.Count == 0) return false;  // a skipped special token adds no text
        // Gather earlier tokens (backwards) until _longest - 1 bytes precede the newest token's bytes.
        var chunks = new List<byte[]>();
        int before = 0;
        var scratch = new List<byte>(16);
        for (int i = completionIds.Count - 2; i >= 0 && before < _longest - 1; i--)
        {
            scratch.Clear();
            _tokenizer.AppendBytes(completionIds[i], SkipSpecialTokens, scratch);
            if (scratch.Count == 0) continue;
            chunks.Add(scratch.ToArray());
            before += scratch.Count;
        }
        var tail = new byte[before + newest.Count];
        int at = 0;
        for (int c = chunks.Count - 1; c >= 0; c--) { chunks[c].CopyTo(tail, at); at += chunks[c].Length; }
        newest.CopyTo(tail, at);
        // Only matches that end inside the newest token's bytes are new.
        int firstEnd = before + 1;
        foreach (var stop in _stopBytes)
        {
            int from = Math.Max(0, firstEnd - stop.Length);
            if (tail.AsSpan(from).IndexOf(stop) >= 0) return true;
        }
        return false;
    }

    /// <summary>Index of the first stop string in <paramref name="text"/> (earliest start over all stops), or -1.</summary>
    public int FindFirst(string text)
    {
        int best = -1;
        foreach (var s in _stops)
        {
            int i = text.IndexOf(s, StringComparison.Ordinal);
            if (i >= 0 && (best < 0 || i < best)) best = i;
        }
        return best;
    }

    /// <summary>The text cut before the first stop string (unchanged when there is none).</summary>
    public string Truncate(string text)
    {
        int i = FindFirst(text);
        return i < 0 ? text : text[..i];
    }

    /// <summary>Decodes a completion (with this object's special-token choice) and cuts it at the first stop string.</summary>
    public string CompletionText(IReadOnlyList<int> completionIds)
        => Truncate(_tokenizer.Decode(completionIds, SkipSpecialTokens));
}
