namespace Verity.Cli.Bench;

/// <summary>Every benchmark family, keyed by name, in table order.</summary>
internal static class BenchRegistry
{
    public static readonly IReadOnlyList<IBenchmarkFamily> Families =
    [
        new SgemmBenchmark(),
    ];

    /// <summary>
    /// The cases whose "family/shape" contains <paramref name="filter"/> (case-insensitive); all when null.
    /// A filter matching nothing is an error that lists the known names.
    /// </summary>
    public static IReadOnlyList<(IBenchmarkFamily Family, IReadOnlyList<BenchCase> Cases)> Select(string? filter, bool quick)
    {
        var selected = new List<(IBenchmarkFamily, IReadOnlyList<BenchCase>)>();
        foreach (var family in Families)
        {
            var cases = family.Cases(quick)
                .Where(c => filter is null || c.Key.Contains(filter, StringComparison.OrdinalIgnoreCase))
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
}
