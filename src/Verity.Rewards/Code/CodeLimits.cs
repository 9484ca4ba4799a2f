namespace Verity.Rewards.Code;

/// <summary>
/// Resource limits of one sandboxed run. Defaults follow LiveCodeBench (6 s per test) and the limits table of
/// docs/reference code-sandbox.md §5; training usually lowers <see cref="TestTimeout"/>.
/// </summary>
public sealed record CodeLimits
{
    /// <summary>Wall time per test (stdio: per process; call/asserts/check: per call of the candidate, and for
    /// loading the program). Default 6 s (LiveCodeBench).</summary>
    public TimeSpan TestTimeout { get; init; } = TimeSpan.FromSeconds(6);

    /// <summary>Upper bound on the wall time of all tests of one program together. Default 160 s.</summary>
    public TimeSpan SolutionBudget { get; init; } = TimeSpan.FromSeconds(160);

    /// <summary>RLIMIT_AS of every sandboxed process. Default 1 GiB (raise for numpy-heavy tasks).</summary>
    public long MemoryBytes { get; init; } = 1L << 30;

    /// <summary>RLIMIT_NPROC per slot uid (threads count too). Default 32.</summary>
    public int MaxProcesses { get; init; } = 32;

    /// <summary>RLIMIT_NOFILE. Default 64.</summary>
    public int MaxOpenFiles { get; init; } = 64;

    /// <summary>RLIMIT_FSIZE: largest file the program may write. Default 16 MiB.</summary>
    public long MaxFileBytes { get; init; } = 16L << 20;

    /// <summary>Size of the private tmpfs holding /tmp and the work dir. Default 64 MiB.</summary>
    public long TmpfsBytes { get; init; } = 64L << 20;

    /// <summary>Cap on stdout and on stderr of one process (and on one protocol message). Beyond it the run is
    /// killed with verdict OLE. Default 1 MiB.</summary>
    public int MaxOutputBytes { get; init; } = 1 << 20;

    /// <summary>RLIMIT_CPU for a process that runs <paramref name="tests"/> tests.</summary>
    internal int CpuSeconds(int tests)
    {
        double perTest = System.Math.Ceiling(TestTimeout.TotalSeconds);
        return (int)System.Math.Min(perTest * System.Math.Max(1, tests) + 1, System.Math.Ceiling(SolutionBudget.TotalSeconds) + 1);
    }

    internal void Validate()
    {
        if (TestTimeout <= TimeSpan.Zero) throw new ArgumentException($"code limits: test timeout must be positive, got {TestTimeout}. HINT: use e.g. --timeout 6.");
        if (SolutionBudget < TestTimeout) throw new ArgumentException($"code limits: solution budget {SolutionBudget} is below the test timeout {TestTimeout}. HINT: raise the budget.");
        if (MemoryBytes < 64L << 20) throw new ArgumentException($"code limits: memory {MemoryBytes} bytes is too small for python3. HINT: use at least 64 MiB.");
        if (MaxProcesses < 1 || MaxOpenFiles < 8 || MaxFileBytes < 0 || MaxOutputBytes < 1024 || TmpfsBytes < 1 << 20)
            throw new ArgumentException("code limits: processes ≥ 1, open files ≥ 8, file size ≥ 0, output ≥ 1 KiB and tmpfs ≥ 1 MiB are required. HINT: check the limits you set.");
    }
}
