using Verity.Engine.Model;
using Verity.Engine.Optim;

namespace Verity.Cli.Bench;

/// <summary>
/// Tokens/s of one training step — forward keeping activations, backward of the mean token NLL, AdamW step,
/// zero-grad — at batch 4 × 256 on SmolLM2-135M and Qwen2.5-0.5B shapes, against the same step in PyTorch eager.
/// </summary>
internal sealed class TrainStepBenchmark : IBenchmarkFamily
{
    public string Name => "train_step";

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
                var step = Step(model, batch);
                verity = shape.Batch * shape.Seq / ModelPeer.BestSeconds(step, settings);
            }
            settings.Log.WriteLine($"bench train_step {c.Shape}: verity {verity:0.0} tokens/s");
            ModelPeer.ReleaseMemory();
            var (result, problem) = ModelPeer.Run("peer_model.py", new { mode = "train_step", model = shape.PeerJson }, settings);
            var extra = new Dictionary<string, object> { ["layers"] = shape.Config.NumLayers };
            var (peer, peerName) = ModelPeer.Read(result, problem, "tokens_per_s", extra);
            settings.Log.WriteLine($"bench train_step {c.Shape}: peer {(peer is { } p ? ModelShapes.Inv(p) : "n/a")} tokens/s");
            rows.Add(new BenchRow(Name, c.Shape, shape.Batch, shape.Seq, settings.Threads, "tokens/s", verity, peer, peerName,
                $"L{shape.Config.NumLayers} fwd+bwd+AdamW", extra));
        }
        return rows;
    }

    /// <summary>One optimizer step on the mean negative log-likelihood of every token.</summary>
    internal static Action Step(TransformerModel model, Batch batch)
    {
        var optimizer = new AdamW(model.Parameters, new AdamWOptions { LearningRate = 1e-4 });
        var dLogProb = new float[batch.Rows];
        Array.Fill(dLogProb, -1f / batch.Rows);
        return () =>
        {
            model.Forward(batch, keepActivations: true);
            model.Backward(batch, dLogProb);
            optimizer.Step();
            model.ZeroGrad();
        };
    }
}
