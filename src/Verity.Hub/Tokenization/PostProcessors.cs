using System.Text.Json;

namespace Verity.Hub.Tokenization;

/// <summary>A tokenizer.json "post_processor": adds special tokens around an encoded single sequence.</summary>
internal interface IPostProcessor
{
    void Apply(List<int> ids);
}

/// <summary>HF "TemplateProcessing" (single): e.g. Llama 3.1 "$A" → "&lt;|begin_of_text|&gt; $A".</summary>
internal sealed class TemplatePostProcessor(int[] before, int[] after) : IPostProcessor
{
    public void Apply(List<int> ids)
    {
        ids.InsertRange(0, before);
        ids.AddRange(after);
    }
}

internal sealed class SequencePostProcessor(IPostProcessor[] steps) : IPostProcessor
{
    public void Apply(List<int> ids) { foreach (var s in steps) s.Apply(ids); }
}

internal static class PostProcessors
{
    public static IPostProcessor? Parse(JsonElement e, string file)
    {
        if (e.ValueKind == JsonValueKind.Null) return null;
        string type = JsonRead.Type(e, file, "post_processor");
        switch (type)
        {
            case "ByteLevel": return null;  // only adjusts offsets (trim_offsets); ids are unchanged
            case "Sequence":
                return new SequencePostProcessor(JsonRead.Array(e, "processors", file, "post_processor")
                    .Select(x => Parse(x, file)).OfType<IPostProcessor>().ToArray());
            case "TemplateProcessing": return ParseTemplate(e, file);
            default:
                throw new NotSupportedException($"{file}: post_processor.type '{type}' is not supported (known: TemplateProcessing, ByteLevel, Sequence). HINT: byte-level BPE chat models use these.");
        }
    }

    private static TemplatePostProcessor ParseTemplate(JsonElement e, string file)
    {
        var specials = new Dictionary<string, int[]>();
        if (e.TryGetProperty("special_tokens", out var st) && st.ValueKind == JsonValueKind.Object)
            foreach (var p in st.EnumerateObject())
                specials[p.Name] = JsonRead.Array(p.Value, "ids", file, $"post_processor.special_tokens.{p.Name}").Select(x => x.GetInt32()).ToArray();
        var before = new List<int>();
        var after = new List<int>();
        bool seenSequence = false;
        foreach (var item in JsonRead.Array(e, "single", file, "post_processor"))
        {
            if (item.TryGetProperty("Sequence", out _)) { seenSequence = true; continue; }
            if (!item.TryGetProperty("SpecialToken", out var sp) || JsonRead.String(sp, "id") is not string name)
                throw new InvalidDataException($"{file}: post_processor.single has an item that is neither Sequence nor SpecialToken. HINT: expected {{\"SpecialToken\": {{\"id\": \"<s>\"}}}}.");
            if (!specials.TryGetValue(name, out var ids))
                throw new InvalidDataException($"{file}: post_processor.single names special token '{name}' missing from post_processor.special_tokens. HINT: add it with its ids.");
            (seenSequence ? after : before).AddRange(ids);
        }
        return new TemplatePostProcessor(before.ToArray(), after.ToArray());
    }
}
