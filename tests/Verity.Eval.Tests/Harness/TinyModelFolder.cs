using Verity.Engine.Model;
using Verity.Hub.Checkpoints;
using Verity.Hub.Config;
using Verity.Hub.Safetensors;
using Verity.Hub.Tokenization.Training;

namespace Verity.Eval.Tests.Harness;

/// <summary>A real (tiny, random) model folder: a BPE tokenizer trained on arithmetic text and a 1-layer Llama.</summary>
internal sealed class TinyModelFolder : IDisposable
{
    public TinyModelFolder(int seed = 3)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "verity-eval-" + Guid.NewGuid().ToString("N"));
        var rng = new Random(1);
        var corpus = Enumerable.Range(0, 200).Select(_ => { int a = rng.Next(1, 50), b = rng.Next(1, 50); return $"What is {a} plus {b}? The answer is \\boxed{{{a + b}}}."; }).ToList();
        TrainedTokenizerWriter.Write(BpeTrainer.Train(corpus, new BpeTrainerOptions(290, ["<|endoftext|>"])), Path);
        var tokenizer = Verity.Hub.Tokenization.Tokenizer.FromFolder(Path);
        var config = new ModelConfig
        {
            VocabSize = tokenizer.VocabSize, HiddenSize = 16, IntermediateSize = 32, NumLayers = 1, NumHeads = 2, NumKvHeads = 1, HeadDim = 8,
            TieWordEmbeddings = true, MaxPositionEmbeddings = 256,
        };
        var model = new TransformerModel(config);
        model.InitRandom(seed);
        ModelFolder.Save(Path, new HfModelConfig { Family = ModelFamily.Llama, Model = config }, model.Parameters, new ModelSaveOptions { DType = StorageDType.F32 });
    }

    public string Path { get; }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
