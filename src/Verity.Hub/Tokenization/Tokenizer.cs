using System.Text;

namespace Verity.Hub.Tokenization;

/// <summary>
/// A Hugging Face byte-level BPE tokenizer (GPT-2, Llama 3/3.1, Qwen2/2.5/3, SmolLM2). Pipeline, as in
/// HF tokenizers: split out added tokens (longest match) → normalizer → pre-tokenizer → BPE per word →
/// post-processor (only when addSpecialTokens). Decoding maps byte-level chars back to bytes.
/// Thread-safe: the only shared mutable state is the concurrent word cache.
/// </summary>
public sealed class Tokenizer
{
    private readonly BpeModel _model;
    private readonly INormalizer? _normalizer;
    private readonly IPreTokenizer? _preTokenizer;
    private readonly IPostProcessor? _postProcessor;
    private readonly AddedTokenMatcher _addedMatcher;
    private readonly Dictionary<int, AddedToken> _addedById;
    private readonly Dictionary<string, AddedToken> _addedByContent;
    private readonly byte[]?[] _tokenBytes;

    internal Tokenizer(BpeModel model, INormalizer? normalizer, IPreTokenizer? preTokenizer, IPostProcessor? postProcessor,
        IReadOnlyList<AddedToken> addedTokens, TokenizerSettings settings)
    {
        _model = model;
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        _postProcessor = postProcessor;
        AddedTokens = addedTokens;
        _addedMatcher = new AddedTokenMatcher(addedTokens);
        _addedById = addedTokens.GroupBy(t => t.Id).ToDictionary(g => g.Key, g => g.Last());
        _addedByContent = addedTokens.GroupBy(t => t.Content).ToDictionary(g => g.Key, g => g.Last());
        VocabSize = Math.Max(model.VocabSize, addedTokens.Count == 0 ? 0 : addedTokens.Max(t => t.Id) + 1);
        _tokenBytes = new byte[]?[VocabSize];
        SpecialTokenIds = addedTokens.Where(t => t.Special).Select(t => t.Id).ToHashSet();
        Settings = settings;
    }

    /// <summary>Loads tokenizer.json, or GPT-2's encoder.json (with vocab.bpe beside it).</summary>
    public static Tokenizer FromFile(string path) => TokenizerLoader.FromFile(path);

    /// <summary>
    /// Loads a model folder: tokenizer.json (or encoder.json+vocab.bpe / vocab.json+merges.txt), plus
    /// tokenizer_config.json (eos/bos/pad, chat template) and generation_config.json (eos ids) if present.
    /// </summary>
    public static Tokenizer FromFolder(string directory) => TokenizerLoader.FromFolder(directory);

    /// <summary>Ids of all tokens, added ones included: max id + 1.</summary>
    public int VocabSize { get; }
    public IReadOnlyList<AddedToken> AddedTokens { get; }
    public IReadOnlySet<int> SpecialTokenIds { get; }
    internal TokenizerSettings Settings { get; set; }

    /// <summary>tokenizer_config.json eos_token's id (e.g. Qwen3 &lt;|im_end|&gt;), if any.</summary>
    public int? EosTokenId => Settings.EosToken is { } t ? TokenToId(t) : null;
    public int? BosTokenId => Settings.BosToken is { } t ? TokenToId(t) : null;
    public int? PadTokenId => Settings.PadToken is { } t ? TokenToId(t) : null;

    /// <summary>Every id that ends generation: eos_token plus generation_config.json eos_token_id (int or list).</summary>
    public IReadOnlyList<int> EosTokenIds
    {
        get
        {
            var ids = new List<int>();
            if (EosTokenId is int e) ids.Add(e);
            foreach (int id in Settings.GenerationEosIds) if (!ids.Contains(id)) ids.Add(id);
            return ids;
        }
    }

    /// <summary>Jinja chat template from tokenizer_config.json, if any.</summary>
    public string? ChatTemplate => Settings.ChatTemplate;

    public int? TokenToId(string token)
        => _addedByContent.TryGetValue(token, out var a) ? a.Id : _model.TokenToId(token);

    public string? IdToToken(int id) => _addedById.TryGetValue(id, out var a) ? a.Content : _model.IdToToken(id);

    public int[] Encode(string text, bool addSpecialTokens = true)
    {
        var ids = new List<int>(text.Length / 3 + 4);
        Encode(text, addSpecialTokens, ids);
        return ids.ToArray();
    }

    /// <summary>Appends the ids of text to destination.</summary>
    public void Encode(string text, bool addSpecialTokens, List<int> destination)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = addSpecialTokens && _postProcessor != null ? new List<int>() : destination;
        var segments = new List<(int Start, int Length, AddedToken? Token)>();
        _addedMatcher.Split(text, segments);
        var pieces = new List<ReadOnlyMemory<char>>();
        var words = new List<ReadOnlyMemory<char>>();
        foreach (var (start, length, token) in segments)
        {
            if (token != null) { ids.Add(token.Id); continue; }
            string segment = segments.Count == 1 ? text : text.Substring(start, length);
            if (_normalizer != null) segment = _normalizer.Normalize(segment);
            pieces.Clear();
            words.Clear();
            pieces.Add(segment.AsMemory());
            if (_preTokenizer != null) _preTokenizer.Split(pieces, words);
            else words.AddRange(pieces);
            foreach (var w in words) if (w.Length > 0) _model.EncodeWord(w.Span, ids);
        }
        if (!ReferenceEquals(ids, destination))
        {
            _postProcessor!.Apply(ids);
            destination.AddRange(ids);
        }
    }

    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var bytes = new List<byte>(ids.Length * 4);
        foreach (int id in ids) AppendBytes(id, skipSpecialTokens, bytes);
        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false) => Decode(ids.ToArray(), skipSpecialTokens);

    /// <summary>A decoder for token-by-token output that holds back incomplete UTF-8 sequences.</summary>
    public StreamingDecoder CreateStreamingDecoder(bool skipSpecialTokens = false) => new(this, skipSpecialTokens);

    internal void AppendBytes(int id, bool skipSpecialTokens, List<byte> destination)
    {
        if (skipSpecialTokens && SpecialTokenIds.Contains(id)) return;
        if ((uint)id >= (uint)_tokenBytes.Length)
            throw new ArgumentException($"token id {id} is outside the vocabulary (size {VocabSize}). HINT: the ids come from a different tokenizer or model.");
        var b = _tokenBytes[id] ??= TokenBytes(IdToToken(id) ?? "");
        destination.AddRange(b);
    }

    /// <summary>
    /// HF ByteLevel decoder: a token whose chars are all byte-level chars becomes those bytes; any other
    /// token (e.g. an added token containing a plain space) is taken as its UTF-8.
    /// </summary>
    private static byte[] TokenBytes(string token)
    {
        var bytes = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
        {
            int b = ByteLevel.CharToByte(token[i]);
            if (b < 0) return Encoding.UTF8.GetBytes(token);
            bytes[i] = (byte)b;
        }
        return bytes;
    }

    internal BpeModel Model => _model;
}

/// <summary>tokenizer_config.json / generation_config.json facts the runtime needs.</summary>
internal sealed record TokenizerSettings(string? EosToken, string? BosToken, string? PadToken, string? ChatTemplate, IReadOnlyList<int> GenerationEosIds)
{
    public static readonly TokenizerSettings Empty = new(null, null, null, null, []);
}
