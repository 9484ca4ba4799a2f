using System.CommandLine;
using Verity.Rl.Config;
using Verity.Rl.Training;

namespace Verity.Cli.Commands;

/// <summary>
/// <c>verity sft --config FILE.yaml [key=value …] [--resume auto|none|PATH]</c>: supervised fine-tuning on
/// (prompt, response) JSONL with the loss on response tokens only; checkpoints and metrics.jsonl go to trainer.run_dir.
/// </summary>
internal static class SftCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config", "-c") { Description = "YAML run config (sections model, data, optim, trainer, sft); omitted = defaults + overrides." };
        var resume = new Option<string?>("--resume")
        {
            Description = "auto (newest complete checkpoint of trainer.run_dir, or a fresh start), none, or a checkpoint-<step> folder.",
        };
        var overrides = new Argument<string[]>("overrides")
        {
            Description = "Dotted key=value overrides applied after the file, e.g. model.path=m data.train_files=[sft.jsonl] sft.epochs=2.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("sft", "Supervised fine-tuning on (prompt, response) pairs, loss on response tokens only.");
        command.Options.Add(config);
        command.Options.Add(resume);
        command.Arguments.Add(overrides);
        command.SetAction(parse =>
        {
            var run = ConfigLoader.Load(parse.GetValue(config), parse.GetValue(overrides) ?? []);
            var w = parse.InvocationConfiguration.Output;
            Directory.CreateDirectory(run.Trainer.RunDir);
            File.WriteAllText(Path.Combine(run.Trainer.RunDir, "config.yaml"), ConfigLoader.ToYaml(run));
            var result = SftTrainer.Run(run, w, parse.GetValue(resume));
            w.WriteLine(result.Losses.Count == 0
                ? $"sft: nothing to train: {result.FinalCheckpoint} is already at step {result.LastStep}"
                : $"sft: steps {result.ResumedFrom + 1}..{result.LastStep} on {result.Pairs} pairs, loss {result.Losses[0]:F4} → {result.Losses[^1]:F4}; model in {result.FinalCheckpoint}");
            return 0;
        });
        return command;
    }
}
