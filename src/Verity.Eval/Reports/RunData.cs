using System.Text.Json;

namespace Verity.Eval.Reports;

/// <summary>One metric of one run: steps and values in step order (NaN where a row lacked it or held null).</summary>
public sealed record Series(long[] Steps, double[] Values);

/// <summary>A sampled completion from completions.jsonl.</summary>
public sealed record CompletionRecord(long Step, string Prompt, string Completion, double Reward, IReadOnlyList<KeyValuePair<string, string>> Extra);

/// <summary>An eval*.json / summary.json file flattened to dotted keys.</summary>
public sealed record EvalFile(string Name, IReadOnlyDictionary<string, string> Values);

/// <summary>Everything the report shows about one run directory, read after the run has finished (or died).</summary>
public sealed record RunData(string Name, string Dir, IReadOnlyDictionary<string, Series> Metrics,
    IReadOnlyDictionary<string, string>? Config, IReadOnlyList<EvalFile> Evals, IReadOnlyList<CompletionRecord> Completions)
{
    public const string MetricsFile = "metrics.jsonl";
    public const string ConfigFile = "config.yaml";
    public const string CompletionsFile = "completions.jsonl";

    public static RunData Load(string dir, string? name = null)
    {
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException($"run directory {dir} not found. HINT: pass a folder written by `verity train`, e.g. runs/<name>");
        var metricsPath = Path.Combine(dir, MetricsFile);
        if (!File.Exists(metricsPath))
            throw new FileNotFoundException($"{metricsPath} not found. HINT: pass a run directory written by `verity train` (it holds metrics.jsonl)", metricsPath);

        var configPath = Path.Combine(dir, ConfigFile);
        var evals = Directory.EnumerateFiles(dir, "*.json")
            .Where(p => Path.GetFileName(p) is var f && (f.StartsWith("eval", StringComparison.OrdinalIgnoreCase) || f.Equals("summary.json", StringComparison.OrdinalIgnoreCase)))
            .Order(StringComparer.Ordinal)
            .Select(LoadEval)
            .ToList();
        var completionsPath = Path.Combine(dir, CompletionsFile);
        return new RunData(
            name ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir))),
            dir,
            LoadMetrics(metricsPath),
            File.Exists(configPath) ? FlatYaml.Load(configPath) : null,
            evals,
            File.Exists(completionsPath) ? LoadCompletions(completionsPath) : []);
    }

    /// <summary>Reads metrics.jsonl; a torn last line (killed run) is skipped, a bad line elsewhere is an error naming it.</summary>
    internal static SortedDictionary<string, Series> LoadMetrics(string path)
    {
        var steps = new List<long>();
        var columns = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        foreach (var (lineNo, root) in JsonLines(path))
        {
            if (!root.TryGetProperty("step", out var stepEl) || !stepEl.TryGetInt64(out long step))
                throw new InvalidDataException($"{path}:{lineNo}: row has no integer \"step\". HINT: every metrics row is {{\"step\": N, \"<metric>\": value, …}}");
            int row = steps.Count;
            steps.Add(step);
            foreach (var p in root.EnumerateObject())
            {
                if (p.NameEquals("step")) continue;
                // Strings and objects are not plotted; null (a non-finite value) leaves a gap.
                if (p.Value.ValueKind is not (JsonValueKind.Number or JsonValueKind.Null)) continue;
                double v = p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble() : double.NaN;
                if (!columns.TryGetValue(p.Name, out var col))
                {
                    col = [];
                    columns[p.Name] = col;
                }
                while (col.Count < row) col.Add(double.NaN);
                col.Add(v);
            }
        }
        var result = new SortedDictionary<string, Series>(StringComparer.Ordinal);
        var stepArray = steps.ToArray();
        foreach (var (name, col) in columns)
        {
            while (col.Count < stepArray.Length) col.Add(double.NaN);
            result[name] = new Series(stepArray, col.ToArray());
        }
        return result;
    }

    internal static List<CompletionRecord> LoadCompletions(string path)
    {
        var list = new List<CompletionRecord>();
        foreach (var (_, root) in JsonLines(path))
        {
            long step = root.TryGetProperty("step", out var s) && s.TryGetInt64(out long v) ? v : 0;
            string prompt = root.TryGetProperty("prompt", out var p) ? AsText(p) : "";
            string completion = root.TryGetProperty("completion", out var c) ? AsText(c) : "";
            double reward = root.TryGetProperty("reward", out var r) && r.ValueKind == JsonValueKind.Number ? r.GetDouble() : double.NaN;
            var extra = root.EnumerateObject()
                .Where(e => e.Name is not ("step" or "prompt" or "completion" or "reward"))
                .Select(e => KeyValuePair.Create(e.Name, AsText(e.Value)))
                .ToList();
            list.Add(new CompletionRecord(step, prompt, completion, reward, extra));
        }
        return list;
    }

    private static EvalFile LoadEval(string path)
    {
        var flat = new SortedDictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            FlattenJson(doc.RootElement, "", flat);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}:{ex.LineNumber + 1}: not valid JSON ({ex.Message}). HINT: eval*.json and summary.json in a run directory are read as eval results; fix or rename the file");
        }
        return new EvalFile(Path.GetFileName(path), flat);
    }

    private static void FlattenJson(JsonElement e, string prefix, SortedDictionary<string, string> into)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject()) FlattenJson(p.Value, prefix.Length == 0 ? p.Name : $"{prefix}.{p.Name}", into);
                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in e.EnumerateArray()) FlattenJson(item, $"{prefix}[{i++}]", into);
                break;
            default:
                into[prefix.Length == 0 ? "value" : prefix] = AsText(e);
                break;
        }
    }

    private static string AsText(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString() ?? "",
        JsonValueKind.Number => e.TryGetDouble(out double d) ? Format.Number(d) : e.GetRawText(),
        _ => e.GetRawText(),
    };

    private static IEnumerable<(int Line, JsonElement Root)> JsonLines(string path)
    {
        var lines = File.ReadAllLines(path);
        bool endsWithNewline = new FileInfo(path).Length == 0 || EndsWithNewline(path);
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            JsonElement root;
            try
            {
                using var doc = JsonDocument.Parse(lines[i]);
                root = doc.RootElement.Clone();
            }
            catch (JsonException) when (i == lines.Length - 1 && !endsWithNewline)
            {
                continue; // the torn last line of a killed run
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{path}:{i + 1}: not a JSON object ({ex.Message}). HINT: each line of a run's .jsonl files is one JSON object; fix or delete that line");
            }
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}:{i + 1}: expected a JSON object, found {root.ValueKind}. HINT: each line of a run's .jsonl files is one JSON object");
            yield return (i + 1, root);
        }
    }

    private static bool EndsWithNewline(string path)
    {
        using var f = File.OpenRead(path);
        f.Seek(-1, SeekOrigin.End);
        return f.ReadByte() == '\n';
    }
}
