using System.Text.Json;

namespace Verity.Cli.Bench;

/// <summary>
/// One measured line of `verity bench`: Verity's figure and the peer's, measured in the same run at the
/// same thread count. <see cref="Extra"/> holds family-specific fields (e.g. GEMM sizes) for the JSON.
/// </summary>
internal sealed record BenchRow(
    string Benchmark,
    string Shape,
    int? Batch,
    int? Seq,
    int Threads,
    string Unit,
    double Verity,
    double? Peer,
    string? PeerName,
    string Detail,
    IReadOnlyDictionary<string, object> Extra)
{
    public double? Ratio => Peer is > 0 ? Verity / Peer : null;

    public void WriteJson(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("benchmark", Benchmark);
        json.WriteString("shape", Shape);
        if (Batch is { } b) json.WriteNumber("batch", b); else json.WriteNull("batch");
        if (Seq is { } s) json.WriteNumber("seq", s); else json.WriteNull("seq");
        json.WriteNumber("threads", Threads);
        json.WriteString("unit", Unit);
        json.WriteNumber("verity", Math.Round(Verity, 3));
        if (Peer is { } p) json.WriteNumber("peer", Math.Round(p, 3)); else json.WriteNull("peer");
        if (PeerName is { } n) json.WriteString("peer_name", n); else json.WriteNull("peer_name");
        foreach (var (key, value) in Extra)
        {
            json.WritePropertyName(key);
            JsonSerializer.Serialize(json, value, value.GetType());
        }
        json.WriteEndObject();
    }
}
