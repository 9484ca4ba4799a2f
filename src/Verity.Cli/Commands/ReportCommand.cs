using System.CommandLine;
using Verity.Eval.Reports;

namespace Verity.Cli.Commands;

/// <summary>
/// <c>verity report RUN_DIR [RUN_DIR…] [--out report.html]</c>: one self-contained HTML page with the runs' curves
/// overlaid, the config diff, eval tables and sample completions. Reads the run directories; trains nothing.
/// </summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var runs = new Argument<string[]>("run-dir")
        {
            Description = "Run directories (runs/<name>) to report on; several are overlaid on the same charts.",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string?>("--out", "-o")
        {
            Description = "HTML file to write. Default: <run-dir>/report.html for one run, report.html here for several.",
        };
        var command = new Command("report", "Write a self-contained HTML report (charts, config diff, evals, samples) of one or more runs.");
        command.Arguments.Add(runs);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            var dirs = parse.GetValue(runs) ?? [];
            var data = dirs.Select(d => RunData.Load(d)).ToList();
            // Two runs with the same folder name (runs/a/x, runs/b/x) get their parent folder as well, so the legend tells them apart.
            var duplicated = data.GroupBy(r => r.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
            data = data.Select(r => duplicated.Contains(r.Name) ? r with { Name = ParentAndName(r.Dir) } : r).ToList();

            string path = parse.GetValue(output) ?? (dirs.Length == 1 ? Path.Combine(dirs[0], "report.html") : "report.html");
            var html = HtmlReport.Render(data, DateTimeOffset.UtcNow);
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (folder is not null) Directory.CreateDirectory(folder);
            File.WriteAllText(path, html);
            int charts = data.SelectMany(r => r.Metrics.Keys).Distinct().Count();
            parse.InvocationConfiguration.Output.WriteLine($"wrote {path} ({data.Count} run(s), {charts} chart(s))");
            return 0;
        });
        return command;
    }

    private static string ParentAndName(string dir)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir));
        return $"{Path.GetFileName(Path.GetDirectoryName(full))}/{Path.GetFileName(full)}";
    }
}
