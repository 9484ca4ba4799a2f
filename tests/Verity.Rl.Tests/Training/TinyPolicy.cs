using Verity.Engine.Model;

namespace Verity.Rl.Tests.Training;

/// <summary>The 20-token random policy the RlStep tests train: small enough for many steps per test.</summary>
internal static class TinyPolicy
{
    public static TransformerModel Create(int seed = 3)
    {
        var m = new TransformerModel(new ModelConfig
        {
            VocabSize = 20, HiddenSize = 16, IntermediateSize = 32, NumLayers = 2, NumHeads = 4, NumKvHeads = 2, HeadDim = 4,
            TieWordEmbeddings = true, MaxPositionEmbeddings = 64,
        });
        m.InitRandom(seed, std: 0.1f);
        return m;
    }
}
