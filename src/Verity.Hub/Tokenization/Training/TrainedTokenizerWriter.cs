using System.Text.Encodings.Web;
using System.Text.Json;

namespace Verity.Hub.Tokenization.Training;

/// <summary>
/// Writes a trained byte-level BPE as Hugging Face files: tokenizer.json (Qwen-style pipeline: NFC,
/// Split(Qwen regex) + ByteLevel, merges as ["a","b"] pairs, special tokens after the BPE vocab) and
/// tokenizer_config.json (eos/pad and a plain ChatML chat template).
/// </summary>
public static class TrainedTokenizerWriter
{
    public const string ChatMlTemplate =
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(TrainedBpe bpe, string directory)
    {
        Directory.CreateDirectory(directory);
        WriteTokenizerJson(bpe, Path.Combine(directory, "tokenizer.json"));
        WriteConfig(bpe, Path.Combine(directory, "tokenizer_config.json"));
    }

    private static void WriteTokenizerJson(TrainedBpe bpe, string file)
    {
        using var stream = File.Create(file);
        using var w = new Utf8JsonWriter(stream, Options);
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WriteNull("truncation");
        w.WriteNull("padding");
        w.WriteStartArray("added_tokens");
        for (int i = 0; i < bpe.SpecialTokens.Count; i++)
        {
            w.WriteStartObject();
            w.WriteNumber("id", bpe.Tokens.Count + i);
            w.WriteString("content", bpe.SpecialTokens[i]);
            w.WriteBoolean("single_word", false);
            w.WriteBoolean("lstrip", false);
            w.WriteBoolean("rstrip", false);
            w.WriteBoolean("normalized", false);
            w.WriteBoolean("special", true);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("normalizer");
        w.WriteString("type", "NFC");
        w.WriteEndObject();
        w.WriteStartObject("pre_tokenizer");
        w.WriteString("type", "Sequence");
        w.WriteStartArray("pretokenizers");
        w.WriteStartObject();
        w.WriteString("type", "Split");
        w.WriteStartObject("pattern");
        w.WriteString("Regex", GptSplitScanner.QwenPattern);
        w.WriteEndObject();
        w.WriteString("behavior", "Isolated");
        w.WriteBoolean("invert", false);
        w.WriteEndObject();
        WriteByteLevel(w, null);
        w.WriteEndArray();
        w.WriteEndObject();
        WriteByteLevel(w, "post_processor");
        WriteByteLevel(w, "decoder");
        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteNull("unk_token");
        w.WriteString("continuing_subword_prefix", "");
        w.WriteString("end_of_word_suffix", "");
        w.WriteBoolean("fuse_unk", false);
        w.WriteBoolean("byte_fallback", false);
        w.WriteBoolean("ignore_merges", false);
        w.WriteStartObject("vocab");
        for (int i = 0; i < bpe.Tokens.Count; i++) w.WriteNumber(bpe.Tokens[i], i);
        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var (l, r) in bpe.Merges)
        {
            w.WriteStartArray();
            w.WriteStringValue(l);
            w.WriteStringValue(r);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteByteLevel(Utf8JsonWriter w, string? name)
    {
        if (name == null) w.WriteStartObject(); else w.WriteStartObject(name);
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", false);
        w.WriteBoolean("trim_offsets", false);
        w.WriteBoolean("use_regex", false);
        w.WriteEndObject();
    }

    private static void WriteConfig(TrainedBpe bpe, string file)
    {
        string? eos = bpe.SpecialTokens.Contains("<|im_end|>") ? "<|im_end|>" : bpe.SpecialTokens.FirstOrDefault();
        string? pad = bpe.SpecialTokens.Contains("<|endoftext|>") ? "<|endoftext|>" : eos;
        using var stream = File.Create(file);
        using var w = new Utf8JsonWriter(stream, Options);
        w.WriteStartObject();
        w.WriteBoolean("add_bos_token", false);
        w.WriteBoolean("add_prefix_space", false);
        w.WriteNull("bos_token");
        if (eos != null) w.WriteString("eos_token", eos); else w.WriteNull("eos_token");
        if (pad != null) w.WriteString("pad_token", pad); else w.WriteNull("pad_token");
        w.WriteNull("unk_token");
        w.WriteBoolean("clean_up_tokenization_spaces", false);
        w.WriteNumber("model_max_length", 32768);
        w.WriteString("tokenizer_class", "PreTrainedTokenizerFast");
        w.WriteString("chat_template", ChatMlTemplate);
        w.WriteEndObject();
    }
}
