using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Verity.Rl.Tracking;

/// <summary>
/// Opening an append-only JSONL file of a run (metrics.jsonl, completions.jsonl) for a fresh or resumed run.
/// Each line is a complete JSON object with a <c>"step"</c> field and is flushed as it is written, so a
/// killed run leaves at most one torn last line; opening drops that line and, on resume, every row whose
/// step is after the resumed step (those steps are about to be done again).
/// </summary>
internal static class JsonlFile
{
    /// <summary>
    /// Completions are full of '&lt;', '&gt;' and '+'; keep them readable (<c>grep</c>, <c>jq</c>) instead of \u-escaped.
    /// The files are data, never embedded in HTML as is (the report escapes what it shows).
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static FileStream OpenForRun(string path, long? resumeStep)
    {
        if (resumeStep is null || !File.Exists(path))
            return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        TruncateAfter(path, resumeStep.Value);
        return new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    /// <summary>Rewrite <paramref name="path"/> keeping only complete lines with step &lt;= <paramref name="lastKeptStep"/>.</summary>
    public static void TruncateAfter(string path, long lastKeptStep)
    {
        var text = File.ReadAllText(path, Encoding.UTF8);
        var kept = new StringBuilder(text.Length);
        int start = 0;
        while (start < text.Length)
        {
            int end = text.IndexOf('\n', start);
            if (end < 0) break; // torn last line of a killed run: never complete, drop it
            var line = text.AsSpan(start, end - start).TrimEnd('\r');
            if (!line.IsWhiteSpace() && StepOf(line, path) <= lastKeptStep) kept.Append(line).Append('\n');
            start = end + 1;
        }
        // Write beside and rename so a crash during truncation never loses the kept rows.
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, kept.ToString(), new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
    }

    private static long StepOf(ReadOnlySpan<char> line, string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(line.ToString());
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("step", out var step) && step.TryGetInt64(out long s))
                return s;
        }
        catch (JsonException)
        {
        }
        throw new InvalidDataException($"{path}: line '{Shorten(line)}' is not a JSON object with an integer \"step\". HINT: fix or remove that line, or start a fresh run directory");
    }

    private static string Shorten(ReadOnlySpan<char> line) => line.Length <= 60 ? line.ToString() : line[..60].ToString() + "…";

    /// <summary>JSON has no NaN/Infinity: write them as null so every line stays valid JSON for any reader.</summary>
    public static void WriteNumber(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteNull(name);
    }
}
