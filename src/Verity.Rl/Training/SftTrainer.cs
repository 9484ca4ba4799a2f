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
/// <param name="Losses">Mean response-token NLL of each step this process ran, measured before its update.</param>
/// <param name="Pairs">Training pairs used.</param>
/// <param name="Skipped">Pairs skipped (empty or too long).</param>
/// <param name="FinalCheckpoint">The last checkpoint folder (a loadable Hugging Face model folder).</param>
/// <param name="Seconds">Wall time.</param>
/// <param name="ResumedFrom">Step of the checkpoint the run resumed from (0 for a fresh start).</param>
/// <param name="LastStep">The run's last step (its planned length).</param>
public sealed record SftResult(IReadOnlyList<double> Losses, int Pairs, int Skipped, string FinalCheckpoint, double Seconds, long ResumedFrom = 0, long LastStep = 0);

/// <summary>
/// Supervised fine-tuning: (prompt, response) pairs → batches of data.batch_size → <see cref="SftStep"/>
/// (loss on response tokens only) with the RL trainer's AdamW (decay on matrices only), learning-rate schedule,
/// checkpoints (weights + optimizer moments + data position) and metrics. Each batch is laid out padded (one pair
/// per row) or, with sft.packing, packed (<see cref="SftBatching"/>); the layout changes the work, not the gradient.
/// Same seed and threads ⇒ the same run, also across a kill and <c>--resume auto</c>: the data order is replayed
/// from the seed and checked against the checkpoint.
/// </summary>
public static class SftTrainer
{
    /// <param name="config">The resolved run config (model, data, optim, trainer, sft).</param>
    /// <param name="log">Progress lines and warnings (skipped pairs, resume).</param>
    /// <param name="resume">"auto" (newest complete checkpoint of trainer.run_dir, or a fresh start), "none"/null, or a checkpoint folder.</param>
    public static SftResult Run(RunConfig config, TextWriter log, string? resume = null)
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
        var optimizer = new AdamW(model.Parameters, new AdamWOptions
        {
            LearningRate = o.Lr, Beta1 = o.Betas[0], Beta2 = o.Betas[1], Eps = o.Eps, WeightDecay = o.WeightDecay, Decays = AdamWOptions.DecayMatricesOnly,
        });
        var checkpoints = new CheckpointManager(t.RunDir, new CheckpointPolicy { KeepLast = t.KeepLast == 0 ? int.MaxValue : t.KeepLast });
        void WritePayload(string dir)
        {
            ModelFolder.Save(dir, loaded.Config, model.Parameters,
                new ModelSaveOptions { DType = StorageDType.F32, Generation = loaded.Generation, TokenizerSource = config.Model.Path });
            OptimizerStateFile.Save(Path.Combine(dir, OptimizerStateFile.FileName), optimizer);
        }
        log.WriteLine($"sft: {data.Pairs.Count} pairs, {perEpoch} steps per epoch of {d.BatchSize}, {steps} steps, {(s.Packing ? $"packed into rows of {s.MaxLength} tokens" : "padded")}, run dir {t.RunDir}");

        // Each epoch reshuffles the previous epoch's order with the one seeded Random, so the order at any step
        // is a function of (seed, step) and resume rebuilds it by replaying the shuffles.
        var rng = new Random(t.Seed);
        var order = Enumerable.Range(0, data.Pairs.Count).ToArray();
        void AdvanceOrder(long step)
        {
            if ((step - 1) % perEpoch == 0 && s.Shuffle) rng.Shuffle(order);
        }
        string dataHash = SftDataPosition.Fingerprint(data.Pairs);

        long start = 0;
        string final = "";
        var resumed = checkpoints.Resolve(resume);
        if (resumed is not null)
        {
            ModelFolder.LoadWeights(resumed.Path, loaded.Config, model.Parameters);
            OptimizerStateFile.Load(Path.Combine(resumed.Path, OptimizerStateFile.FileName), optimizer);
            start = resumed.Step;
            for (long step = 1; step <= start; step++) AdvanceOrder(step);
            SftDataPosition.Check(resumed.State.ControllerStates, resumed.Path, data.Pairs.Count, d.BatchSize, dataHash, order);
            final = resumed.Path;
            log.WriteLine($"sft: resuming from {resumed.Path} (step {start} of {steps})");
        }
        else if (resume == "auto")
        {
            log.WriteLine($"sft: no checkpoint in {t.RunDir}; starting from step 0");
        }

        var losses = new List<double>();
        using (var tracker = Tracker.Create(["jsonl"], new TrackerOptions { RunDir = t.RunDir, ResumeStep = resumed?.Step, TotalSteps = steps }))
        {
            for (long step = start + 1; step <= steps; step++)
            {
                AdvanceOrder(step);
                int inEpoch = (int)((step - 1) % perEpoch);
                var batch = order.Skip(inEpoch * d.BatchSize).Take(d.BatchSize).Select(i => data.Pairs[i]).ToList();
                var micro = s.Packing ? SftBatching.Packed(batch, o.MicroBatch, s.MaxLength) : SftBatching.Padded(batch, o.MicroBatch);
                double lr = schedule(step - 1);
                var (loss, gradNorm) = SftStep.Run(model, optimizer, micro, lr, o.GradClip);
                losses.Add(loss);
                if (t.LogEvery > 0 && (step % t.LogEvery == 0 || step == steps))
                    tracker.Log(step, new Dictionary<string, double>
                    {
                        ["loss"] = loss, ["lr"] = lr, ["grad_norm"] = gradNorm, ["tokens"] = batch.Sum(b => b.Response.Length),
                        ["epoch"] = (step - 1) / (double)perEpoch,
                        // share of the computed positions that are padding: what packing removes
                        ["pad_fraction"] = 1 - micro.Sum(m => m.Engine.Lengths.Sum()) / (double)micro.Sum(m => m.Positions),
                    });
                if (step % Math.Max(1, steps / 10) == 0 || step == steps)
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sft {step}/{steps}  loss {loss:F4}  lr {lr:E2}  grad_norm {gradNorm:F3}  {clock.Elapsed.TotalSeconds:F0}s"));
                if (t.SaveEvery > 0 && step % t.SaveEvery == 0 || step == steps)
                    final = checkpoints.Save(step, WritePayload, SftDataPosition.Capture(step, data.Pairs.Count, d.BatchSize, dataHash, order)).Path;
            }
        }
        if (start >= steps) log.WriteLine($"sft: nothing to do: {final} is at step {start} of {steps}");
        else log.WriteLine($"sft: saved {final} ({clock.Elapsed.TotalSeconds:F0}s)");
        return new SftResult(losses, data.Pairs.Count, data.Skipped.Count, final, clock.Elapsed.TotalSeconds, start, Math.Max(start, steps));
    }
}
