using System.CommandLine;
using Verity.Rl.Demo;

namespace Verity.Cli.Commands;

/// <summary>
/// <c>verity demo</c>: the README's main command. Makes a tiny model and tokenizer (no download), SFTs it
/// on a noisy teacher until held-out accuracy plateaus, runs GRPO, and prints held-out accuracy before
/// and after RL (avg@k at the sampling temperature, and greedy), with the run directory.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var runDir = new Option<string>("--run-dir") { Description = "Where the run goes (model/, metrics.jsonl, summary.json).", DefaultValueFactory = _ => "runs/demo" };
        var seed = new Option<int>("--seed") { Description = "Seed of everything (data, init, sampling).", DefaultValueFactory = _ => 1 };
        var quick = new Option<bool>("--quick") { Description = "The CI-sized protocol: fewer SFT and RL steps, smaller held-out set." };
        var sftSteps = new Option<int?>("--sft-steps") { Description = "SFT optimizer steps. [default: 2000, quick 1500]" };
        var rlSteps = new Option<int?>("--rl-steps") { Description = "GRPO steps. [default: 600, quick 250]" };
        var rlLr = new Option<double?>("--rl-lr") { Description = "GRPO learning rate. [default: 1e-4]" };
        var command = new Command("demo", "Run the embedded end-to-end demo: noisy-teacher SFT, then GRPO, on a tiny model made on the spot (no download).");
        command.Options.Add(runDir);
        command.Options.Add(seed);
        command.Options.Add(quick);
        command.Options.Add(sftSteps);
        command.Options.Add(rlSteps);
        command.Options.Add(rlLr);
        command.SetAction(parse =>
        {
            string dir = parse.GetValue(runDir)!;
            var options = (parse.GetValue(quick) ? DemoOptions.Quick(dir) : new DemoOptions { RunDir = dir }) with { Seed = parse.GetValue(seed) };
            if (parse.GetValue(sftSteps) is { } s) options = options with { SftSteps = s };
            if (parse.GetValue(rlSteps) is { } r) options = options with { RlSteps = r };
            if (parse.GetValue(rlLr) is { } lr) options = options with { RlLr = lr };
            var summary = ArithmeticDemo.Run(options, parse.InvocationConfiguration.Output);
            var w = parse.InvocationConfiguration.Output;
            w.WriteLine();
            w.WriteLine($"held-out accuracy ({summary.HeldOutSize} problems never seen in training):");
            w.WriteLine($"  avg@{summary.K} at T={summary.Temperature}:  SFT {summary.SftAccuracy:P1}  →  RL {summary.RlAccuracy:P1}");
            w.WriteLine($"  greedy:            SFT {summary.SftGreedyAccuracy:P1}  →  RL {summary.RlGreedyAccuracy:P1}");
            w.WriteLine($"run directory: {Path.GetFullPath(dir)}");
            return 0;
        });
        return command;
    }
}
