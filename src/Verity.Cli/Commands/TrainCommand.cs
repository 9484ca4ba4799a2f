using System.CommandLine;
using Verity.Rl.Tracking;
using Verity.Rl.Training;

namespace Verity.Cli.Commands;

/// <summary>
/// <c>verity train --config FILE.yaml [key=value …] [--resume auto|PATH]</c>: the RL loop of
/// <see cref="Trainer"/>. Overrides are positional tokens, resolved exactly as <c>verity config show</c> does.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config", "-c") { Description = "YAML config file (presets in configs/). Without it, the built-in defaults." };
        var resume = new Option<string?>("--resume")
        {
            Description = "auto (newest complete checkpoint of trainer.run_dir, or a fresh start), none, or a checkpoint-<step> folder.",
        };
        var overrides = new Argument<string[]>("overrides")
        {
            Description = "Dotted key=value overrides applied after the file, e.g. model.path=models/tiny data.train_files=[prompts.jsonl] trainer.steps=50.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("train", "Train a policy with a GRPO-family algorithm: rollout, reward, advantage, update; metrics and checkpoints in trainer.run_dir.");
        command.Options.Add(config);
        command.Options.Add(resume);
        command.Arguments.Add(overrides);
        command.SetAction(parse =>
        {
            using var logging = VerityLogging.CreateFactory(parse.GetValue(VerityCli.Verbose));
            var output = parse.InvocationConfiguration.Output;
            var result = Trainer.Run(new TrainOptions
            {
                ConfigPath = parse.GetValue(config),
                Overrides = parse.GetValue(overrides) ?? [],
                Resume = parse.GetValue(resume),
                Progress = output,
                // a writer other than the real console (tests, pipes) gets plain lines
                PlainProgress = ReferenceEquals(output, Console.Out) ? null : true,
                Logger = logging.CreateLogger("verity.train"),
            });
            output.WriteLine(result.FinalCheckpoint is null
                ? $"nothing to train: {result.RunDir} is already at step {result.LastStep}"
                : $"trained steps {result.ResumedFrom + 1}..{result.LastStep}; final checkpoint {result.FinalCheckpoint}");
            return 0;
        });
        return command;
    }
}
