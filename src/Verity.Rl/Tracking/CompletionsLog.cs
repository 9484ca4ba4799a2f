using System.Text.Json;
using System.Text.Json.Nodes;

namespace Verity.Rl.Tracking;

/// <summary>One sampled prompt/completion with its reward (TRL <c>log_completions</c>); Extra holds anything else (reference answer, per-function rewards, finish reason).</summary>
public sealed record CompletionSample(string Prompt, string Completion, double Reward, IReadOnlyDictionary<string, JsonNode?>? Extra = null);

/// <summary>
/// run_dir/completions.jsonl: one object per sample, <c>{"step", "prompt", "completion", "reward", …extra}</c>,
/// written every <c>every</c> steps and flushed per step.
/// </summary>
public sealed class CompletionsLog : IDisposable
{
    public const string FileName = "completions.jsonl";

    private readonly int _every;
    private readonly FileStream _stream;
    private readonly Utf8JsonWriter _writer;

    public CompletionsLog(string runDir, int every, long? resumeStep)
    {
        if (every <= 0) throw new ArgumentException($"completions every must be >= 1 (got {every}). HINT: use 0 to turn completion logging off instead of creating the log");
        _every = every;
        Directory.CreateDirectory(runDir);
        _stream = JsonlFile.OpenForRun(Path.Combine(runDir, FileName), resumeStep);
        _writer = new Utf8JsonWriter(_stream, JsonlFile.WriterOptions);
    }

    public bool IsDue(long step) => step % _every == 0;

    public void Write(long step, IEnumerable<CompletionSample> samples)
    {
        foreach (var s in samples)
        {
            _writer.Reset(_stream);
            _writer.WriteStartObject();
            _writer.WriteNumber("step", step);
            _writer.WriteString("prompt", s.Prompt);
            _writer.WriteString("completion", s.Completion);
            JsonlFile.WriteNumber(_writer, "reward", s.Reward);
            if (s.Extra is not null)
            {
                foreach (var (key, value) in s.Extra)
                {
                    if (key is "step" or "prompt" or "completion" or "reward") continue;
                    _writer.WritePropertyName(key);
                    if (value is null) _writer.WriteNullValue();
                    else value.WriteTo(_writer);
                }
            }
            _writer.WriteEndObject();
            _writer.Flush();
            _stream.WriteByte((byte)'\n');
        }
        _stream.Flush();
    }

    public void Dispose()
    {
        _writer.Dispose();
        _stream.Dispose();
    }
}
