using System.Text.Json;

namespace Verity.Hub.Tokenization;

/// <summary>Small readers for tokenizer.json whose errors name the file and key.</summary>
internal static class JsonRead
{
    public static string Type(JsonElement e, string file, string key)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("type", out var t) || t.ValueKind != JsonValueKind.String)
            throw new InvalidDataException($"{file}: '{key}' has no string 'type'. HINT: the file must be a Hugging Face tokenizer.json (tokenizers ≥ 0.13).");
        return t.GetString()!;
    }

    public static JsonElement.ArrayEnumerator Array(JsonElement e, string name, string file, string key)
    {
        if (!e.TryGetProperty(name, out var a) || a.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{file}: '{key}.{name}' must be an array. HINT: check the tokenizer.json against the Hugging Face format.");
        return a.EnumerateArray();
    }

    public static bool Bool(JsonElement e, string name, bool fallback)
        => e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : fallback;

    public static string? String(JsonElement e, string name)
        => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
