using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Verity.Data.Records;

namespace Verity.Eval.Harness;

/// <summary>The table, the per-sample JSONL and the summary JSON of an evaluation.</summary>
public static class EvalReport
{
    /// <summary>Benchmarks × metrics in percent, plus the average row (the layout of seed 001's tables).</summary>
    public static string Table(IReadOnlyList<BenchmarkScores> scores)
    {
        int k = scores.Count > 0 ? scores[0].K : 1;
        int width = Math.Max(9, scores.Count == 0 ? 0 : scores.Max(s => s.Name.Length));
        var sb = new StringBuilder();
        string[] heads = [$"avg@{k}", "pass@1", $"pass@{k}", $"maj@{k}", "len", "trunc"];
        sb.Append("benchmark".PadRight(width)).Append("  n    ");
        foreach (var h in heads) sb.Append(h.PadLeft(8));
        sb.AppendLine();
        foreach (var s in scores)
            sb.AppendLine(Row(s.Name.PadRight(width) + "  " + s.Problems.ToString(CultureInfo.InvariantCulture).PadRight(5),
                s.AvgAtK, s.PassAt1, s.PassAtK, s.MajAtK) + Cell(s.Lengths.Mean, 8, "F0") + Cell(100 * s.Lengths.TruncatedFraction, 7, "F1") + "%");
        var avg = BenchmarkScores.Average(scores);
        sb.Append(Row("avg".PadRight(width) + "       ", avg.AvgAtK, avg.PassAt1, avg.PassAtK, avg.MajAtK));
        return sb.ToString();
    }

    private static string Row(string label, params double[] values) => label + string.Concat(values.Select(v => Cell(100 * v, 8, "F1")));

    private static string Cell(double v, int width, string format) => v.ToString(format, CultureInfo.InvariantCulture).PadLeft(width);

    /// <summary>One row per sample: benchmark, id, sample index, response, extracted, verdict, score, length, truncated.</summary>
    public static IEnumerable<JsonObject> SampleRows(string benchmark, IReadOnlyList<ProblemOutcome> outcomes)
    {
        foreach (var o in outcomes)
            for (int i = 0; i < o.Samples.Count; i++)
            {
                var s = o.Samples[i];
                yield return new JsonObject
                {
                    ["benchmark"] = benchmark, ["id"] = o.Problem.Id, ["sample"] = i, ["response"] = s.Response,
                    ["extracted"] = s.Extracted, ["verdict"] = s.Verdict, ["score"] = s.Score, ["length"] = s.Length, ["truncated"] = s.Truncated,
                };
            }
    }

    /// <summary>The summary object: run settings, per-benchmark scores, lengths, reflection statistics and the average.</summary>
    public static JsonObject Summary(IReadOnlyList<BenchmarkScores> scores, JsonObject settings)
    {
        var benchmarks = new JsonObject();
        foreach (var s in scores)
        {
            var reflection = new JsonObject();
            foreach (var (name, (fraction, meanLength)) in s.Reflection)
                reflection[name] = new JsonObject { ["fraction"] = fraction, ["mean_length_chars"] = meanLength };
            benchmarks[s.Name] = new JsonObject
            {
                ["problems"] = s.Problems, ["rejected_problems"] = s.Rejected, ["k"] = s.K,
                [$"avg@{s.K}"] = s.AvgAtK, ["pass@1"] = s.PassAt1, [$"pass@{s.K}"] = s.PassAtK, [$"maj@{s.K}"] = s.MajAtK,
                ["response_length"] = new JsonObject
                {
                    ["mean"] = s.Lengths.Mean, ["p50"] = s.Lengths.P50, ["p90"] = s.Lengths.P90, ["max"] = s.Lengths.Max,
                    ["truncated_fraction"] = s.Lengths.TruncatedFraction,
                },
                ["reflection"] = reflection,
            };
        }
        var avg = BenchmarkScores.Average(scores);
        int k = scores.Count > 0 ? scores[0].K : 1;
        return new JsonObject
        {
            ["settings"] = settings,
            ["benchmarks"] = benchmarks,
            ["average"] = new JsonObject { [$"avg@{k}"] = avg.AvgAtK, ["pass@1"] = avg.PassAt1, [$"pass@{k}"] = avg.PassAtK, [$"maj@{k}"] = avg.MajAtK },
        };
    }

    /// <summary>Writes eval_samples.jsonl and eval_&lt;timestamp&gt;.json into <paramref name="outDir"/>; returns the summary path.</summary>
    public static string Write(string outDir, IReadOnlyList<(BenchmarkScores Scores, IReadOnlyList<ProblemOutcome> Outcomes)> results, JsonObject settings, DateTime utcNow)
    {
        Directory.CreateDirectory(outDir);
        JsonlFile.Write(Path.Combine(outDir, "eval_samples.jsonl"), results.SelectMany(r => SampleRows(r.Scores.Name, r.Outcomes)));
        string path = Path.Combine(outDir, $"eval_{utcNow:yyyyMMdd'T'HHmmss'Z'}.json");
        var summary = Summary(results.Select(r => r.Scores).ToList(), settings);
        File.WriteAllText(path, summary.ToJsonString(new JsonSerializerOptions(JsonlFile.WriteOptions) { WriteIndented = true }) + "\n");
        return path;
    }
}
