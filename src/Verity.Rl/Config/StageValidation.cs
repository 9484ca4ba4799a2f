namespace Verity.Rl.Config;

/// <summary>Checks of the stages list that need no file: steps, their sum, and which keys a stage may override.</summary>
internal static class StageValidation
{
    /// <summary>Keys the staged run sets itself.</summary>
    private static readonly string[] Managed = ["trainer.", "model.path", "stages"];

    public static void Validate(RunConfig c)
    {
        if (c.Stages.Count == 0) return;
        for (int k = 0; k < c.Stages.Count; k++)
        {
            var stage = c.Stages[k];
            if (stage.Steps < 1)
                throw new InvalidDataException($"config: stages.{k}.steps must be ≥ 1, got {stage.Steps}. HINT: give every stage its number of steps");
            foreach (var o in stage.Overrides)
            {
                int eq = o.IndexOf('=');
                if (eq <= 0)
                    throw new InvalidDataException($"config: stages.{k}.overrides has '{o}', not a key=value override. HINT: write e.g. \"rollout.max_new_tokens=16384\"");
                string key = o[..eq].Trim();
                if (Managed.Any(m => key == m || key.StartsWith(m.EndsWith('.') ? m : m + ".", StringComparison.Ordinal)))
                    throw new InvalidDataException($"config: stages.{k}.overrides sets {key}, which the staged run manages (trainer.*, model.path, stages). HINT: set it in the base config, or drop it (each stage starts from the previous stage's final weights)");
            }
        }
        int total = c.Stages.Sum(s => s.Steps);
        if (total != c.Trainer.Steps)
            throw new InvalidDataException($"config: trainer.steps ({c.Trainer.Steps}) is not the sum of stages[].steps ({total}). HINT: set trainer.steps={total}");
    }

    /// <summary>The folder name of stage k (1-based) under trainer.run_dir.</summary>
    public static string Folder(RunConfig c, int k) => $"stage-{k + 1}" + (c.Stages[k].Name.Length > 0 ? $"-{c.Stages[k].Name}" : "");

}
