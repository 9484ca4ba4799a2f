using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Verity.Data.Synthetic;
using Verity.Engine.Generation;
using Verity.Engine.Model;
using Verity.Engine.Optim;
using Verity.Hub.Checkpoints;
using Verity.Hub.Config;
using Verity.Hub.Tokenization;
using Verity.Hub.Tokenization.Training;
using Verity.Rewards.Math;
using Verity.Rl.Algorithms;
using Verity.Rl.Config;
using Verity.Rl.Tracking;
using Verity.Rl.Training;

namespace Verity.Rl.Demo;

/// <summary>Held-out accuracy of a policy: avg@k at the sampling temperature and greedy accuracy.</summary>
public sealed record DemoAccuracy(double AvgAtK, double Greedy);

/// <summary>What <c>summary.json</c> holds.</summary>
public sealed record DemoSummary(double SftAccuracy, double RlAccuracy, double SftGreedyAccuracy, double RlGreedyAccuracy,
    int K, double Temperature, [property: JsonPropertyName("heldout_size")] int HeldOutSize, double Seconds);

/// <summary>
/// The demo, end to end: tokenizer → model → noisy-teacher SFT → evaluation → GRPO → evaluation →
/// summary.json. Every part is the product's own (BPE trainer, engine, generator, math verifier, RL
/// step); only the task is synthetic.
/// </summary>
public static class ArithmeticDemo
{
    const string Eos = "<|endoftext|>";

    public static DemoSummary Run(DemoOptions o, TextWriter log)
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(o.RunDir);
        var task = new ChainArithmeticTask();
        var rng = new Random(o.Seed);
        var heldOut = task.HeldOut(o.HeldOut, seed: o.Seed + 1000);

        // 1. tokenizer: byte-level BPE trained on teacher text
        string modelDir = Path.Combine(o.RunDir, "model");
        var corpus = Enumerable.Range(0, 4000).Select(_ =>
        {
            var p = task.SampleTrain(rng);
            return p.Prompt + ChainArithmeticTask.Demonstrate(p, rng, o.TeacherStepNoise);
        }).ToList();
        TrainedTokenizerWriter.Write(BpeTrainer.Train(corpus, new BpeTrainerOptions(o.VocabSize, [Eos])), modelDir);
        var tokenizer = Tokenizer.FromFolder(modelDir);
        int eos = tokenizer.TokenToId(Eos) ?? throw new InvalidOperationException("demo tokenizer lost its EOS token");
        int[] Encode(string s) => tokenizer.Encode(s, addSpecialTokens: false);
        string Decode(int[] ids) => tokenizer.Decode(ids, skipSpecialTokens: true);

        // 2. model
        var config = new ModelConfig
        {
            VocabSize = tokenizer.VocabSize, HiddenSize = o.Hidden, IntermediateSize = o.Intermediate, NumLayers = o.Layers,
            NumHeads = o.Heads, NumKvHeads = o.KvHeads, HeadDim = o.Hidden / o.Heads, RopeTheta = 10000, RmsNormEps = 1e-5f,
            TieWordEmbeddings = true, MaxPositionEmbeddings = 128,
        };
        var model = new TransformerModel(config);
        model.InitRandom(o.Seed);
        long parameters = model.Parameters.Sum(p => (long)p.Length);
        log.WriteLine($"demo: {parameters:N0}-parameter Llama-style model, {tokenizer.VocabSize}-token BPE tokenizer, run dir {o.RunDir}");
        var generator = new Generator(model, new GeneratorOptions { DefaultStopTokenIds = [eos], MaxConcurrentSequences = 256 });

        DemoAccuracy Evaluate(int salt)
        {
            var prompts = heldOut.Select(p => Encode(p.Prompt)).ToList();
            var greedy = generator.Generate(prompts.Select(p => new GenerationRequest(p,
                new SamplingParams { Temperature = 0, MaxNewTokens = o.MaxNewTokens })).ToList());
            var sampled = generator.Generate(prompts.Select((p, i) => new GenerationRequest(p,
                new SamplingParams { Temperature = (float)o.Temperature, N = o.K, MaxNewTokens = o.MaxNewTokens, Seed = RlStep.SeedFor(o.Seed + salt, -1, i) })).ToList());
            double Score(GeneratedSample s, int i) => MathVerifier.Verify(Decode(s.CompletionIds), heldOut[i].Answer).Score;
            double g = heldOut.Select((_, i) => Score(greedy.Requests[i].Samples[0], i)).Average();
            double a = heldOut.Select((_, i) => sampled.Requests[i].Samples.Average(s => Score(s, i))).Average();
            return new DemoAccuracy(a, g);
        }

        // 3. SFT on the noisy teacher, linear decay to 10 %
        var sftOptimizer = new AdamW(model.Parameters, new AdamWOptions { LearningRate = o.SftLr, WeightDecay = 0.0 });
        for (int step = 1; step <= o.SftSteps; step++)
        {
            var examples = Enumerable.Range(0, o.SftBatch).Select(_ =>
            {
                var p = task.SampleTrain(rng);
                return (Encode(p.Prompt), (int[])[.. Encode(ChainArithmeticTask.Demonstrate(p, rng, o.TeacherStepNoise)), eos]);
            }).ToList();
            double lr = o.SftLr * (1 - 0.9 * (step - 1) / Math.Max(1, o.SftSteps - 1));
            var (loss, _) = SftStep.Run(model, sftOptimizer, examples, lr, gradClip: 1.0, microBatch: o.SftBatch);
            if (step % 100 == 0 || step == o.SftSteps)
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sft {step}/{o.SftSteps}  loss {loss:F3}  {clock.Elapsed.TotalSeconds:F0}s"));
            if (o.SftEvalEvery > 0 && step % o.SftEvalEvery == 0 && step < o.SftSteps)
            {
                var probe = Evaluate(salt: step);
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sft {step}: held-out avg@{o.K} {probe.AvgAtK:P1}, greedy {probe.Greedy:P1}"));
            }
        }
        var sft = Evaluate(salt: 1);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"after SFT: held-out avg@{o.K} (T={o.Temperature}) {sft.AvgAtK:P1}, greedy {sft.Greedy:P1}  {clock.Elapsed.TotalSeconds:F0}s"));

        // 4. GRPO: token-level loss, on-policy, no KL (as the prototype and DAPO)
        var rl = new RunConfig
        {
            Data = new DataSection { BatchSize = o.PromptsPerStep },
            Rollout = new RolloutSection { N = o.GroupSize, Temperature = o.Temperature, MaxNewTokens = o.MaxNewTokens },
            Algorithm = new AlgorithmSection { AdvEstimator = "grpo", PolicyLoss = "ppo_clip", LossAggMode = "token_mean", AdvEpsilon = 1e-4 },
            Optim = new OptimSection { Lr = o.RlLr, WeightDecay = 0, GradClip = 1.0, MicroBatch = o.PromptsPerStep * o.GroupSize },
            Trainer = new TrainerSection { Steps = o.RlSteps, Seed = o.Seed, RunDir = o.RunDir },
        };
        var ctx = new RlContext
        {
            Policy = model,
            Optimizer = new AdamW(model.Parameters, new AdamWOptions { LearningRate = o.RlLr, WeightDecay = 0 }),
            Generator = generator,
            Decode = Decode,
            Reward = (response, answer) => MathVerifier.Verify(response, answer).Score,
            Config = rl,
            Setup = AlgorithmSetup.From(rl),
            StopTokenIds = [eos],
        };
        using (var tracker = Tracker.Create(["jsonl"], new TrackerOptions { RunDir = o.RunDir, TotalSteps = o.RlSteps, CompletionsEvery = 20 }))
        {
            for (int step = 1; step <= o.RlSteps; step++)
            {
                var prompts = Enumerable.Range(0, o.PromptsPerStep).Select(_ =>
                {
                    var p = task.SampleTrain(rng);
                    return new RlPrompt(Encode(p.Prompt), p.Answer);
                }).ToList();
                var result = RlStep.Run(ctx, prompts, step, o.RlLr);
                tracker.Log(step, result.Metrics);
                if (tracker.WantsCompletions(step))
                    tracker.LogCompletions(step, result.Samples.Take(8).Select(s => new CompletionSample(Decode(s.PromptIds), s.Response, s.Reward ?? double.NaN)));
                if (step % 20 == 0 || step == o.RlSteps)
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"grpo {step}/{o.RlSteps}  reward {result.Metrics["reward"]:F3}  entropy {result.Metrics.GetValueOrDefault("entropy"):F3}  len {result.Metrics["completions/mean_length"]:F1}  {clock.Elapsed.TotalSeconds:F0}s"));
            }
        }
        var after = Evaluate(salt: 2);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"after GRPO: held-out avg@{o.K} (T={o.Temperature}) {after.AvgAtK:P1}, greedy {after.Greedy:P1}"));

        // 5. results: the trained model as a Hugging Face folder, and summary.json
        ModelFolder.Save(modelDir, new HfModelConfig { Family = ModelFamily.Llama, Model = config, EosTokenIds = [eos] }, model.Parameters,
            new ModelSaveOptions { DType = Hub.Safetensors.StorageDType.F32 });
        var summary = new DemoSummary(sft.AvgAtK, after.AvgAtK, sft.Greedy, after.Greedy, o.K, o.Temperature, o.HeldOut, clock.Elapsed.TotalSeconds);
        File.WriteAllText(Path.Combine(o.RunDir, "summary.json"), JsonSerializer.Serialize(summary, SummaryJson));
        log.WriteLine($"wrote {Path.Combine(o.RunDir, "summary.json")} and the trained model in {modelDir} ({clock.Elapsed.TotalSeconds:F0}s)");
        return summary;
    }

    static readonly JsonSerializerOptions SummaryJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };
}
