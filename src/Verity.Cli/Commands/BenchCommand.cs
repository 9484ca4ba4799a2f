using System.CommandLine;
using System.Text.Json;
using Verity.Cli.Bench;
using Verity.Engine.Threading;

namespace Verity.Cli.Commands;

/// <summary>
/// <c>verity bench</c>: measures Verity against its peer (numpy/OpenBLAS, PyTorch eager) in one run at one
/// thread count and prints one Markdown table; <c>--json FILE</c> writes the same rows machine-readably.
/// Families live in <see cref="BenchRegistry"/>.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var filter = new Option<string?>("--filter") { Description = "Run only rows whose family/shape contains NAME (e.g. sgemm, sgemm/square2048)." };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the rows to FILE as {\"results\":[…]}." };
        var threads = new Option<int?>("--threads") { Description = "Thread count for Verity and the peer (default: VERITY_THREADS or all cores)." };
        var quick = new Option<bool>("--quick") { Description = "Fewer shapes and repetitions: a smoke run, not for published numbers." };
        var noPeer = new Option<bool>("--no-peer") { Description = "Skip the peer (no python launched); peer columns read n/a." };
        var reps = new Option<int?>("--reps") { Description = "Timed runs per case, best reported (default 7, 3 with --quick); raise it on a busy machine." };

        var command = new Command("bench", "Benchmark Verity's kernels and model steps against a peer, in one run at one thread count.");
        foreach (var option in new Option[] { filter, json, threads, quick, noPeer, reps }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(threads) is { } n) WorkPool.ThreadCount = n;
            bool isQuick = parse.GetValue(quick);
            int repetitions = parse.GetValue(reps) ?? (isQuick ? 3 : 7);
            if (repetitions < 1)
                throw new ArgumentException($"--reps {repetitions} is not valid: expected at least 1. HINT: pass --reps 7 or leave it out.");
            var settings = new BenchSettings(WorkPool.ThreadCount, isQuick, !parse.GetValue(noPeer), parse.InvocationConfiguration.Error, repetitions);
            var selected = BenchRegistry.Select(parse.GetValue(filter), settings.Quick);

            var rows = new List<BenchRow>();
            foreach (var (family, cases) in selected) rows.AddRange(family.Run(cases, settings));

            output.WriteLine($"machine: {MachineInfo.Describe()}; threads {settings.Threads}; best of {settings.Repetitions}");
            output.WriteLine();
            BenchTable.Write(rows, output);
            if (parse.GetValue(json) is { } file) WriteJson(rows, file);
            return 0;
        });
        return command;
    }

    private static void WriteJson(IReadOnlyList<BenchRow> rows, FileInfo file)
    {
        using var stream = File.Create(file.FullName);
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("machine", MachineInfo.Describe());
        writer.WriteStartArray("results");
        foreach (var row in rows) row.WriteJson(writer);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
