using System.CommandLine;
using Verity.Rl.Config;

namespace Verity.Cli.Commands;

/// <summary>
/// <c>verity config show|validate</c>: resolve a YAML config plus dotted key=value overrides exactly as
/// <c>verity train</c> will, and print it or check it. Overrides are positional tokens (verl style).
/// </summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var command = new Command("config", "Resolve, print and check run configs (YAML file + key=value overrides).");
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Validate());
        return command;
    }

    private static Option<string?> ConfigOption(bool required) => new("--config", "-c")
    {
        Description = "YAML config file (presets in configs/). Without it, the built-in defaults.",
        Required = required,
    };

    private static Argument<string[]> Overrides() => new("overrides")
    {
        Description = "Dotted key=value overrides applied after the file, e.g. algorithm.policy_loss=gspo rollout.n=8.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    private static Command Show()
    {
        var config = ConfigOption(required: false);
        var overrides = Overrides();
        var noValidate = new Option<bool>("--no-validate") { Description = "Print the resolved config without the cross-field checks." };
        var command = new Command("show", "Print the resolved config as YAML (what a run would save as config.yaml).");
        command.Options.Add(config);
        command.Options.Add(noValidate);
        command.Arguments.Add(overrides);
        command.SetAction(parse =>
        {
            string? file = parse.GetValue(config);
            string[] items = parse.GetValue(overrides) ?? [];
            var resolved = parse.GetValue(noValidate) ? ConfigLoader.Resolve(file, items) : ConfigLoader.Load(file, items);
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"# resolved from {file ?? "defaults"}{(items.Length > 0 ? " with " + string.Join(" ", items) : "")}");
            output.Write(ConfigLoader.ToYaml(resolved));
            return 0;
        });
        return command;
    }

    private static Command Validate()
    {
        var config = ConfigOption(required: true);
        var overrides = Overrides();
        var command = new Command("validate", "Check a config: keys, types and cross-field rules. Exit code 0 when valid.");
        command.Options.Add(config);
        command.Arguments.Add(overrides);
        command.SetAction(parse =>
        {
            string file = parse.GetValue(config)!;
            var c = ConfigLoader.Load(file, parse.GetValue(overrides) ?? []);
            var a = c.Algorithm;
            parse.InvocationConfiguration.Output.WriteLine(
                $"ok: {file} (adv_estimator {a.AdvEstimator}, policy_loss {a.PolicyLoss}, loss_agg_mode {a.LossAggMode}, n {c.Rollout.N}, batch {c.Data.BatchSize})");
            return 0;
        });
        return command;
    }
}
