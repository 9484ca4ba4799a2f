using Verity.Engine.Model;
using Verity.Rl.Training;

namespace Verity.Cli.Bench;

/// <summary>
/// Tokens/s of one SFT step's forward + backward (<see cref="SftStep.Accumulate"/>) with sft.packing against the
/// same pairs padded, micro-batches of 8 (rows or pairs) either way: 32 pairs whose prompt + response lengths
/// are uniform in [seq/16, seq], rows of seq = 512 tokens. The "peer" column is Verity's padded layout, so the
/// ratio is packing's speed-up; tokens/s counts real (non-padding) positions only. No python is involved.
/// </summary>
internal sealed class SftPackBenchmark : IBenchmarkFamily
{
    private const int MicroBatch = 8;

    public string Name => "sft_pack";

    public IReadOnlyList<BenchCase> Cases(bool quick)
        => ModelShapes.For(quick, batch: 32, seq: 512).Take(1).Select(s => new BenchCase(Name, s.Name, s)).ToList();

    public IReadOnlyList<BenchRow> Run(IReadOnlyList<BenchCase> cases, BenchSettings settings)
    {
        var rows = new List<BenchRow>();
        foreach (var c in cases)
        {
            var shape = (ModelShapes.Shape)c.Spec;
            var pairs = Pairs(shape.Config.VocabSize, shape.Batch, shape.Seq);
            var padded = SftBatching.Padded(pairs, MicroBatch);
            var packed = SftBatching.Packed(pairs, MicroBatch, shape.Seq);
            double tokens = pairs.Sum(p => p.Prompt.Length + p.Response.Length - 1);
            var model = ModelShapes.Build(shape.Config);
            double packedRate = tokens / ModelPeer.BestSeconds(Step(model, packed), settings);
            double paddedRate = tokens / ModelPeer.BestSeconds(Step(model, padded), settings);
            int packedPositions = packed.Sum(m => m.Positions), paddedPositions = padded.Sum(m => m.Positions);
            settings.Log.WriteLine($"bench sft_pack {c.Shape}: packed {packedRate:0.0} tokens/s ({packedPositions} positions), padded {paddedRate:0.0} ({paddedPositions})");
            var extra = new Dictionary<string, object>
            {
                ["layers"] = shape.Config.NumLayers, ["real_tokens"] = (int)tokens, ["positions_packed"] = packedPositions,
                ["positions_padded"] = paddedPositions, ["rows_packed"] = packed.Sum(m => m.Engine.B),
            };
            rows.Add(new BenchRow(Name, c.Shape, shape.Batch, shape.Seq, settings.Threads, "tokens/s", packedRate, paddedRate, "verity padded",
                $"L{shape.Config.NumLayers} fwd+bwd, {shape.Batch} pairs → {packed.Sum(m => m.Engine.B)} rows; padding {Percent(paddedPositions, tokens)} → {Percent(packedPositions, tokens)}", extra));
            ModelPeer.ReleaseMemory();
        }
        return rows;
    }

    private static string Percent(int positions, double tokens) => ModelShapes.Inv(100 * (1 - tokens / positions), "0") + "%";

    /// <summary>Random pairs; a quarter of each sequence is prompt.</summary>
    internal static List<(int[] Prompt, int[] Response)> Pairs(int vocab, int count, int maxLength, int seed = 3)
    {
        var rng = new Random(seed);
        int[] Ids(int n) => Enumerable.Range(0, n).Select(_ => rng.Next(vocab)).ToArray();
        return Enumerable.Range(0, count).Select(_ =>
        {
            int length = rng.Next(Math.Max(2, maxLength / 16), maxLength + 1);
            int prompt = Math.Max(1, length / 4);
            return (Ids(prompt), Ids(length - prompt));
        }).ToList();
    }

    private static Action Step(TransformerModel model, IReadOnlyList<SftMicroBatch> batches) => () =>
    {
        model.ZeroGrad();
        SftStep.Accumulate(model, batches);
    };
}
