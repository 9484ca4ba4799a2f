using System.Text.Json;

namespace Verity.Hub.Tokenization;

/// <summary>Reads tokenizer.json (HF tokenizers format), GPT-2's encoder.json + vocab.bpe, and the config files.</summary>
internal static class TokenizerLoader
{
    private static readonly JsonDocumentOptions DocOptions = new() { MaxDepth = 256 };

    public static Tokenizer FromFolder(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"{directory}: tokenizer folder not found. HINT: pass the model folder that holds tokenizer.json.");
        string json = Path.Combine(directory, "tokenizer.json");
        Tokenizer tokenizer;
        if (File.Exists(json)) tokenizer = FromTokenizerJson(json);
        else if (File.Exists(Path.Combine(directory, "encoder.json"))) tokenizer = FromGpt2Files(Path.Combine(directory, "encoder.json"), Path.Combine(directory, "vocab.bpe"));
        else if (File.Exists(Path.Combine(directory, "vocab.json"))) tokenizer = FromGpt2Files(Path.Combine(directory, "vocab.json"), Path.Combine(directory, "merges.txt"));
        else
            throw new FileNotFoundException($"{directory}: no tokenizer.json, encoder.json+vocab.bpe or vocab.json+merges.txt. HINT: download the tokenizer files of the model into this folder.");
        tokenizer.Settings = ReadSettings(directory, tokenizer.Settings);
        return tokenizer;
    }

    public static Tokenizer FromFile(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: tokenizer file not found. HINT: pass a tokenizer.json (or GPT-2 encoder.json) path.");
        string name = Path.GetFileName(path);
        if (name is "encoder.json") return FromGpt2Files(path, Path.Combine(Path.GetDirectoryName(path)!, "vocab.bpe"));
        if (name is "vocab.json") return FromGpt2Files(path, Path.Combine(Path.GetDirectoryName(path)!, "merges.txt"));
        return FromTokenizerJson(path);
    }

    public static Tokenizer FromTokenizerJson(string file)
    {
        using var stream = File.OpenRead(file);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(stream, DocOptions); }
        catch (JsonException ex) { throw new InvalidDataException($"{file}: not valid JSON ({ex.Message}). HINT: the download may be truncated or an LFS pointer."); }
        using (doc)
        {
            var root = doc.RootElement;
            if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{file}: key 'model' is missing. HINT: the file must be a Hugging Face tokenizer.json.");
            string type = JsonRead.String(model, "type") ?? (model.TryGetProperty("merges", out _) ? "BPE" : "?");
            if (type != "BPE")
                throw new NotSupportedException($"{file}: model.type '{type}' is not supported (known: BPE). HINT: Verity reads byte-level BPE tokenizers (GPT-2, Llama 3, Qwen, SmolLM2); Unigram/WordPiece models are not supported.");
            CheckBpeOptions(model, file);

            var vocab = ReadVocab(model, file);
            var merges = ReadMerges(model, file);
            var bpe = new BpeModel(vocab, merges, JsonRead.Bool(model, "ignore_merges", false), file);

            bool sawByteLevel = false;
            var normalizer = root.TryGetProperty("normalizer", out var n) ? Normalizers.Parse(n, file) : null;
            var pre = root.TryGetProperty("pre_tokenizer", out var p) ? PreTokenizers.Parse(p, file, ref sawByteLevel) : null;
            if (!sawByteLevel)
                throw new NotSupportedException($"{file}: pre_tokenizer has no ByteLevel step. HINT: only byte-level BPE (GPT-2, Llama 3, Qwen, SmolLM2 style) is supported; SentencePiece-style BPE (Llama 2, Mistral) is not.");
            var post = root.TryGetProperty("post_processor", out var pp) ? PostProcessors.Parse(pp, file) : null;
            if (root.TryGetProperty("decoder", out var d) && d.ValueKind != JsonValueKind.Null)
            {
                string dt = JsonRead.Type(d, file, "decoder");
                if (dt != "ByteLevel")
                    throw new NotSupportedException($"{file}: decoder.type '{dt}' is not supported (known: ByteLevel). HINT: byte-level BPE tokenizers use the ByteLevel decoder.");
            }
            var added = ReadAddedTokens(root, file);
            return new Tokenizer(bpe, normalizer, pre, post, added, TokenizerSettings.Empty);
        }
    }

    private static void CheckBpeOptions(JsonElement model, string file)
    {
        if (JsonRead.Bool(model, "byte_fallback", false))
            throw new NotSupportedException($"{file}: model.byte_fallback=true is not supported. HINT: that is SentencePiece-style BPE (Llama 2, Mistral); Verity reads byte-level BPE.");
        foreach (var key in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
            if (JsonRead.String(model, key) is { Length: > 0 } v)
                throw new NotSupportedException($"{file}: model.{key}='{v}' is not supported. HINT: byte-level BPE tokenizers leave it empty.");
        if (model.TryGetProperty("dropout", out var dr) && dr.ValueKind == JsonValueKind.Number && dr.GetDouble() > 0)
            throw new NotSupportedException($"{file}: model.dropout={dr.GetDouble()} is not supported. HINT: set it to null for inference.");
    }

    private static Dictionary<string, int> ReadVocab(JsonElement model, string file)
    {
        if (!model.TryGetProperty("vocab", out var v) || v.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{file}: key 'model.vocab' is missing or not an object. HINT: expected {{\"token\": id, ...}}.");
        var vocab = new Dictionary<string, int>(v.GetPropertyCount());
        foreach (var e in v.EnumerateObject())
        {
            if (e.Value.ValueKind != JsonValueKind.Number)
                throw new InvalidDataException($"{file}: model.vocab['{e.Name}'] is not an integer id. HINT: expected {{\"token\": id}}.");
            vocab[e.Name] = e.Value.GetInt32();
        }
        return vocab;
    }

    /// <summary>Merges as legacy "a b" strings (Llama 3, older files) or ["a","b"] pairs (tokenizers ≥ 0.20).</summary>
    private static List<(string, string)> ReadMerges(JsonElement model, string file)
    {
        var merges = new List<(string, string)>();
        if (!model.TryGetProperty("merges", out var m) || m.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{file}: key 'model.merges' is missing or not an array. HINT: a BPE tokenizer.json lists its merges.");
        int index = 0;
        foreach (var e in m.EnumerateArray())
        {
            if (e.ValueKind == JsonValueKind.String)
                merges.Add(SplitLegacy(e.GetString()!, file, $"model.merges[{index}]"));
            else if (e.ValueKind == JsonValueKind.Array && e.GetArrayLength() == 2)
                merges.Add((e[0].GetString()!, e[1].GetString()!));
            else
                throw new InvalidDataException($"{file}: model.merges[{index}] is neither \"a b\" nor [\"a\", \"b\"]. HINT: the file may be corrupt.");
            index++;
        }
        return merges;
    }

    internal static (string, string) SplitLegacy(string merge, string file, string key)
    {
        int space = merge.IndexOf(' ', 1);
        if (space <= 0 || space == merge.Length - 1 || merge.IndexOf(' ', space + 1) >= 0)
            throw new InvalidDataException($"{file}: {key} '{merge}' is not two tokens separated by one space. HINT: legacy merges are \"left right\".");
        return (merge[..space], merge[(space + 1)..]);
    }

    private static List<AddedToken> ReadAddedTokens(JsonElement root, string file)
    {
        var list = new List<AddedToken>();
        if (!root.TryGetProperty("added_tokens", out var a) || a.ValueKind != JsonValueKind.Array) return list;
        foreach (var t in a.EnumerateArray())
        {
            if (!t.TryGetProperty("id", out var id) || JsonRead.String(t, "content") is not string content)
                throw new InvalidDataException($"{file}: an added_tokens entry lacks 'id' or 'content'. HINT: each entry is {{\"id\": n, \"content\": \"...\", \"special\": bool}}.");
            list.Add(new AddedToken(id.GetInt32(), content, JsonRead.Bool(t, "special", false), JsonRead.Bool(t, "lstrip", false), JsonRead.Bool(t, "rstrip", false)));
        }
        return list;
    }

    /// <summary>GPT-2 (OpenAI) files: token→id JSON plus a merges text file with a "#version" header.</summary>
    public static Tokenizer FromGpt2Files(string encoderJson, string mergesFile)
    {
        if (!File.Exists(mergesFile))
            throw new FileNotFoundException($"{mergesFile}: merges file not found beside {Path.GetFileName(encoderJson)}. HINT: GPT-2 needs encoder.json with vocab.bpe (or vocab.json with merges.txt).");
        Dictionary<string, int> vocab;
        try { vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(encoderJson)) ?? []; }
        catch (JsonException ex) { throw new InvalidDataException($"{encoderJson}: not a {{token: id}} JSON object ({ex.Message}). HINT: use GPT-2's encoder.json."); }
        var merges = new List<(string, string)>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(mergesFile))
        {
            lineNo++;
            if (line.StartsWith("#version", StringComparison.Ordinal) || line.Length == 0) continue;
            merges.Add(SplitLegacy(line, mergesFile, $"line {lineNo}"));
        }
        var bpe = new BpeModel(vocab, merges, ignoreMerges: false, mergesFile);
        var added = new List<AddedToken>();
        if (vocab.TryGetValue("<|endoftext|>", out int eot)) added.Add(new AddedToken(eot, "<|endoftext|>", true));
        var pre = new ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: true);
        return new Tokenizer(bpe, null, pre, null, added,
            TokenizerSettings.Empty with { EosToken = added.Count > 0 ? "<|endoftext|>" : null, BosToken = added.Count > 0 ? "<|endoftext|>" : null });
    }

    /// <summary>Config files override the loader's defaults (e.g. GPT-2's &lt;|endoftext|&gt; as eos).</summary>
    private static TokenizerSettings ReadSettings(string directory, TokenizerSettings defaults)
    {
        string? eos = defaults.EosToken, bos = defaults.BosToken, pad = defaults.PadToken, template = defaults.ChatTemplate;
        string config = Path.Combine(directory, "tokenizer_config.json");
        if (File.Exists(config))
        {
            using var doc = ParseFile(config);
            var r = doc.RootElement;
            eos = TokenString(r, "eos_token");
            bos = TokenString(r, "bos_token");
            pad = TokenString(r, "pad_token");
            template = ReadTemplate(r, config);
        }
        var genIds = new List<int>();
        string gen = Path.Combine(directory, "generation_config.json");
        if (File.Exists(gen))
        {
            using var doc = ParseFile(gen);
            if (doc.RootElement.TryGetProperty("eos_token_id", out var e))
            {
                if (e.ValueKind == JsonValueKind.Number) genIds.Add(e.GetInt32());
                else if (e.ValueKind == JsonValueKind.Array) genIds.AddRange(e.EnumerateArray().Select(x => x.GetInt32()));
            }
        }
        return new TokenizerSettings(eos, bos, pad, template, genIds);
    }

    private static JsonDocument ParseFile(string file)
    {
        try { return JsonDocument.Parse(File.ReadAllText(file)); }
        catch (JsonException ex) { throw new InvalidDataException($"{file}: not valid JSON ({ex.Message}). HINT: fix or re-download the file."); }
    }

    /// <summary>eos_token etc. are either a string or an AddedToken object {"content": ...}.</summary>
    private static string? TokenString(JsonElement r, string key)
    {
        if (!r.TryGetProperty(key, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Object => JsonRead.String(v, "content"),
            _ => null,
        };
    }

    /// <summary>chat_template is a string, or a list of {name, template} where "default" is used.</summary>
    private static string? ReadTemplate(JsonElement r, string file)
    {
        if (!r.TryGetProperty("chat_template", out var t)) return null;
        if (t.ValueKind == JsonValueKind.String) return t.GetString();
        if (t.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in t.EnumerateArray())
                if (JsonRead.String(e, "name") == "default") return JsonRead.String(e, "template");
            throw new InvalidDataException($"{file}: chat_template is a list without a 'default' entry. HINT: add {{\"name\": \"default\", \"template\": ...}}.");
        }
        return null;
    }
}
