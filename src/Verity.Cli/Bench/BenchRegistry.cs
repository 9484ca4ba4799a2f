namespace Verity.Cli.Bench;

/// <summary>Every benchmark family, keyed by name, in table order.</summary>
internal static class BenchRegistry
{
    public static readonly IReadOnlyList<IBenchmarkFamily> Families =
    [
        new SgemmBenchmark(),
        new ForwardBenchmark(),
        new TrainStepBenchmark(),
        new DecodeBenchmark(),
        new TrainMemoryBenchmark(),
        new TokenizerEncodeBenchmark(),
        new SftPackBenchmark(),
        new RlStepBenchmark(),
    ];

    /// <summary>
    /// The cases whose "family/shape" contains <paramref name="filter"/> (case-insensitive), or any of its
    /// comma-separated parts (e.g. "forward,decode"); all when null. A part that is exactly a family name selects
    /// that family only (so "decode" does not also pick sgemm's "…decode1" shapes), and a part that is exactly a
    /// case's key selects that case only (so "decode/smollm135m.x1" does not also pick "….x16").
    /// A filter matching nothing is an error that lists the known names.
    /// </summary>
    public static IReadOnlyList<(IBenchmarkFamily Family, IReadOnlyList<BenchCase> Cases)> Select(string? filter, bool quick)
    {
        var parts = filter?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var keys = Families.SelectMany(f => f.Cases(quick)).Select(c => c.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var selected = new List<(IBenchmarkFamily, IReadOnlyList<BenchCase>)>();
        foreach (var family in Families)
        {
            var cases = family.Cases(quick)
                .Where(c => parts is null || parts.Any(p => keys.Contains(p) ? c.Key.Equals(p, StringComparison.OrdinalIgnoreCase) : Matches(family, c, p)))
                .ToList();
            if (cases.Count > 0) selected.Add((family, cases));
        }
        if (selected.Count == 0)
        {
            var known = Families.SelectMany(f => f.Cases(quick: false)).Select(c => c.Key);
            throw new ArgumentException(
                $"--filter '{filter}' matches no benchmark. Known: {string.Join(", ", known)}. HINT: pass a family name such as 'sgemm' or part of a family/shape key.");
        }
        return selected;
    }

    private static bool Matches(IBenchmarkFamily family, BenchCase c, string part)
        => Families.Any(f => f.Name.Equals(part, StringComparison.OrdinalIgnoreCase))
            ? family.Name.Equals(part, StringComparison.OrdinalIgnoreCase)
            : c.Key.Contains(part, StringComparison.OrdinalIgnoreCase);
}
