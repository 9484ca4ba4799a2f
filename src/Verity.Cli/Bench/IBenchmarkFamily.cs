namespace Verity.Cli.Bench;

/// <summary>What every benchmark family gets from the command line.</summary>
/// <param name="Threads">Thread count for Verity and for the peer.</param>
/// <param name="Quick">Fewer shapes and repetitions (a smoke run, not for docs/benchmarks.md).</param>
/// <param name="UsePeer">Launch the peer (python); false gives rows with peer n/a.</param>
/// <param name="Log">Progress lines (stderr), so stdout carries only the table.</param>
/// <param name="Repetitions">Timed runs per case; the best is reported (the machine may be shared).</param>
internal sealed record BenchSettings(int Threads, bool Quick, bool UsePeer, TextWriter Log, int Repetitions)
{
    /// <summary>Stop repeating a case after this long (the best-of is taken over what ran, at least two).</summary>
    public TimeSpan Budget => TimeSpan.FromSeconds(Quick ? 0.5 : 0.5 * Repetitions);
}

/// <summary>A named case of a family: <c>Key</c> is what <c>--filter</c> matches (family/shape).</summary>
internal sealed record BenchCase(string Family, string Shape, object Spec)
{
    public string Key => $"{Family}/{Shape}";
}

/// <summary>
/// A family of benchmark rows (sgemm, forward, train_step, decode, tokenizer). To add one: implement this,
/// then add it to <see cref="BenchRegistry.Families"/>.
/// </summary>
internal interface IBenchmarkFamily
{
    /// <summary>The JSON "benchmark" name, also the registry key.</summary>
    string Name { get; }

    IReadOnlyList<BenchCase> Cases(bool quick);

    /// <summary>Measures the selected cases (Verity and peer) and returns one row per case.</summary>
    IReadOnlyList<BenchRow> Run(IReadOnlyList<BenchCase> cases, BenchSettings settings);
}
