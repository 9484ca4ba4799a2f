using Microsoft.Extensions.Logging;
using Verity.Rl.Checkpoints;
using Verity.Rl.Config;

namespace Verity.Rl.Training;

/// <summary>
/// A multi-stage run (config <c>stages:</c>), as a verl or TRL user would chain runs by hand: stage k is the base
/// config plus its overrides, trained by <see cref="Trainer"/> for its steps in trainer.run_dir/stage-k-name,
/// starting from the final checkpoint of stage k−1 (the KL reference stays the base model). Weights carry over;
/// AdamW moments, the lr schedule and the prompt sampler start afresh each stage. Resume: <c>auto</c> skips the
/// finished stages and resumes the current one from its newest checkpoint (mid-stage included); a checkpoint
/// folder resumes its stage; <c>none</c> runs every stage from the start.
/// </summary>
internal static class StagedRun
{
    public static TrainResult Run(TrainOptions options, RunConfig config, ILogger log)
    {
        string root = config.Trainer.RunDir;
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "config.yaml"), ConfigLoader.ToYaml(config));
        string reference = config.Model.ReferencePath ?? config.Model.Path;
        var dirs = Enumerable.Range(0, config.Stages.Count).Select(k => Path.GetFullPath(Path.Combine(root, StageValidation.Folder(config, k)))).ToList();
        int resumeStage = ResumeStage(options.Resume, dirs);

        string? previous = null;
        long offset = 0, resumedFrom = 0;
        TrainResult? last = null;
        for (int k = 0; k < config.Stages.Count; k++)
        {
            var stage = config.Stages[k];
            string? resume = options.Resume switch
            {
                "auto" => "auto",
                null or "" or "none" => "none",
                var path => k < resumeStage ? "auto" : k == resumeStage ? path : "none",
            };
            // a finished stage is not rerun: its final checkpoint seeds the next stage
            var done = resume == "auto" ? new CheckpointManager(dirs[k], logger: log).ListComplete(cleanUp: false).LastOrDefault() : null;
            if (done is not null && done.Step >= stage.Steps)
            {
                log.LogInformation("stage {Stage} ({Dir}) is finished at step {Step}", k + 1, dirs[k], done.Step);
                previous = done.Path;
                offset += stage.Steps;
                resumedFrom = offset;
                continue;
            }
            if (k < resumeStage)
                throw new InvalidDataException($"--resume {options.Resume}: stage {k + 1} ({dirs[k]}) has no final checkpoint at step {stage.Steps}. HINT: use --resume auto to continue from the newest checkpoint");

            List<string> overrides = [.. options.Overrides, .. stage.Overrides, $"trainer.steps={stage.Steps}", $"trainer.run_dir={dirs[k]}", "stages=[]"];
            if (previous is not null) overrides.AddRange([$"model.path={previous}", $"model.reference_path={reference}"]);
            log.LogInformation("stage {Stage} of {Count}: {Steps} steps in {Dir}", k + 1, config.Stages.Count, stage.Steps, dirs[k]);
            last = Trainer.Run(options with { Overrides = overrides, Resume = resume });
            if (last.ResumedFrom > 0 && resumedFrom == offset) resumedFrom = offset + last.ResumedFrom;
            previous = last.FinalCheckpoint ?? new CheckpointManager(dirs[k], logger: log).ListComplete(cleanUp: false).Last().Path;
            offset += stage.Steps;
        }
        // like a single run: no final checkpoint when there was nothing left to train
        return new TrainResult(root, resumedFrom, offset, last?.LastMetrics ?? new Dictionary<string, double>(), last is null ? null : previous);
    }

    /// <summary>The stage whose folder holds the checkpoint named by --resume; -1 for auto / none.</summary>
    private static int ResumeStage(string? resume, List<string> dirs)
    {
        if (resume is null or "" or "none" or "auto") return -1;
        string parent = Path.GetDirectoryName(Path.GetFullPath(resume).TrimEnd(Path.DirectorySeparatorChar)) ?? "";
        int k = dirs.IndexOf(parent);
        return k >= 0 ? k : throw new ArgumentException($"--resume {resume}: not a checkpoint of this staged run. HINT: pass a checkpoint-<step> folder inside one of {string.Join(", ", dirs)}, or --resume auto");
    }
}
