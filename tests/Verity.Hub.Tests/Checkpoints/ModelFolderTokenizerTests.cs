using Verity.Engine.Model;
using Verity.Hub.Checkpoints;
using Verity.Hub.Config;
using Verity.Hub.Safetensors;
using Verity.Hub.Tokenization;
using Verity.Hub.Tokenization.Training;

namespace Verity.Hub.Tests.Checkpoints;

/// <summary>A saved model folder carries its tokenizer and stop ids, so it can be served as it is.</summary>
public class ModelFolderTokenizerTests
{
    private static readonly string[] Corpus =
    [
        "the cat sat on the mat. the dog sat on the log.",
        "two plus two is four; three times three is nine.",
        "<|im_start|>user\nwhat is the answer?<|im_end|>\n<|im_start|>assistant\nthe answer is 42<|im_end|>",
    ];

    private static string TrainTokenizer(string directory)
    {
        var bpe = BpeTrainer.Train(Enumerable.Repeat(Corpus, 4).SelectMany(x => x), new BpeTrainerOptions(300, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]));
        TrainedTokenizerWriter.Write(bpe, directory);
        return directory;
    }

    private static (HfModelConfig Config, TransformerModel Model) TinyModel(int vocab, IReadOnlyList<int>? eos = null)
    {
        var model = new ModelConfig
        {
            VocabSize = vocab, HiddenSize = 12, IntermediateSize = 20, NumLayers = 2, NumHeads = 3, NumKvHeads = 1, HeadDim = 4, QkNorm = true,
        };
        var transformer = new TransformerModel(model);
        transformer.InitRandom(seed: 7, std: 0.2f);
        return (new HfModelConfig { Family = ModelFamily.Qwen3, Model = model, EosTokenIds = eos ?? [] }, transformer);
    }

    private static float[] LogProbs(TransformerModel model, int[] ids) =>
        model.Forward(Batch.FromSequences([ids[..^1]], [ids[1..]])).LogProbs;

    [Fact]
    public void Save_with_a_trained_tokenizer_then_load_gives_identical_log_probs_and_the_same_tokenizer()
    {
        using var src = new TempDir();
        using var dst = new TempDir();
        var tokenizer = Tokenizer.FromFolder(TrainTokenizer(src.Path));
        var (config, model) = TinyModel(tokenizer.VocabSize);
        ModelFolder.Save(dst.Path, config, model.Parameters, new ModelSaveOptions { DType = StorageDType.F32, TokenizerSource = src.Path });

        foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(src.Path, file)), File.ReadAllBytes(Path.Combine(dst.Path, file)));
        var loaded = ModelFolder.Load(dst.Path);
        var reloadedTokenizer = Tokenizer.FromFolder(dst.Path);
        string text = "<|im_start|>user\nthe cat is on the mat<|im_end|>";
        int[] ids = tokenizer.Encode(text, false);
        Assert.Equal(ids, reloadedTokenizer.Encode(text, false));
        Assert.Equal(text, reloadedTokenizer.Decode(ids));
        Assert.Equal(tokenizer.ChatTemplate, reloadedTokenizer.ChatTemplate);

        var before = LogProbs(model, ids);
        var after = LogProbs(loaded.Model, ids);
        Assert.Equal(before.Select(BitConverter.SingleToInt32Bits), after.Select(BitConverter.SingleToInt32Bits));
        Assert.All(before.Take(ids.Length - 1), lp => Assert.True(lp < 0));

        // No generation config was given and config.json names no EOS: the tokenizer's eos_token stops generation.
        int imEnd = tokenizer.TokenToId("<|im_end|>")!.Value;
        Assert.Equal([imEnd], loaded.Generation!.EosTokenIds);
        Assert.Equal([imEnd], reloadedTokenizer.EosTokenIds);
    }

    [Fact]
    public void Eos_ids_come_from_the_given_config_then_config_json_then_the_tokenizer()
    {
        using var src = new TempDir();
        TrainTokenizer(src.Path);
        var (config, _) = TinyModel(303);
        int imEnd = Tokenizer.FromFolder(src.Path).TokenToId("<|im_end|>")!.Value;

        var given = new GenerationConfig { EosTokenIds = [1, 2], Temperature = 0.7 };
        Assert.Equal(given, ModelFolder.ResolveGeneration(config, new ModelSaveOptions { Generation = given, TokenizerSource = src.Path }));
        var noEos = ModelFolder.ResolveGeneration(config, new ModelSaveOptions { Generation = new GenerationConfig { TopK = 5 }, TokenizerSource = src.Path });
        Assert.Equal(new GenerationConfig { TopK = 5, EosTokenIds = [imEnd] }, noEos);
        Assert.Equal([9], ModelFolder.ResolveGeneration(config with { EosTokenIds = [9] }, new ModelSaveOptions { TokenizerSource = src.Path })!.EosTokenIds);
        Assert.Null(ModelFolder.ResolveGeneration(config, new ModelSaveOptions()));

        // the source folder's own generation_config.json is carried over (its sampling defaults too)
        new GenerationConfig { EosTokenIds = [4], TopP = 0.9 }.WriteFile(Path.Combine(src.Path, GenerationConfig.FileName));
        Assert.Equal(new GenerationConfig { EosTokenIds = [4], TopP = 0.9 }, ModelFolder.ResolveGeneration(config, new ModelSaveOptions { TokenizerSource = src.Path }));
    }
}
