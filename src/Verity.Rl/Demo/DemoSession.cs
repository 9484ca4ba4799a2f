using Verity.Data.Synthetic;
using Verity.Engine.Generation;
using Verity.Engine.Model;
using Verity.Hub.Checkpoints;
using Verity.Hub.Config;
using Verity.Hub.Safetensors;
using Verity.Hub.Tokenization;
using Verity.Hub.Tokenization.Training;

namespace Verity.Rl.Demo;

/// <summary>
/// What every phase of the demo shares: the task and its held-out split, the tokenizer made on the spot,
/// the model and its generator. Built fresh (tokenizer trained on teacher text, random init) or loaded
/// from a saved SFT checkpoint.
/// </summary>
public sealed class DemoSession
{
    public const string Eos = "<|endoftext|>";

    private DemoSession(ChainArithmeticTask task, IReadOnlyList<ArithmeticProblem> heldOut, string tokenizerDir, Tokenizer tokenizer, HfModelConfig config, TransformerModel model)
    {
        Task = task;
        HeldOut = heldOut;
        TokenizerDir = tokenizerDir;
        Tokenizer = tokenizer;
        Config = config;
        Model = model;
        EosId = tokenizer.TokenToId(Eos) ?? throw new InvalidDataException($"{tokenizerDir}: the demo tokenizer has no {Eos} token. HINT: delete the folder so the demo makes a new one");
        Generator = new Generator(model, new GeneratorOptions { DefaultStopTokenIds = [EosId], MaxConcurrentSequences = 256 });
    }

    public ChainArithmeticTask Task { get; }

    /// <summary>Problems of the held-out split (never drawn for training), fixed by the seed.</summary>
    public IReadOnlyList<ArithmeticProblem> HeldOut { get; }

    /// <summary>Folder holding the tokenizer files (copied beside every saved model).</summary>
    public string TokenizerDir { get; }

    public Tokenizer Tokenizer { get; }

    public HfModelConfig Config { get; }

    public TransformerModel Model { get; }

    public Generator Generator { get; }

    public int EosId { get; }

    public int[] Encode(string text) => Tokenizer.Encode(text, addSpecialTokens: false);

    public string Decode(int[] ids) => Tokenizer.Decode(ids, skipSpecialTokens: true);

    /// <summary>A new tokenizer (byte-level BPE trained on teacher text, written to <paramref name="modelDir"/>) and a randomly initialized model.</summary>
    public static DemoSession Create(DemoOptions o, string modelDir, Random rng)
    {
        var task = new ChainArithmeticTask();
        var corpus = Enumerable.Range(0, 4000).Select(_ =>
        {
            var p = task.SampleTrain(rng);
            return p.Prompt + ChainArithmeticTask.Demonstrate(p, rng, o.TeacherStepNoise);
        }).ToList();
        TrainedTokenizerWriter.Write(BpeTrainer.Train(corpus, new BpeTrainerOptions(o.VocabSize, [Eos])), modelDir);
        var tokenizer = Tokenizer.FromFolder(modelDir);
        var model = new ModelConfig
        {
            VocabSize = tokenizer.VocabSize, HiddenSize = o.Hidden, IntermediateSize = o.Intermediate, NumLayers = o.Layers,
            NumHeads = o.Heads, NumKvHeads = o.KvHeads, HeadDim = o.Hidden / o.Heads, RopeTheta = 10000, RmsNormEps = 1e-5f,
            TieWordEmbeddings = true, MaxPositionEmbeddings = 128,
        };
        var transformer = new TransformerModel(model);
        transformer.InitRandom(o.Seed);
        int eos = tokenizer.TokenToId(Eos) ?? throw new InvalidOperationException("demo tokenizer lost its EOS token");
        var config = new HfModelConfig { Family = ModelFamily.Llama, Model = model, EosTokenIds = [eos] };
        return new DemoSession(task, HeldOutFor(task, o), modelDir, tokenizer, config, transformer);
    }

    /// <summary>A session from a model folder written by <see cref="Save"/> (weights and tokenizer).</summary>
    public static DemoSession Load(DemoOptions o, string modelDir)
    {
        var loaded = ModelFolder.Load(modelDir);
        var task = new ChainArithmeticTask();
        return new DemoSession(task, HeldOutFor(task, o), modelDir, Tokenizer.FromFolder(modelDir), loaded.Config, loaded.Model);
    }

    /// <summary>The model as a Hugging Face folder (float32 weights, tokenizer files, EOS in generation_config.json).</summary>
    public void Save(string directory) =>
        ModelFolder.Save(directory, Config, Model.Parameters, new ModelSaveOptions { DType = StorageDType.F32, TokenizerSource = TokenizerDir });

    /// <summary>True when <paramref name="directory"/> holds a model saved by <see cref="Save"/>.</summary>
    public static bool IsSaved(string directory) =>
        File.Exists(Path.Combine(directory, "model.safetensors")) && File.Exists(Path.Combine(directory, "tokenizer.json"));

    private static IReadOnlyList<ArithmeticProblem> HeldOutFor(ChainArithmeticTask task, DemoOptions o) => task.HeldOut(o.HeldOut, seed: o.Seed + 1000);
}
