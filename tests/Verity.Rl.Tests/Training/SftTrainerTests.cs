using System.Text.Json;
using Verity.Engine.Model;
using Verity.Hub.Checkpoints;
using Verity.Hub.Config;
using Verity.Hub.Safetensors;
using Verity.Hub.Tokenization.Training;
using Verity.Rl.Config;
using Verity.Rl.Training;

namespace Verity.Rl.Tests.Training;

public class SftTrainerTests
{
    /// <summary>A tokenizer trained on arithmetic text and a random 1-layer Llama, saved as a model folder.</summary>
    internal static string TinyModel(string dir)
    {
        var rng = new Random(1);
        var corpus = Enumerable.Range(0, 200).Select(_ => { int a = rng.Next(1, 50), b = rng.Next(1, 50); return $"What is {a} plus {b}? The answer is \\boxed{{{a + b}}}."; }).ToList();
        TrainedTokenizerWriter.Write(BpeTrainer.Train(corpus, new BpeTrainerOptions(290, ["<|endoftext|>"])), dir);
        var tokenizer = Verity.Hub.Tokenization.Tokenizer.FromFolder(dir);
        var config = new ModelConfig
        {
            VocabSize = tokenizer.VocabSize, HiddenSize = 16, IntermediateSize = 32, NumLayers = 1, NumHeads = 2, NumKvHeads = 1, HeadDim = 8,
            TieWordEmbeddings = true, MaxPositionEmbeddings = 256,
        };
        var model = new TransformerModel(config);
        model.InitRandom(3);
        ModelFolder.Save(dir, new HfModelConfig { Family = ModelFamily.Llama, Model = config }, model.Parameters, new ModelSaveOptions { DType = StorageDType.F32 });
        return dir;
    }

    [Fact]
    public void Sft_lowers_the_loss_logs_each_step_and_saves_a_loadable_checkpoint()
    {
        using var tmp = new TempDir();
        string modelDir = TinyModel(tmp.File("model"));
        var initial = ModelFolder.Load(modelDir).Model.Parameters[0].Data.ToArray();
        File.WriteAllLines(tmp.File("pairs.jsonl"),
        [
            """{"question":"What is 3 plus 4?","target":"The answer is \\boxed{7}."}""",
            """{"question":"What is 10 plus 20?","target":"The answer is \\boxed{30}."}""",
            """{"question":"What is 7 plus 8?","target":"The answer is \\boxed{15}."}""",
            "{\"question\":\"What is 1 plus 1?\",\"target\":\"" + string.Concat(Enumerable.Repeat("very long ", 40)) + "\"}",
        ]);
        var config = ConfigLoader.Load(null,
        [
            $"model.path={modelDir}", $"data.train_files=[{tmp.File("pairs.jsonl")}]", "data.prompt_key=question", "sft.response_key=target",
            "data.batch_size=2", "sft.epochs=20", "sft.max_length=120", "optim.lr=0.01", "optim.weight_decay=0", "optim.micro_batch=1",
            $"trainer.run_dir={tmp.File("run")}", "trainer.save_every=10", "trainer.keep_last=1",
        ]);

        var result = SftTrainer.Run(config, TextWriter.Null);

        // 3 usable pairs (the long one is skipped), 2 steps per epoch × 20 epochs
        Assert.Equal(3, result.Pairs);
        Assert.Equal(1, result.Skipped);
        Assert.Equal(40, result.Losses.Count);
        Assert.True(result.Losses.TakeLast(4).Average() < 0.3 * result.Losses.Take(4).Average(), $"loss {result.Losses[0]} → {result.Losses[^1]}");
        var rows = File.ReadAllLines(tmp.File("run/metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(40, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.True(r.GetProperty("grad_norm").GetDouble() > 0);
            Assert.Equal(0.01, r.GetProperty("lr").GetDouble(), 12);
            Assert.True(r.GetProperty("tokens").GetDouble() > 0);
        });
        Assert.Equal(result.Losses[5], rows[5].GetProperty("loss").GetDouble(), 9);

        // keep_last=1 leaves only the final checkpoint; it is a model folder with its tokenizer and new weights
        Assert.Equal(["checkpoint-40"], Directory.GetDirectories(tmp.File("run")).Select(Path.GetFileName));
        var loaded = ModelFolder.Load(result.FinalCheckpoint);
        Assert.True(File.Exists(Path.Combine(result.FinalCheckpoint, "tokenizer.json")));
        Assert.NotEqual(initial, loaded.Model.Parameters[0].Data.ToArray());
    }

    private static RunConfig ResumeConfig(TempDir tmp, string run, params string[] more) => ConfigLoader.Load(null,
    [
        $"model.path={tmp.File("model")}", $"data.train_files=[{tmp.File("pairs.jsonl")}]", "data.prompt_key=question", "sft.response_key=target",
        "data.batch_size=2", "sft.epochs=3", "sft.packing=true", "sft.max_length=160", "optim.lr=0.01", "optim.warmup_steps=2", "optim.schedule=cosine",
        "optim.micro_batch=1", $"trainer.run_dir={tmp.File(run)}", "trainer.save_every=4", "trainer.keep_last=0", "trainer.seed=9", "trainer.threads=1",
        .. more,
    ]);

    [Fact]
    public void Resume_auto_gives_the_metrics_and_final_weights_of_an_uninterrupted_run()
    {
        using var tmp = new TempDir();
        TinyModel(tmp.File("model"));
        File.WriteAllLines(tmp.File("pairs.jsonl"), Enumerable.Range(1, 5).Select(i =>
            $$"""{"question":"What is {{i}} plus {{i * 3}}?","target":"The answer is \\boxed{{{i * 4}}}."}"""));

        // Given an uninterrupted run: 5 pairs in batches of 2 = 3 steps per epoch, 9 steps, checkpoints at 4, 8, 9
        var full = SftTrainer.Run(ResumeConfig(tmp, "full"), TextWriter.Null);
        Assert.Equal(9, full.Losses.Count);

        // and a copy of it as it was when checkpoint-4 (mid-epoch 2, after two shuffles) was the newest
        string cut = tmp.File("cut");
        Directory.CreateDirectory(Path.Combine(cut, "checkpoint-4"));
        File.Copy(tmp.File("full/metrics.jsonl"), Path.Combine(cut, "metrics.jsonl"));
        foreach (var f in Directory.GetFiles(tmp.File("full/checkpoint-4")))
            File.Copy(f, Path.Combine(cut, "checkpoint-4", Path.GetFileName(f)));

        // When it is resumed
        var resumed = SftTrainer.Run(ResumeConfig(tmp, "cut"), TextWriter.Null, resume: "auto");

        // Then steps 5..9 are redone with the same numbers and the final weights and moments are byte-identical
        Assert.Equal(4, resumed.ResumedFrom);
        Assert.Equal(full.Losses.Skip(4), resumed.Losses);
        TrainerTests.AssertSameMetrics(TrainerTests.Rows(tmp.File("full")), TrainerTests.Rows(cut));
        foreach (var file in new[] { "model.safetensors", "optimizer.safetensors" })
            Assert.Equal(File.ReadAllBytes(tmp.File($"full/checkpoint-9/{file}")), File.ReadAllBytes(Path.Combine(cut, "checkpoint-9", file)));

        // A run at its end has nothing to do; a checkpoint trained on other pairs is refused in one line
        Assert.Empty(SftTrainer.Run(ResumeConfig(tmp, "cut"), TextWriter.Null, resume: "auto").Losses);
        File.AppendAllText(tmp.File("pairs.jsonl"), """{"question":"What is 9 plus 9?","target":"The answer is \\boxed{18}."}""" + "\n");
        var other = Assert.Throws<InvalidDataException>(() => SftTrainer.Run(ResumeConfig(tmp, "other"), TextWriter.Null, resume: tmp.File("full/checkpoint-4")));
        Assert.Contains("saved at 5 pairs in batches of 2, but this run has 6 pairs", other.Message);
        Assert.DoesNotContain('\n', other.Message);
    }

    [Fact]
    public void Packed_and_padded_runs_follow_the_same_loss_curve_with_less_padding()
    {
        using var tmp = new TempDir();
        TinyModel(tmp.File("model"));
        File.WriteAllLines(tmp.File("pairs.jsonl"), Enumerable.Range(1, 8).Select(i =>
            $$"""{"question":"What is {{i}} plus {{i * 7}}?","target":"{{string.Concat(Enumerable.Repeat("The answer is ", i % 4 + 1))}}\\boxed{{{i * 8}}}."}"""));

        // 8 pairs of varied length in batches of 4: 2 packed rows per step against 4 padded ones, micro-batches of 2 either way
        var padded = SftTrainer.Run(ResumeConfig(tmp, "padded", "data.batch_size=4", "sft.packing=false", "optim.micro_batch=2", "sft.max_steps=4"), TextWriter.Null);
        var packed = SftTrainer.Run(ResumeConfig(tmp, "packed", "data.batch_size=4", "optim.micro_batch=2", "sft.max_steps=4"), TextWriter.Null);

        Assert.Equal(4, packed.Losses.Count);
        for (int i = 0; i < 4; i++) Assert.Equal(padded.Losses[i], packed.Losses[i], 1e-4);
        Assert.True(padded.Losses[^1] < padded.Losses[0]);
        double Pad(string run) => TrainerTests.Rows(tmp.File(run)).Average(r => (double)r["pad_fraction"]!);
        Assert.True(Pad("packed") < Pad("padded"), $"pad fraction packed {Pad("packed")} vs padded {Pad("padded")}");
    }

    [Fact]
    public void Sft_config_errors_name_the_key()
    {
        var ex = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(null, ["sft.epochs=0"]));
        Assert.Contains("sft.epochs", ex.Message);
    }
}
