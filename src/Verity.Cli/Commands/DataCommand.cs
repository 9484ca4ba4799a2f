using System.CommandLine;
using System.Text.Json.Nodes;
using Verity.Data.Cleaning;
using Verity.Data.Pipeline;
using Verity.Data.Records;

namespace Verity.Cli.Commands;

/// <summary>
/// <c>verity data clean|dedup|decontaminate|code-check</c>: dataset steps (code-check lives in DataCodeCheckCommand). Each reads a JSONL file of
/// problems, writes the kept rows unchanged to --output and, with --removed, the dropped rows with a
/// <c>removed_reason</c> field, and prints what it removed and why.
/// </summary>
internal static class DataCommand
{
    private static readonly Option<string> Input = new("--input") { Description = "JSONL file of problems (fields id, problem, answer[, solution]).", Required = true };
    private static readonly Option<string> Output = new("--output") { Description = "Where the kept rows go (JSONL, written atomically).", Required = true };
    private static readonly Option<string?> Removed = new("--removed") { Description = "Optional JSONL file for the dropped rows, each with removed_reason." };
    private static readonly Option<string[]> Field = new("--field") { Description = "Map a field: ours=theirs, e.g. problem=question. Repeatable.", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [] };

    public static Command Create()
    {
        var data = new Command("data", "Dataset steps: clean, dedup, decontaminate, difficulty, reject-sample (math problems); code-check (code problems).");
        data.Subcommands.Add(Clean());
        data.Subcommands.Add(Dedup());
        data.Subcommands.Add(Decontaminate());
        data.Subcommands.Add(DataDifficultyCommand.Create());
        data.Subcommands.Add(DataRejectCommand.Create());
        data.Subcommands.Add(DataCodeCheckCommand.Create());
        return data;
    }

    private static Command Clean()
    {
        var rules = new Option<string[]>("--rules")
        {
            Description = $"Cleaning rules to apply; known: {string.Join(", ", ProblemFilters.Registry.Keys)}.",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [.. ProblemFilters.Default],
        };
        var cmd = Step("clean", "Drop proofs, figure-dependent, multi-question, URL-bearing and empty problems.", rules);
        cmd.SetAction(parse => Run(parse, "clean", problems => DataSteps.Clean(problems, parse.GetValue(rules)!)));
        return cmd;
    }

    private static Command Dedup()
    {
        var threshold = new Option<double>("--threshold") { Description = "Near-duplicate when at least this fraction of 9-grams appear in one earlier problem.", DefaultValueFactory = _ => 0.5 };
        var cmd = Step("dedup", "Remove exact and 9-gram near duplicates, keeping the first.", threshold);
        cmd.SetAction(parse => Run(parse, "dedup", problems => DataSteps.Deduplicate(problems, parse.GetValue(threshold))));
        return cmd;
    }

    private static Command Decontaminate()
    {
        var benchmarks = new Option<string[]>("--benchmarks")
        {
            Description = "Benchmark JSONL files or folders of them; any problem sharing a 9-gram with one is dropped.",
            AllowMultipleArgumentsPerToken = true,
            Required = true,
        };
        var cmd = Step("decontaminate", "Remove problems that share a 9-gram with any benchmark problem.", benchmarks);
        cmd.SetAction(parse =>
        {
            var files = parse.GetValue(benchmarks)!.SelectMany(ExpandJsonl).ToList();
            var bench = files.SelectMany(f => MathProblemFile.Read(f).Select(r => (Path.GetFileNameWithoutExtension(f), r.Problem.Problem))).ToList();
            return Run(parse, "decontaminate", problems => DataSteps.Decontaminate(problems, bench));
        });
        return cmd;
    }

    private static Command Step(string name, string description, Option extra)
    {
        var cmd = new Command(name, description);
        cmd.Options.Add(Input);
        cmd.Options.Add(Output);
        cmd.Options.Add(Removed);
        cmd.Options.Add(Field);
        cmd.Options.Add(extra);
        return cmd;
    }

    private static int Run(ParseResult parse, string step, Func<IEnumerable<MathProblem>, FilterReport<MathProblem>> apply)
    {
        string input = parse.GetValue(Input)!;
        var map = MathProblemFile.ParseFieldMap(parse.GetValue(Field)!);
        var rows = MathProblemFile.Read(input, map).ToList();
        // Problems are records (value equality): key by reference so identical rows stay distinct.
        var rowOf = new Dictionary<MathProblem, JsonObject>(ReferenceEqualityComparer.Instance);
        foreach (var r in rows) rowOf[r.Problem] = r.Row;
        var report = apply(rows.Select(r => r.Problem));
        JsonlFile.Write(parse.GetValue(Output)!, report.Kept.Select(p => rowOf[p]));
        if (parse.GetValue(Removed) is { } removedPath)
            JsonlFile.Write(removedPath, report.Removed.Select(r =>
            {
                var row = (JsonObject)rowOf[r.Item].DeepClone();
                row["removed_reason"] = r.Reason;
                return row;
            }));
        parse.InvocationConfiguration.Output.WriteLine(report.Summary($"{step} {input}"));
        return 0;
    }

    private static IEnumerable<string> ExpandJsonl(string path) => Directory.Exists(path)
        ? Directory.EnumerateFiles(path, "*.jsonl").Order()
        : File.Exists(path) ? [path] : throw new FileNotFoundException($"--benchmarks {path}: no such file or folder.");
}
