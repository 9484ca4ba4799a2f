namespace Verity.Cli.Bench;

/// <summary>
/// Tokens/s of the scoring forward (per-token log-probs and entropies through the chunked vocabulary head,
/// no activations kept) at batch 4 × 256 on SmolLM2-135M and Qwen2.5-0.5B shapes, against a plain PyTorch
/// Llama under no_grad with log_softmax + gather (+ entropy).
/// </summary>
internal sealed class ForwardBenchmark : IBenchmarkFamily
{
    public string Name => "forward";

    public IReadOnlyList<BenchCase> Cases(bool quick)
        => ModelShapes.For(quick, batch: 4, seq: 256).Select(s => new BenchCase(Name, s.Name, s)).ToList();

    public IReadOnlyList<BenchRow> Run(IReadOnlyList<BenchCase> cases, BenchSettings settings)
    {
        var rows = new List<BenchRow>();
        foreach (var c in cases)
        {
            var shape = (ModelShapes.Shape)c.Spec;
            double verity;
            {
                var model = ModelShapes.Build(shape.Config);
                var batch = ModelShapes.RandomBatch(shape.Config, shape.Batch, shape.Seq);
                double seconds = ModelPeer.BestSeconds(() => model.Forward(batch, keepActivations: false), settings);
                verity = shape.Batch * shape.Seq / seconds;
            }
            settings.Log.WriteLine($"bench forward {c.Shape}: verity {verity:0.0} tokens/s");
            ModelPeer.ReleaseMemory();
            var (result, problem) = ModelPeer.Run("peer_model.py", new { mode = "forward", model = shape.PeerJson }, settings);
            var extra = new Dictionary<string, object> { ["layers"] = shape.Config.NumLayers };
            var (peer, peerName) = ModelPeer.Read(result, problem, "tokens_per_s", extra);
            settings.Log.WriteLine($"bench forward {c.Shape}: peer {(peer is { } p ? ModelShapes.Inv(p) : "n/a")} tokens/s");
            rows.Add(new BenchRow(Name, c.Shape, shape.Batch, shape.Seq, settings.Threads, "tokens/s", verity, peer, peerName,
                $"L{shape.Config.NumLayers} log-probs+entropy, no grad", extra));
        }
        return rows;
    }
}
