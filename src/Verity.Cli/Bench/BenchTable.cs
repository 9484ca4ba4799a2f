using System.Globalization;

namespace Verity.Cli.Bench;

/// <summary>Prints rows as one Markdown table, so the output pastes straight into docs/benchmarks.md.</summary>
internal static class BenchTable
{
    public static void Write(IReadOnlyList<BenchRow> rows, TextWriter output)
    {
        string[] header = ["benchmark", "shape", "threads", "unit", "verity", "peer", "verity/peer", "peer name", "detail"];
        var cells = rows.Select(r => new[]
        {
            r.Benchmark, r.Shape, r.Threads.ToString(CultureInfo.InvariantCulture), r.Unit,
            Format(r.Verity), r.Peer is { } p ? Format(p) : "n/a",
            r.Ratio is { } q ? q.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "n/a",
            r.PeerName ?? "n/a", r.Detail,
        }).ToList();
        var widths = header.Select((h, c) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(row => row[c].Length))).ToArray();
        output.WriteLine(Line(header, widths));
        output.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
        foreach (var row in cells) output.WriteLine(Line(row, widths));
    }

    private static string Line(string[] cells, int[] widths)
        => "| " + string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i]))) + " |";

    private static string Format(double v) => v.ToString(v >= 100 ? "0.0" : "0.00", CultureInfo.InvariantCulture);
}
