using System.Globalization;
using System.Text.Json;
using Verity.Engine.Model;
using Verity.Engine.Optim;
using Verity.Hub.Checkpoints;
using Verity.Hub.Config;
using Verity.Hub.Safetensors;
using Verity.Hub.Tokenization;
using Verity.Hub.Tokenization.Training;
using Verity.Rl.Training;

namespace Verity.Rl.Tests.Training;

/// <summary>
/// A run small enough for a unit test whose reward still varies within groups: a byte-level BPE tokenizer
/// and a ~30k-parameter model taught by a few SFT steps to answer "a+b=" with one digit and EOS, right
/// about half the time (a noisy teacher). math_accuracy then gives mixed groups, so GRPO has a gradient.
/// Shared with Verity.Cli.Tests (linked source).
/// </summary>
internal static class TinyRun
{
    public const string Eos = "<|endoftext|>";

    /// <summary>Writes dir/model (config.json, model.safetensors, tokenizer files) and dir/prompts.jsonl.</summary>
    public static void Create(string dir, int prompts = 16)
    {
        var rng = new Random(7);
        var problems = Enumerable.Range(0, 200).Select(_ => (A: rng.Next(0, 5), B: rng.Next(0, 5))).ToList();
        string modelDir = Path.Combine(dir, "model");
        var corpus = problems.Select(p => $"{p.A}+{p.B}={p.A + p.B}").ToList();
        TrainedTokenizerWriter.Write(BpeTrainer.Train(corpus, new BpeTrainerOptions(280, [Eos])), modelDir);
        var tokenizer = Tokenizer.FromFolder(modelDir);
        int eos = tokenizer.TokenToId(Eos)!.Value;

        var config = new ModelConfig
        {
            VocabSize = tokenizer.VocabSize, HiddenSize = 32, IntermediateSize = 64, NumLayers = 2, NumHeads = 4, NumKvHeads = 2,
            HeadDim = 8, TieWordEmbeddings = true, MaxPositionEmbeddings = 64, RopeTheta = 10000, RmsNormEps = 1e-5f,
        };
        var model = new TransformerModel(config);
        model.InitRandom(11);
        var optimizer = new AdamW(model.Parameters, new AdamWOptions { LearningRate = 1e-2, WeightDecay = 0 });
        for (int step = 0; step < 40; step++)
        {
            var batch = Enumerable.Range(0, 16).Select(_ =>
            {
                var (a, b) = problems[rng.Next(problems.Count)];
                int answer = rng.NextDouble() < 0.5 ? a + b : rng.Next(0, 9);
                return (tokenizer.Encode($"{a}+{b}=", false), (int[])[.. tokenizer.Encode(answer.ToString(CultureInfo.InvariantCulture), false), eos]);
            }).ToList();
            SftStep.Run(model, optimizer, batch, 1e-2, gradClip: 1.0, microBatch: 16);
        }
        ModelFolder.Save(modelDir, new HfModelConfig { Family = ModelFamily.Llama, Model = config, EosTokenIds = [eos] }, model.Parameters,
            new ModelSaveOptions { DType = StorageDType.F32 });

        File.WriteAllLines(Path.Combine(dir, "prompts.jsonl"), problems.Take(prompts).Select(p =>
            JsonSerializer.Serialize(new Dictionary<string, string> { ["question"] = $"{p.A}+{p.B}=", ["answer"] = (p.A + p.B).ToString(CultureInfo.InvariantCulture) })));
    }

    /// <summary>A config for the tiny run; paths relative to <paramref name="dir"/> are made absolute.</summary>
    public static string Config(string dir, int steps, int saveEvery, string runName = "run") => $"""
        model:
          path: {Path.Combine(dir, "model")}
        data:
          train_files: [{Path.Combine(dir, "prompts.jsonl")}]
          prompt_key: question
          template: none
          batch_size: 4
        rollout:
          n: 8
          max_new_tokens: 3
        algorithm:
          adv_estimator: grpo
          loss_agg_mode: token_mean
        optim:
          lr: 1.0e-2
          micro_batch: 8
        trainer:
          steps: {steps}
          save_every: {saveEvery}
          keep_last: 0
          seed: 5
          threads: 1
          completions_every: 2
          run_dir: {Path.Combine(dir, runName)}
        """;
}
