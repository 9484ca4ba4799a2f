using System.Text;
using System.Text.Json;

namespace Verity.Hub.Tokenization;

/// <summary>A tokenizer.json "normalizer": text → text before pre-tokenization.</summary>
internal interface INormalizer
{
    string Normalize(string text);
}

internal sealed class UnicodeNormalizer(NormalizationForm form) : INormalizer
{
    public string Normalize(string text) => Unicode.UnicodeNormalization.Normalize(text, form);
}

internal sealed class LowercaseNormalizer : INormalizer
{
    public string Normalize(string text) => text.ToLowerInvariant();
}

internal sealed class SequenceNormalizer(INormalizer[] steps) : INormalizer
{
    public string Normalize(string text)
    {
        foreach (var step in steps) text = step.Normalize(text);
        return text;
    }
}

internal static class Normalizers
{
    /// <summary>Parses the "normalizer" object; null JSON → null (no normalization).</summary>
    public static INormalizer? Parse(JsonElement e, string file)
    {
        if (e.ValueKind == JsonValueKind.Null) return null;
        string type = JsonRead.Type(e, file, "normalizer");
        return type switch
        {
            "NFC" => new UnicodeNormalizer(NormalizationForm.FormC),
            "NFD" => new UnicodeNormalizer(NormalizationForm.FormD),
            "NFKC" => new UnicodeNormalizer(NormalizationForm.FormKC),
            "NFKD" => new UnicodeNormalizer(NormalizationForm.FormKD),
            "Lowercase" => new LowercaseNormalizer(),
            "Sequence" => new SequenceNormalizer(JsonRead.Array(e, "normalizers", file, "normalizer")
                .Select(x => Parse(x, file)).OfType<INormalizer>().ToArray()),
            _ => throw new NotSupportedException(
                $"{file}: normalizer.type '{type}' is not supported (known: NFC, NFD, NFKC, NFKD, Lowercase, Sequence). HINT: byte-level BPE tokenizers (GPT-2, Llama 3, Qwen, SmolLM2) use NFC or none."),
        };
    }
}
