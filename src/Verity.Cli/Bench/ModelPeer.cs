using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace Verity.Cli.Bench;

/// <summary>
/// Shared plumbing of the model-level families: timing a heavy step, and running a PyTorch peer script
/// (bench/peer_model.py, bench/peer_decode.py) with the same thread count and OpenBLAS set-up as the sgemm
/// peer (the distribution OpenBLAS on LD_LIBRARY_PATH with its AVX-512 kernels forced, since torch's
/// "generic" BLAS is whatever libblas.so.3 resolves to, by default the netlib reference BLAS), and with
/// OMP_WAIT_POLICY=PASSIVE, which was faster for torch on this shared machine.
/// </summary>
internal static class ModelPeer
{
    public const string PeerName = "pytorch-eager";

    /// <summary>
    /// One untimed warm-up, then up to <c>reps</c> timed runs, stopping after the budget once two ran
    /// (after one when a single step exceeds 20 s); returns the best seconds.
    /// </summary>
    public static double BestSeconds(Action action, BenchSettings settings)
    {
        var warm = Stopwatch.StartNew();
        action();
        int minimum = warm.Elapsed.TotalSeconds > 20 ? 1 : 2;
        double best = double.MaxValue;
        var total = Stopwatch.StartNew();
        for (int r = 0; r < settings.Repetitions; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds);
            if (r + 1 >= minimum && total.Elapsed > settings.Budget) break;
        }
        return best;
    }

    /// <summary>
    /// Returns the finished Verity model's memory to the OS before the peer starts: a plain collection keeps the
    /// freed regions committed, and Qwen2.5-0.5B's ~10 GB training state plus the peer's ~14 GB exceeded the
    /// 24 GB machine (the peer was OOM-killed).
    /// </summary>
    public static void ReleaseMemory() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    /// <summary>Runs <paramref name="script"/> on one JSON case; the parsed result, or null and why not.</summary>
    public static (JsonElement? Result, string? Problem) Run(string script, object payload, BenchSettings settings)
    {
        if (!settings.UsePeer) return (null, "peer disabled (--no-peer)");
        string threads = settings.Threads.ToString(CultureInfo.InvariantCulture);
        var env = new Dictionary<string, string>
        {
            ["OPENBLAS_NUM_THREADS"] = threads, ["OMP_NUM_THREADS"] = threads, ["MKL_NUM_THREADS"] = threads,
            ["OPENBLAS_CORETYPE"] = "SkylakeX", ["VERITY_PEER_THREADS"] = threads,
            // torch's OpenMP workers spin-wait by default; on a shared, oversubscribed machine that made the
            // peer's decode 5× slower (10 vs 52 tokens/s measured here), so let them sleep.
            ["OMP_WAIT_POLICY"] = "PASSIVE",
        };
        if (PythonPeer.OpenBlasDir() is { } dir)
            env["LD_LIBRARY_PATH"] = dir + (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") is { Length: > 0 } old ? ":" + old : "");
        string[] args = [settings.Repetitions.ToString(CultureInfo.InvariantCulture), settings.Budget.TotalSeconds.ToString(CultureInfo.InvariantCulture)];
        // peer_decode.py imports the model from peer_model.py: put a copy on PYTHONPATH.
        string modules = Path.Combine(Path.GetTempPath(), $"verity-{Environment.ProcessId}-peers");
        Directory.CreateDirectory(modules);
        using (var resource = Assembly.GetExecutingAssembly().GetManifestResourceStream("peer_model.py")
            ?? throw new InvalidOperationException("peer script peer_model.py is not embedded in verity"))
        using (var file = File.Create(Path.Combine(modules, "peer_model.py")))
            resource.CopyTo(file);
        env["PYTHONPATH"] = modules;
        JsonDocument? doc;
        string? problem;
        try
        {
            (doc, problem) = PythonPeer.Run(script, JsonSerializer.Serialize(payload), env, args, TimeSpan.FromMinutes(30));
        }
        finally
        {
            Directory.Delete(modules, recursive: true);
        }
        if (doc is null)
        {
            settings.Log.WriteLine($"bench peer {script}: n/a: {problem}");
            return (null, problem);
        }
        using (doc) return (doc.RootElement.Clone(), null);
    }

    /// <summary>The peer row fields: (figure, name, extra) from a result's <paramref name="field"/>, or n/a with the reason in extra.</summary>
    public static (double? Value, string? Name) Read(JsonElement? result, string? problem, string field, Dictionary<string, object> extra)
    {
        if (result is not { } r)
        {
            if (problem is not null) extra["peer_problem"] = problem;
            return (null, null);
        }
        if (r.TryGetProperty("torch", out var version)) extra["peer_torch"] = version.GetString() ?? "";
        if (r.TryGetProperty("blas", out var blas)) extra["peer_blas"] = blas.GetString() ?? "";
        return (r.GetProperty(field).GetDouble(), PeerName);
    }
}
