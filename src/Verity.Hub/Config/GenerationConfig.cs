using System.Text.Json;

namespace Verity.Hub.Config;

/// <summary>
/// <c>generation_config.json</c>: the stop ids and sampling defaults a model ships with. Instruct models
/// list several eos ids (e.g. Qwen2.5 [151645, 151643]); generation must stop on any of them.
/// </summary>
public sealed record GenerationConfig
{
    public const string FileName = "generation_config.json";

    public int? BosTokenId { get; init; }

    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    public int? PadTokenId { get; init; }

    public bool? DoSample { get; init; }

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public int? TopK { get; init; }

    public bool Equals(GenerationConfig? o) => o is not null && BosTokenId == o.BosTokenId && PadTokenId == o.PadTokenId
        && DoSample == o.DoSample && Temperature == o.Temperature && TopP == o.TopP && TopK == o.TopK
        && EosTokenIds.SequenceEqual(o.EosTokenIds);

    public override int GetHashCode() => HashCode.Combine(BosTokenId, PadTokenId, DoSample, Temperature, TopP, TopK, EosTokenIds.Count);

    public static GenerationConfig ReadFile(string path)
    {
        using var doc = HubJson.ParseFile(path);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{path}: expected a JSON object, found {root.ValueKind}.");
        InvalidDataException Bad(string key, string expected, JsonElement v) =>
            new($"{path}: key '{key}' must be {expected}, found {v.GetRawText()}. HINT: fix {FileName}.");
        JsonElement? Get(string key) => root.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;
        IReadOnlyList<int> Ids(string key)
        {
            if (Get(key) is not { } v) return [];
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int one)) return [one];
            if (v.ValueKind != JsonValueKind.Array) throw Bad(key, "an integer or a list of integers", v);
            return v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int id) ? id
                : throw Bad(key, "an integer or a list of integers", v)).ToList();
        }
        double? Num(string key) => Get(key) is { } v ? v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Bad(key, "a number", v) : null;
        int? Int(string key) => Get(key) is { } v ? v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw Bad(key, "an integer", v) : null;
        bool? Bool(string key) => Get(key) is { } v ? v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw Bad(key, "true or false", v) : null;

        return new GenerationConfig
        {
            BosTokenId = Ids("bos_token_id") is { Count: > 0 } b ? b[0] : null,
            EosTokenIds = Ids("eos_token_id"),
            PadTokenId = Ids("pad_token_id") is { Count: > 0 } p ? p[0] : null,
            DoSample = Bool("do_sample"),
            Temperature = Num("temperature"),
            TopP = Num("top_p"),
            TopK = Int("top_k"),
        };
    }

    public void WriteFile(string path)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        if (BosTokenId is { } bos) json.WriteNumber("bos_token_id", bos);
        HfConfigWriter.WriteIds(json, "eos_token_id", EosTokenIds);
        if (PadTokenId is { } pad) json.WriteNumber("pad_token_id", pad);
        if (DoSample is { } ds) json.WriteBoolean("do_sample", ds);
        if (Temperature is { } t) json.WriteNumber("temperature", t);
        if (TopP is { } tp) json.WriteNumber("top_p", tp);
        if (TopK is { } tk) json.WriteNumber("top_k", tk);
        json.WriteEndObject();
    }
}
