using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Verity.Data.Records;
using Verity.Data.Templates;
using Verity.Engine.Generation;
using Verity.Eval.Harness;

namespace Verity.Cli.Commands;

/// <summary>
/// <c>verity eval</c>: k samples per benchmark problem, verified by the math verifier; prints avg@k, pass@1,
/// pass@k, maj@k per benchmark and their average, and writes eval_samples.jsonl and eval_&lt;timestamp&gt;.json.
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder (config.json, safetensors, tokenizer.json).", Required = true };
        var benchmarks = new Option<string>("--benchmarks") { Description = $"Comma-separated benchmark names; known: {string.Join(", ", BenchmarkRegistry.Known.Keys)}.", DefaultValueFactory = _ => "gsm8k,math500" };
        var files = new Option<string[]>("--benchmark-file") { Description = "Add a benchmark: name=path.jsonl (fields id, problem, answer). Repeatable; named sets are evaluated even if not in --benchmarks.", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [] };
        var dataDir = new Option<string?>("--data-dir") { Description = "Folder of the benchmark files. [default: ../shared/data/benchmarks, searched from here and the repository]" };
        var k = new Option<int>("--k") { Description = "Samples per problem.", DefaultValueFactory = _ => 4 };
        var temperature = new Option<float>("--temperature") { Description = "Sampling temperature (0 = greedy; then use --k 1).", DefaultValueFactory = _ => 0.6f };
        var topP = new Option<float>("--top-p") { Description = "Nucleus mass in (0, 1].", DefaultValueFactory = _ => 1f };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "New tokens per sample at most; longer samples count as truncated.", DefaultValueFactory = _ => 1024 };
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N problems of each benchmark." };
        var template = new Option<string?>("--template") { Description = $"Prompt template for every benchmark ({string.Join(", ", PromptFormatter.Names)}). [default: each benchmark's own, boxed or gsm8k]" };
        var outDir = new Option<string?>("--out") { Description = "Folder for eval_samples.jsonl and eval_<timestamp>.json. [default: no files]" };
        var seed = new Option<ulong>("--seed") { Description = "Sampling seed; the same seed gives the same samples.", DefaultValueFactory = _ => 1UL };
        var progressEvery = new Option<int>("--progress-every") { Description = "Print a progress line every this many problems.", DefaultValueFactory = _ => 16 };

        var command = new Command("eval", "Evaluate a model on math benchmarks: avg@k, pass@k, maj@k, response lengths and reflection statistics.");
        foreach (var o in new Option[] { model, benchmarks, files, dataDir, k, temperature, topP, maxNew, limit, template, outDir, seed, progressEvery }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var w = parse.InvocationConfiguration.Output;
            int kValue = parse.GetValue(k);
            if (kValue < 1) throw new ArgumentException($"--k must be ≥ 1, got {kValue}.");
            if (parse.GetValue(limit) is < 1) throw new ArgumentException($"--limit must be ≥ 1, got {parse.GetValue(limit)}.");
            if (parse.GetValue(progressEvery) < 1) throw new ArgumentException("--progress-every must be ≥ 1.");
            string? templateOverride = parse.GetValue(template);
            var added = parse.GetValue(files)!.Select(f => BenchmarkRegistry.ParseFileSpec(f, "boxed")).ToList();
            var names = parse.GetValue(benchmarks)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Where(n => !added.Any(a => a.Name == n)).Concat(added.Select(a => a.Name));
            if (parse.GetResult(benchmarks) is not { Implicit: false } && added.Count > 0) names = added.Select(a => a.Name);
            var specs = BenchmarkRegistry.Select(names, added);
            string? data = parse.GetValue(dataDir) ?? BenchmarkRegistry.FindDataDir();
            var paths = specs.Select(s => BenchmarkRegistry.PathOf(s, data)).ToList();   // all files checked before the model loads

            var sampling = new SamplingParams { N = kValue, Temperature = parse.GetValue(temperature), TopP = parse.GetValue(topP), MaxNewTokens = parse.GetValue(maxNew), Seed = parse.GetValue(seed) };
            sampling.Validate();
            string modelDir = parse.GetValue(model)!;
            var sm = SamplingModel.Load(modelDir);
            var clock = Stopwatch.StartNew();
            var results = new List<(BenchmarkScores, IReadOnlyList<ProblemOutcome>)>();
            for (int b = 0; b < specs.Count; b++)
            {
                var spec = specs[b];
                var fieldMap = new Dictionary<string, string> { ["problem"] = spec.ProblemField, ["answer"] = spec.AnswerField };
                var problems = MathProblemFile.Read(paths[b], fieldMap).Select(r => r.Problem).Take(parse.GetValue(limit) ?? int.MaxValue).ToList();
                if (problems.Count == 0) throw new InvalidDataException($"benchmark {spec.Name}: {paths[b]} has no problems.");
                string tmpl = templateOverride ?? spec.Template;
                var runner = new ProblemSampler(sm.Generator, sm.Tokenizer, new PromptFormatter(sm.Tokenizer, tmpl), sampling, sm.StopTokenIds) { ChunkSize = parse.GetValue(progressEvery) };
                w.WriteLine($"eval {spec.Name}: {problems.Count} problems × {kValue} samples, template {tmpl}");
                var outcomes = runner.Run(problems, (done, total) => w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {spec.Name} {done}/{total} problems, {clock.Elapsed.TotalSeconds:F0}s")));
                foreach (var bad in outcomes.Where(o => o.Error is not null).Take(3))
                    w.WriteLine($"  warning: {spec.Name} {bad.Problem.Id} scored 0, not generated: {bad.Error}");
                int rejected = outcomes.Count(o => o.Error is not null);
                if (rejected > 0) w.WriteLine($"  warning: {rejected} of {problems.Count} {spec.Name} problems were rejected by the generator and count as wrong.");
                results.Add((BenchmarkScores.Compute(spec.Name, outcomes), outcomes));
            }
            var scores = results.Select(r => r.Item1).ToList();
            w.WriteLine();
            w.WriteLine(EvalReport.Table(scores));
            foreach (var s in scores)
            {
                w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{s.Name}: length mean {s.Lengths.Mean:F1} p50 {s.Lengths.P50:F0} p90 {s.Lengths.P90:F0} max {s.Lengths.Max}, truncated {s.Lengths.TruncatedFraction:P1}; ")
                    + string.Join(", ", s.Reflection.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key} {r.Value.Fraction:P1}"))));
            }
            if (parse.GetValue(outDir) is { } dir)
            {
                var settings = new JsonObject
                {
                    ["model"] = Path.GetFullPath(modelDir), ["k"] = kValue, ["temperature"] = sampling.Temperature, ["top_p"] = sampling.TopP,
                    ["max_new_tokens"] = sampling.MaxNewTokens, ["seed"] = sampling.Seed, ["limit"] = parse.GetValue(limit),
                    ["template"] = templateOverride, ["seconds"] = clock.Elapsed.TotalSeconds,
                    ["files"] = new JsonObject(specs.Select((s, i) => KeyValuePair.Create(s.Name, (JsonNode?)paths[i]))),
                };
                string path = EvalReport.Write(dir, results, settings, DateTime.UtcNow);
                w.WriteLine($"wrote {Path.Combine(dir, "eval_samples.jsonl")} and {path}");
            }
            return 0;
        });
        return command;
    }
}
