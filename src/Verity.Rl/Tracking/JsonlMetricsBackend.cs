using System.Text.Json;

namespace Verity.Rl.Tracking;

/// <summary>
/// Backend <c>jsonl</c>: run_dir/metrics.jsonl, one flat object per step,
/// <c>{"step": 12, "reward": 0.41, "completions/mean_length": 312.5, …}</c>, flushed after every row.
/// Non-finite values are written as null.
/// </summary>
public sealed class JsonlMetricsBackend : IMetricsBackend
{
    public const string FileName = "metrics.jsonl";

    private readonly FileStream _stream;
    private readonly Utf8JsonWriter _writer;

    public JsonlMetricsBackend(string runDir, long? resumeStep)
    {
        Directory.CreateDirectory(runDir);
        _stream = JsonlFile.OpenForRun(Path.Combine(runDir, FileName), resumeStep);
        _writer = new Utf8JsonWriter(_stream, JsonlFile.WriterOptions);
    }

    public void Log(long step, IReadOnlyDictionary<string, double> metrics)
    {
        _writer.Reset(_stream);
        _writer.WriteStartObject();
        _writer.WriteNumber("step", step);
        foreach (var (name, value) in metrics)
        {
            if (name == "step") continue; // the row's own step wins; a duplicate key would make the line ambiguous
            JsonlFile.WriteNumber(_writer, name, value);
        }
        _writer.WriteEndObject();
        _writer.Flush();
        _stream.WriteByte((byte)'\n');
        _stream.Flush();
    }

    public void Dispose()
    {
        _writer.Dispose();
        _stream.Dispose();
    }
}
