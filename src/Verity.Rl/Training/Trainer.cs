using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Verity.Engine.Generation;
using Verity.Engine.Optim;
using Verity.Engine.Threading;
using Verity.Hub.Checkpoints;
using Verity.Hub.Safetensors;
using Verity.Hub.Tokenization;
using Verity.Rl.Algorithms;
using Verity.Rl.Checkpoints;
using Verity.Rl.Config;
using Verity.Rl.Tracking;

namespace Verity.Rl.Training;

/// <summary>What <c>verity train</c> was asked to do.</summary>
public sealed record TrainOptions
{
    /// <summary>YAML config file; null = the built-in defaults.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>Dotted key=value overrides applied after the file.</summary>
    public IReadOnlyList<string> Overrides { get; init; } = [];

    /// <summary>"auto" (newest complete checkpoint of the run, or a fresh start), "none"/null, or a checkpoint folder.</summary>
    public string? Resume { get; init; }

    /// <summary>Where the console backend writes its plain lines (default standard output).</summary>
    public TextWriter? Progress { get; init; }

    /// <summary>Force plain progress lines (true) or the live table (false); null decides from the terminal.</summary>
    public bool? PlainProgress { get; init; }

    public ILogger? Logger { get; init; }
}

/// <summary>How a run ended.</summary>
public sealed record TrainResult(string RunDir, long ResumedFrom, long LastStep, IReadOnlyDictionary<string, double> LastMetrics, string? FinalCheckpoint);

/// <summary>
/// <c>verity train</c>, top to bottom: config → policy, tokenizer, reference and critic → prompts → reward → optimizer,
/// sampler and schedule → resume → per step: prompts → <see cref="RlStep"/> → controllers → metrics, completions
/// → checkpoint every trainer.save_every steps and at the end. Same seed and threads ⇒ the same run, also
/// across a kill and <c>--resume auto</c>: every random stream is a function of (seed, step) or lives in the checkpoint.
/// </summary>
public static class Trainer
{
    /// <summary>Sampled completions written per logged step (the first prompts' groups).</summary>
    private const int CompletionsPerStep = 16;

    public static TrainResult Run(TrainOptions options)
    {
        var log = options.Logger ?? NullLogger.Instance;

        // 1. config: resolved and saved beside the run's outputs
        var config = ConfigLoader.Load(options.ConfigPath, options.Overrides);
        if (config.Stages.Count > 0) return StagedRun.Run(options, config, log); // one Trainer.Run per stage
        var t = config.Trainer;
        string runDir = t.RunDir;
        Directory.CreateDirectory(runDir);
        WriteAtomically(Path.Combine(runDir, "config.yaml"), ConfigLoader.ToYaml(config));
        if (t.Threads > 0) WorkPool.ThreadCount = t.Threads;
        foreach (var key in NotYetApplied(config))
            log.LogWarning("{Key} is set, but the RL step does not apply it yet; this run trains without it", key);

        // 2. models and tokenizer
        string modelPath = config.Model.Path;
        if (string.IsNullOrWhiteSpace(modelPath))
            throw new ArgumentException("config: model.path is empty. HINT: set model.path=<folder with config.json, model.safetensors and tokenizer.json>");
        if (!Directory.Exists(modelPath))
            throw new DirectoryNotFoundException($"{modelPath}: model folder not found (model.path). HINT: pass a folder with config.json, model.safetensors and tokenizer.json (e.g. from verity init-model)");
        var tokenizer = Tokenizer.FromFolder(modelPath);
        var policy = ModelFolder.Load(modelPath);
        if (policy.Model.Config.VocabSize < tokenizer.VocabSize)
            throw new InvalidDataException($"{modelPath}: the model has {policy.Model.Config.VocabSize} token embeddings but the tokenizer {tokenizer.VocabSize} tokens. HINT: make the model with --vocab ≥ {tokenizer.VocabSize}");
        bool kl = config.Algorithm.Kl.Coef > 0; // a KL loss or KL in the reward
        var reference = kl ? ModelFolder.Load(config.Model.ReferencePath ?? modelPath).Model : null;
        var critic = config.Algorithm.AdvEstimator == "gae" ? Critic.Create(config, policy, tokenizer.VocabSize) : null; // PPO value model
        int[] stopIds = policy.Generation?.EosTokenIds is { Count: > 0 } gen ? [.. gen] : [.. tokenizer.EosTokenIds];

        // 3. prompts and reward
        var prompts = PromptSet.Load(config.Data, tokenizer);
        if (prompts.Skipped > 0)
            log.LogWarning("skipped {Skipped} prompts longer than data.max_prompt_length={Max} tokens", prompts.Skipped, config.Data.MaxPromptLength);
        if (prompts.OutsidePassRate > 0)
            log.LogInformation("left out {Count} prompts outside the pass-rate band data.min_pass_rate / data.max_pass_rate", prompts.OutsidePassRate);
        if (prompts.BelowTopFraction > 0)
            log.LogInformation("left out {Count} prompts below the top data.top_fraction={Fraction} by {Key}", prompts.BelowTopFraction, config.Data.TopFraction, config.Data.ScoreKey);
        var reward = new TrainingReward(config.Reward, TrainingReward.SettingsFor(config), text => tokenizer.Encode(text, addSpecialTokens: false).Length);

        // 4. optimizer, sampler, schedule, checkpoints
        var o = config.Optim;
        var optimizer = new AdamW(policy.Model.Parameters, new AdamWOptions
        {
            LearningRate = o.Lr, Beta1 = o.Betas[0], Beta2 = o.Betas[1], Eps = o.Eps, WeightDecay = o.WeightDecay,
            Decays = AdamWOptions.DecayMatricesOnly,
        });
        var sampler = PromptSamplers.Create(config.Data, prompts, t.Seed);
        var schedule = LrSchedules.Create(o.Schedule, new LrScheduleOptions
        {
            PeakLearningRate = o.Lr, TotalSteps = t.Steps, WarmupSteps = o.WarmupSteps, MinLrRatio = o.MinLrRatio, NumCycles = o.NumCycles,
        });
        var checkpoints = new CheckpointManager(runDir, new CheckpointPolicy { KeepLast = t.KeepLast == 0 ? int.MaxValue : t.KeepLast }, log);
        var setup = AlgorithmSetup.From(config);

        // 5. resume: weights, optimizer moments and step, sampler position, controllers
        long start = 0;
        var resumed = checkpoints.Resolve(options.Resume);
        if (resumed is not null)
        {
            ModelFolder.LoadWeights(resumed.Path, policy.Config, policy.Model.Parameters);
            OptimizerStateFile.Load(Path.Combine(resumed.Path, OptimizerStateFile.FileName), optimizer);
            critic?.Restore(resumed.Path);
            setup = ControllerStates.Restore(setup, config, resumed.State.ControllerStates, sampler, resumed.Path);
            start = resumed.Step;
        }

        var stops = new RolloutStops(tokenizer, config.Rollout.Stop, policy.Model.Config.VocabSize);
        var ctx = new RlContext
        {
            Policy = policy.Model,
            Reference = reference,
            Optimizer = optimizer,
            Critic = critic,
            Generator = new Generator(policy.Model, new GeneratorOptions { DefaultStopTokenIds = stopIds }),
            // ids of padded embedding rows (model vocab > tokenizer vocab) decode to nothing, as in HF tokenizers
            Decode = ids => stops.Cut(tokenizer.Decode(ids.Where(id => id < tokenizer.VocabSize).ToArray(), skipSpecialTokens: true)),
            Reward = reward.Score,
            Config = config,
            Setup = setup,
            StopTokenIds = stopIds,
            StopCriterion = stops.Criterion,
            ToolRollout = Rollout.CodeInterpreterRollout.FromConfig(config.Rollout, text => tokenizer.Encode(text, addSpecialTokens: false)), // codeturns
        };
        var evaluator = PeriodicEval.Create(ctx, tokenizer);

        void WritePayload(string dir)
        {
            ModelFolder.Save(dir, policy.Config, policy.Model.Parameters, new ModelSaveOptions
            {
                DType = StorageDType.F32, Generation = policy.Generation, TokenizerSource = modelPath,
            });
            OptimizerStateFile.Save(Path.Combine(dir, OptimizerStateFile.FileName), optimizer);
            critic?.Save(Path.Combine(dir, Critic.FolderName));
        }

        // 6. the steps
        IReadOnlyDictionary<string, double> last = new Dictionary<string, double>();
        string? finalCheckpoint = null;
        using (var tracker = Tracker.Create(t.Trackers, new TrackerOptions
        {
            RunDir = runDir, ResumeStep = resumed?.Step, TotalSteps = t.Steps, CompletionsEvery = t.CompletionsEvery,
            PlainOut = options.Progress, Plain = options.PlainProgress,
        }))
        {
            for (long step = start + 1; step <= t.Steps; step++)
            {
                var batch = new List<int>(); // dataset index of each group, in draw order (dynamic sampling may draw more)
                var result = RlStep.Run(ctx, n => { var next = sampler.Next(n); batch.AddRange(next); return next.Select(i => prompts.Prompts[i]).ToList(); },
                    step, schedule(step - 1));
                sampler.Record(PromptOutcome.FromSamples(result.Samples, batch));
                var metrics = new Dictionary<string, double>(result.Metrics);
                reward.TakeMeans(metrics);
                if (metrics.TryGetValue("entropy", out double entropy)) setup.EntropyController.Update(entropy);
                sampler.AddMetrics(metrics);
                metrics["epoch"] = sampler.Epochs;
                bool evaluated = evaluator is not null && PeriodicEval.IsDue(t, step);
                if (evaluated) evaluator!.Run(step, metrics);
                last = metrics;

                if (step % t.LogEvery == 0 || step == t.Steps || evaluated) tracker.Log(step, metrics);
                if (tracker.WantsCompletions(step))
                    tracker.LogCompletions(step, result.Samples.Take(CompletionsPerStep).Select(s => new CompletionSample(
                        prompts.Texts[batch[s.Group]], s.Response, s.Reward ?? double.NaN,
                        new Dictionary<string, JsonNode?> { ["answer"] = prompts.Prompts[batch[s.Group]].Answer, ["finish"] = s.Finish.ToString() })));
                bool final = step == t.Steps;
                if (final || t.SaveEvery > 0 && step % t.SaveEvery == 0)
                {
                    var saved = checkpoints.Save(step, WritePayload, ControllerStates.Capture(setup, sampler));
                    if (final) finalCheckpoint = saved.Path;
                }
            }
        }
        if (start >= t.Steps) log.LogInformation("nothing to do: the checkpoint is at step {Step} of trainer.steps={Steps}", start, t.Steps);
        return new TrainResult(runDir, start, Math.Max(start, t.Steps), last, finalCheckpoint);
    }

    /// <summary>Config keys that validate but that <see cref="RlStep"/> does not act on yet: said out loud, never silently ignored.
    /// Today every key that validates is applied; a key added to the records before its step code goes here.</summary>
    internal static IEnumerable<string> NotYetApplied(RunConfig c)
    {
        _ = c;
        yield break;
    }

    private static void WriteAtomically(string path, string text)
    {
        string tmp = $"{path}.tmp-{Environment.ProcessId}";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
