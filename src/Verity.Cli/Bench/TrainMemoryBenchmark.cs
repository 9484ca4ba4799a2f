using System.Diagnostics;
using System.Text.Json;
using Verity.Engine.Model;

namespace Verity.Cli.Bench;

/// <summary>
/// Peak resident memory (GiB) of one training step (forward, backward, AdamW with its moments) of the
/// SmolLM2-135M shape at 8 × 512 tokens, with activation checkpointing on and off (target ≤ 6 GB). Each
/// measurement runs in a fresh child process — this same CLI, `bench --filter train_memory/SHAPE --no-peer`,
/// with VERITY_BENCH_MEMORY_CHILD=1 — so the peak (VmHWM) belongs to that step alone. The peer is the same step
/// in PyTorch (torch.utils.checkpoint per layer when on), its peak from getrusage.
/// </summary>
internal sealed class TrainMemoryBenchmark : IBenchmarkFamily
{
    public string Name => "train_memory";

    const string ChildVariable = "VERITY_BENCH_MEMORY_CHILD";

    private sealed record Spec(ModelShapes.Shape Model, bool Checkpointing);

    public IReadOnlyList<BenchCase> Cases(bool quick)
    {
        var shape = ModelShapes.For(quick, batch: 8, seq: 512)[0];
        return
        [
            new BenchCase(Name, $"{shape.Name}.checkpointed", new Spec(shape, true)),
            new BenchCase(Name, $"{shape.Name}.stored", new Spec(shape, false)),
        ];
    }

    public IReadOnlyList<BenchRow> Run(IReadOnlyList<BenchCase> cases, BenchSettings settings)
    {
        bool child = Environment.GetEnvironmentVariable(ChildVariable) == "1";
        var rows = new List<BenchRow>();
        foreach (var c in cases)
        {
            var spec = (Spec)c.Spec;
            var extra = new Dictionary<string, object> { ["layers"] = spec.Model.Config.NumLayers, ["checkpointing"] = spec.Checkpointing };
            double verity = child ? MeasureHere(spec) : MeasureInChild(c, settings);
            settings.Log.WriteLine($"bench train_memory {c.Shape}: verity {verity:0.00} GiB");
            (double? peer, string? peerName) = (null, null);
            if (!child)
            {
                var (result, problem) = ModelPeer.Run("peer_model.py", new { mode = "memory", checkpointing = spec.Checkpointing, model = spec.Model.PeerJson }, settings);
                (peer, peerName) = ModelPeer.Read(result, problem, "peak_rss_gib", extra);
                settings.Log.WriteLine($"bench train_memory {c.Shape}: peer {(peer is { } p ? ModelShapes.Inv(p, "0.00") : "n/a")} GiB");
            }
            string detail = $"L{spec.Model.Config.NumLayers} peak RSS of one step, checkpointing {(spec.Checkpointing ? "on" : "off")}; lower is better";
            rows.Add(new BenchRow(Name, c.Shape, spec.Model.Batch, spec.Model.Seq, settings.Threads, "GiB", verity, peer, peerName, detail, extra));
        }
        return rows;
    }

    /// <summary>In the child: one full training step, then the process's peak resident set.</summary>
    static double MeasureHere(Spec spec)
    {
        var model = ModelShapes.Build(spec.Model.Config);
        model.ActivationCheckpointing = spec.Checkpointing;
        var batch = ModelShapes.RandomBatch(spec.Model.Config, spec.Model.Batch, spec.Model.Seq);
        TrainStepBenchmark.Step(model, batch)();
        return PeakResidentBytes() / (1024.0 * 1024 * 1024);
    }

    /// <summary>VmHWM from /proc/self/status (Linux), else the runtime's peak working set.</summary>
    static long PeakResidentBytes()
    {
        if (File.Exists("/proc/self/status"))
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }

    /// <summary>Runs this case in a fresh `verity bench` process and reads its row back from --json.</summary>
    static double MeasureInChild(BenchCase c, BenchSettings settings)
    {
        string json = Path.Combine(Path.GetTempPath(), $"verity-{Environment.ProcessId}-memory-{Guid.NewGuid():N}.json");
        string exe = Environment.ProcessPath ?? throw new InvalidOperationException("train_memory: cannot find this process's executable to re-launch it.");
        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Launched as `dotnet verity.dll`: the entry assembly is the program to run.
        if (Path.GetFileNameWithoutExtension(exe) == "dotnet" && System.Reflection.Assembly.GetEntryAssembly()?.Location is { Length: > 0 } dll)
            start.ArgumentList.Add(dll);
        string[] args = ["bench", "--filter", c.Key, "--no-peer", "--threads", settings.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json", json];
        foreach (var a in args) start.ArgumentList.Add(a);
        if (settings.Quick) start.ArgumentList.Add("--quick");
        start.Environment[ChildVariable] = "1";
        try
        {
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"train_memory: child `verity {string.Join(' ', args)}` exited with {process.ExitCode}: {stderr.Result.Trim().Split('\n').LastOrDefault()}");
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            return doc.RootElement.GetProperty("results")[0].GetProperty("verity").GetDouble();
        }
        finally
        {
            File.Delete(json);
        }
    }
}
