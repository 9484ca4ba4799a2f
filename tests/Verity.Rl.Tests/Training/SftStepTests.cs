using Verity.Engine.Model;
using Verity.Engine.Optim;
using Verity.Rl.Training;

namespace Verity.Rl.Tests.Training;

public class SftStepTests
{
    [Fact]
    public void Loss_counts_only_response_tokens_and_falls_when_memorizing()
    {
        var model = new TransformerModel(new ModelConfig
        {
            VocabSize = 17, HiddenSize = 16, IntermediateSize = 24, NumLayers = 1, NumHeads = 2, NumKvHeads = 1, HeadDim = 8, MaxPositionEmbeddings = 32,
        });
        model.InitRandom(1);
        var opt = new AdamW(model.Parameters, new AdamWOptions { LearningRate = 1e-2, WeightDecay = 0 });
        (int[], int[])[] data = [([1, 2, 3], [4, 5]), ([6, 7], [8, 9, 10])];

        // At init with tiny weights the per-token NLL is close to ln V
        var (first, _) = SftStep.Run(model, opt, data, 1e-2, 1.0, microBatch: 1);
        Assert.InRange(first, Math.Log(17) - 0.1, Math.Log(17) + 0.1);
        double last = first;
        for (int i = 0; i < 60; i++) last = SftStep.Run(model, opt, data, 1e-2, 1.0, microBatch: 2).Loss;
        Assert.True(last < 0.2, $"loss {last}");
    }

    [Fact]
    public void Sequence_batch_maps_response_tokens_to_the_positions_that_predict_them()
    {
        var batch = new SequenceBatch([[1, 2, 3], [4]], [[5, 6], [7, 8, 9]]);
        Assert.Equal(3, batch.T);
        Assert.Equal([1, 1, 0, 1, 1, 1], batch.Mask);
        // sequence 0 = 1 2 3 5 6: input position 2 (token 3) predicts 5
        Assert.Equal(2, batch.EngineRow(0, 0));
        Assert.Equal(5, batch.Engine.Targets![batch.EngineRow(0, 0)]);
        Assert.Equal(9, batch.Engine.Targets![batch.EngineRow(1, 2)]);
        var values = Enumerable.Range(0, batch.Engine.Rows).Select(i => (float)i).ToArray();
        var gathered = batch.Gather(values);
        var scattered = batch.Scatter(gathered);
        for (int b = 0; b < 2; b++)
            for (int k = 0; k < batch.ResponseLengths[b]; k++)
                Assert.Equal(values[batch.EngineRow(b, k)], scattered[batch.EngineRow(b, k)]);
        Assert.Equal(5, scattered.Count(v => v != 0) + (scattered[0] == 0 && batch.EngineRow(0, 0) == 0 ? 1 : 0));
    }
}
