using System.Globalization;
using System.Text.Json;
using Verity.Engine.Kernels;

namespace Verity.Cli.Bench;

/// <summary>
/// SGEMM GFLOP/s (2·M·N·K / best time) in the three training layouts, at square sizes and at the
/// linear-layer shapes of SmolLM2-135M and Qwen2.5-0.5B with M = 1024 tokens, against numpy's matmul on
/// the same layouts. The peer runs twice, with OpenBLAS's own core detection and with
/// OPENBLAS_CORETYPE=SkylakeX (AVX-512 kernels), and the faster of the two is reported.
/// </summary>
internal sealed class SgemmBenchmark : IBenchmarkFamily
{
    public string Name => "sgemm";

    private sealed record Spec(string Layout, int M, int N, int K)
    {
        public string Dims => $"{Layout} {M}×{N}×{K}";
    }

    private const int Tokens = 1024;

    /// <summary>(shape, layout, M, N, K, in --quick). Model dims: SmolLM2-135M C=576 I=1536 kv=192 V=49152; Qwen2.5-0.5B C=896 I=4864 kv=128 V=151936.</summary>
    private static readonly (string Shape, string Layout, int M, int N, int K, bool Quick)[] All =
    [
        ("square512", "XWt", 512, 512, 512, true),
        ("square1024", "XWt", 1024, 1024, 1024, true),
        ("square2048", "XWt", 2048, 2048, 2048, true),
        ("square2048.dx", "XW", 2048, 2048, 2048, false),
        ("square2048.dw", "XtY", 2048, 2048, 2048, false),
        ("smollm135m.attn_q", "XWt", Tokens, 576, 576, false),
        ("smollm135m.attn_kv", "XWt", Tokens, 192, 576, false),
        ("smollm135m.mlp_up", "XWt", Tokens, 1536, 576, true),
        ("smollm135m.mlp_up.dx", "XW", Tokens, 1536, 576, false),
        ("smollm135m.mlp_up.dw", "XtY", Tokens, 1536, 576, false),
        ("smollm135m.mlp_down", "XWt", Tokens, 576, 1536, false),
        ("smollm135m.lm_head", "XWt", Tokens, 49152, 576, false),
        ("qwen2.5-0.5b.attn_q", "XWt", Tokens, 896, 896, false),
        ("qwen2.5-0.5b.attn_kv", "XWt", Tokens, 128, 896, false),
        ("qwen2.5-0.5b.mlp_up", "XWt", Tokens, 4864, 896, true),
        ("qwen2.5-0.5b.mlp_up.dx", "XW", Tokens, 4864, 896, false),
        ("qwen2.5-0.5b.mlp_up.dw", "XtY", Tokens, 4864, 896, false),
        ("qwen2.5-0.5b.mlp_down", "XWt", Tokens, 896, 4864, false),
        ("qwen2.5-0.5b.lm_head", "XWt", Tokens, 151936, 896, false),
        ("qwen2.5-0.5b.mlp_up.decode1", "XWt", 1, 4864, 896, true),
        ("qwen2.5-0.5b.mlp_up.decode4", "XWt", 4, 4864, 896, false),
    ];

    public IReadOnlyList<BenchCase> Cases(bool quick) => All
        .Where(c => !quick || c.Quick)
        .Select(c => new BenchCase(Name, c.Shape, new Spec(c.Layout, c.M, c.N, c.K)))
        .ToList();

    /// <summary>
    /// Case by case, Verity is timed right before and right after the peer runs (best of both passes), so
    /// on a shared machine both sides see the same background load.
    /// </summary>
    public IReadOnlyList<BenchRow> Run(IReadOnlyList<BenchCase> cases, BenchSettings settings)
    {
        var rows = new List<BenchRow>();
        string? problem = settings.UsePeer ? null : "peer disabled (--no-peer)";
        foreach (var c in cases)
        {
            var spec = (Spec)c.Spec;
            double verity = MeasureVerity(spec, settings);
            var peerRuns = new List<(string Label, double Gflops, string Blas)>();
            if (settings.UsePeer && problem is null)
            {
                foreach (var (label, coreType) in new[] { ("installed", (string?)null), ("SkylakeX", "SkylakeX") })
                {
                    var (run, why) = MeasurePeer(c, settings, coreType);
                    if (run is null) { problem = why; settings.Log.WriteLine($"bench sgemm peer ({label}): n/a: {why}"); break; }
                    peerRuns.Add((label, run.Value.Gflops, run.Value.Blas));
                }
                verity = Math.Max(verity, MeasureVerity(spec, settings));
            }
            settings.Log.WriteLine($"bench sgemm {c.Shape} ({spec.Dims}): verity {verity:0.0} GFLOP/s; peer "
                + (peerRuns.Count == 0 ? "n/a" : string.Join(", ", peerRuns.Select(r => $"{r.Label} {r.Gflops:0.0}"))));

            var extra = new Dictionary<string, object> { ["layout"] = spec.Layout, ["m"] = spec.M, ["n"] = spec.N, ["k"] = spec.K, ["path"] = Gemm.Path.ToString() };
            double? peer = null;
            string? peerName = null;
            string detail = spec.Dims;
            if (peerRuns.Count > 0)
            {
                var best = peerRuns.MaxBy(r => r.Gflops);
                peer = best.Gflops;
                peerName = "numpy-" + BlasName(best.Blas);
                extra["peer_runs"] = peerRuns.ToDictionary(r => r.Label, r => Math.Round(r.Gflops, 3));
                extra["peer_blas"] = best.Blas;
                detail += "; peer " + string.Join(", ", peerRuns.Select(r => $"{r.Label} {r.Gflops.ToString("0.0", CultureInfo.InvariantCulture)}"));
            }
            else if (problem is not null)
            {
                extra["peer_problem"] = problem;
            }
            rows.Add(new BenchRow(Name, c.Shape, null, null, settings.Threads, "GFLOP/s", verity, peer, peerName, detail, extra));
        }
        return rows;
    }

    private static double MeasureVerity(Spec spec, BenchSettings settings)
    {
        var (la, lb, lc) = spec.Layout switch
        {
            "XWt" => ((long)spec.M * spec.K, (long)spec.N * spec.K, (long)spec.M * spec.N),
            "XW" => ((long)spec.M * spec.N, (long)spec.N * spec.K, (long)spec.M * spec.K),
            _ => ((long)spec.M * spec.N, (long)spec.M * spec.K, (long)spec.N * spec.K),
        };
        var rng = new Random(0);
        var a = Fill(new float[la], rng);
        var b = Fill(new float[lb], rng);
        var c = new float[lc];
        Action run = spec.Layout switch
        {
            "XWt" => () => Gemm.XWt(a, b, spec.M, spec.N, spec.K, c),
            "XW" => () => Gemm.XW(a, b, spec.M, spec.N, spec.K, c),
            _ => () => Gemm.XtY(a, b, spec.M, spec.N, spec.K, c, accumulate: false),
        };
        double seconds = BenchTimer.BestSeconds(run, settings.Repetitions, settings.Budget);
        return 2.0 * spec.M * spec.N * spec.K / seconds / 1e9;
    }

    private static ((double Gflops, string Blas)? Run, string? Problem) MeasurePeer(BenchCase c, BenchSettings settings, string? coreType)
    {
        string threads = settings.Threads.ToString(CultureInfo.InvariantCulture);
        var env = new Dictionary<string, string> { ["OPENBLAS_NUM_THREADS"] = threads, ["OMP_NUM_THREADS"] = threads, ["MKL_NUM_THREADS"] = threads };
        if (coreType is not null) env["OPENBLAS_CORETYPE"] = coreType;
        if (PythonPeer.OpenBlasDir() is { } dir)
            env["LD_LIBRARY_PATH"] = dir + (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") is { Length: > 0 } old ? ":" + old : "");
        var s = (Spec)c.Spec;
        var stdin = JsonSerializer.Serialize(new[] { new { shape = c.Shape, layout = s.Layout, m = s.M, n = s.N, k = s.K } });
        string[] args = [settings.Repetitions.ToString(CultureInfo.InvariantCulture), settings.Budget.TotalSeconds.ToString(CultureInfo.InvariantCulture)];
        var (doc, problem) = PythonPeer.Run("peer_sgemm.py", stdin, env, args, TimeSpan.FromMinutes(10));
        if (doc is null) return (null, problem);
        using (doc)
        {
            var result = doc.RootElement.GetProperty("results").EnumerateArray().Single();
            return ((result.GetProperty("gflops").GetDouble(), doc.RootElement.GetProperty("blas").GetString() ?? "unknown"), null);
        }
    }

    /// <summary>"/usr/lib/…/openblas-pthread/libblas.so.3" → "openblas"; the reference BLAS → "refblas".</summary>
    private static string BlasName(string path)
        => path.Contains("openblas", StringComparison.OrdinalIgnoreCase) ? "openblas"
            : path.Contains("mkl", StringComparison.OrdinalIgnoreCase) ? "mkl"
            : path.Contains("blis", StringComparison.OrdinalIgnoreCase) ? "blis"
            : "refblas";

    private static float[] Fill(float[] v, Random rng)
    {
        for (int i = 0; i < v.Length; i++) v[i] = (float)(rng.NextDouble() * 2 - 1);
        return v;
    }
}
