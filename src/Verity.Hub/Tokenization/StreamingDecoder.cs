using System.Text;

namespace Verity.Hub.Tokenization;

/// <summary>
/// Decodes one token at a time for streaming output. A multi-byte char can be split across tokens
/// (byte-level BPE), so trailing bytes of an incomplete UTF-8 sequence are held until the rest arrives.
/// </summary>
public sealed class StreamingDecoder
{
    private readonly Tokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly List<byte> _pending = new();

    internal StreamingDecoder(Tokenizer tokenizer, bool skipSpecialTokens)
    {
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>Adds a token; returns the text that is now complete (possibly empty).</summary>
    public string Push(int id)
    {
        _tokenizer.AppendBytes(id, _skipSpecialTokens, _pending);
        int complete = CompletePrefixLength(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pending));
        if (complete == 0) return "";
        string text = Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pending)[..complete]);
        _pending.RemoveRange(0, complete);
        return text;
    }

    /// <summary>Emits whatever is held (incomplete sequences become U+FFFD) and resets.</summary>
    public string Flush()
    {
        string text = Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pending));
        _pending.Clear();
        return text;
    }

    /// <summary>Length of bytes up to (not including) a trailing incomplete-but-valid-so-far UTF-8 sequence.</summary>
    internal static int CompletePrefixLength(ReadOnlySpan<byte> bytes)
    {
        int n = bytes.Length;
        // Look back at most 3 bytes for the lead byte of the last sequence.
        for (int back = 1; back <= Math.Min(3, n); back++)
        {
            byte b = bytes[n - back];
            if ((b & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
            int need = b >= 0xF5 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 ? 2 : 1;
            return need > back ? n - back : n;
        }
        return n;  // only continuation bytes: invalid anyway, emit (decoder replaces them)
    }
}
