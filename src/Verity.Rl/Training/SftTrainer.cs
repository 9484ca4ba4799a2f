using System.Diagnostics;
using System.Globalization;
using Verity.Data.Templates;
using Verity.Engine.Optim;
using Verity.Engine.Threading;
using Verity.Hub.Checkpoints;
using Verity.Hub.Safetensors;
using Verity.Hub.Tokenization;
using Verity.Rl.Checkpoints;
using Verity.Rl.Config;
using Verity.Rl.Tracking;

namespace Verity.Rl.Training;

/// <summary>What an SFT run did.</summary>
/// <param name="Losses">Mean response-token NLL of each step, measured before its update.</param>
/// <param name="Pairs">Training pairs used.</param>
/// <param name="Skipped">Pairs skipped (empty or too long).</param>
/// <param name="FinalCheckpoint">The last checkpoint folder (a loadable Hugging Face model folder).</param>
/// <param name="Seconds">Wall time.</param>
public sealed record SftResult(IReadOnlyList<double> Losses, int Pairs, int Skipped, string FinalCheckpoint, double Seconds);

/// <summary>
/// Supervised fine-tuning: (prompt, response) pairs → batches of data.batch_size → <see cref="SftStep"/>
/// (loss on response tokens only) with the RL trainer's AdamW, learning-rate schedule, checkpoints and
/// metrics. No sequence packing: each pair is its own row of the batch (padding costs compute, not
/// correctness, since the masked positions carry no loss). Resuming from a checkpoint is not supported yet.
/// </summary>
public static class SftTrainer
{
    public static SftResult Run(RunConfig config, TextWriter log)
    {
        var clock = Stopwatch.StartNew();
        var (d, o, t, s) = (config.Data, config.Optim, config.Trainer, config.Sft);
        if (string.IsNullOrEmpty(config.Model.Path)) throw new InvalidDataException("sft: model.path is empty. HINT: set model.path=DIR (a model folder with tokenizer.json).");
        if (t.Threads > 0) WorkPool.ThreadCount = t.Threads;

        var loaded = ModelFolder.Load(config.Model.Path);
        var tokenizer = Tokenizer.FromFolder(config.Model.Path);
        int eos = tokenizer.EosTokenId ?? loaded.Generation?.EosTokenIds.FirstOrDefault(-1) ?? -1;
        if (eos < 0) throw new InvalidDataException($"sft: {config.Model.Path} names no EOS token, so responses could not learn to stop. HINT: set eos_token in tokenizer_config.json.");
        var data = SftData.Load(d.TrainFiles, d.PromptKey, s.ResponseKey, new PromptFormatter(tokenizer, d.Template), tokenizer, eos, s.MaxLength);
        foreach (var group in data.Skipped.GroupBy(x => x.Reason))
            log.WriteLine($"sft: skipped {group.Count()} pairs: {group.Key} (first at {group.First().Where})");

        int perEpoch = (data.Pairs.Count + d.BatchSize - 1) / d.BatchSize;
        int steps = perEpoch * s.Epochs;
        if (s.MaxSteps > 0) steps = Math.Min(steps, s.MaxSteps);
        var schedule = LrSchedules.Create(o.Schedule, new LrScheduleOptions
        {
            PeakLearningRate = o.Lr, TotalSteps = steps, WarmupSteps = Math.Min(o.WarmupSteps, steps), MinLrRatio = o.MinLrRatio, NumCycles = o.NumCycles,
        });
        var model = loaded.Model;
        var optimizer = new AdamW(model.Parameters, new AdamWOptions { LearningRate = o.Lr, Beta1 = o.Betas[0], Beta2 = o.Betas[1], Eps = o.Eps, WeightDecay = o.WeightDecay });
        var checkpoints = new CheckpointManager(t.RunDir, new CheckpointPolicy { KeepLast = t.KeepLast });
        void SaveModel(string dir) => ModelFolder.Save(dir, loaded.Config, model.Parameters,
            new ModelSaveOptions { DType = StorageDType.F32, Generation = loaded.Generation, TokenizerSource = config.Model.Path });
        log.WriteLine($"sft: {data.Pairs.Count} pairs, {perEpoch} steps per epoch of {d.BatchSize}, {steps} steps, run dir {t.RunDir}");

        var losses = new List<double>();
        var rng = new Random(t.Seed);
        var order = Enumerable.Range(0, data.Pairs.Count).ToArray();
        string final = "";
        using (var tracker = Tracker.Create(["jsonl"], new TrackerOptions { RunDir = t.RunDir, TotalSteps = steps }))
        {
            for (int step = 1; step <= steps; step++)
            {
                int inEpoch = (step - 1) % perEpoch;
                if (inEpoch == 0 && s.Shuffle) rng.Shuffle(order);
                var batch = order.Skip(inEpoch * d.BatchSize).Take(d.BatchSize).Select(i => data.Pairs[i]).ToList();
                double lr = schedule(step - 1);
                var (loss, gradNorm) = SftStep.Run(model, optimizer, batch, lr, o.GradClip, o.MicroBatch);
                losses.Add(loss);
                if (t.LogEvery > 0 && (step % t.LogEvery == 0 || step == steps))
                    tracker.Log(step, new Dictionary<string, double>
                    {
                        ["loss"] = loss, ["lr"] = lr, ["grad_norm"] = gradNorm, ["tokens"] = batch.Sum(b => b.Response.Length),
                        ["epoch"] = (step - 1) / (double)perEpoch,
                    });
                if (step % Math.Max(1, steps / 10) == 0 || step == steps)
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sft {step}/{steps}  loss {loss:F4}  lr {lr:E2}  grad_norm {gradNorm:F3}  {clock.Elapsed.TotalSeconds:F0}s"));
                if (t.SaveEvery > 0 && step % t.SaveEvery == 0 || step == steps)
                    final = checkpoints.Save(step, SaveModel).Path;
            }
        }
        log.WriteLine($"sft: saved {final} ({clock.Elapsed.TotalSeconds:F0}s)");
        return new SftResult(losses, data.Pairs.Count, data.Skipped.Count, final, clock.Elapsed.TotalSeconds);
    }
}
