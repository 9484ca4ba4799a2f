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
        var rlSteps = new Option<int?>("--rl-steps") { Description = "GRPO steps. [default: 300, quick 200]" };
        var rlLr = new Option<double?>("--rl-lr") { Description = "GRPO peak learning rate. [default: 3e-4]" };
        var sftCheckpoint = new Option<string?>("--sft-checkpoint") { Description = "Folder of a saved SFT model: loaded (skipping SFT) when it holds one, else written after SFT." };
        var rlPrompts = new Option<int?>("--rl-prompts") { Description = "Prompts per GRPO step. [default: 32]" };
        var groupSize = new Option<int?>("--group-size") { Description = "Samples per prompt (G). [default: 8]" };
        var rlDecay = new Option<double?>("--rl-decay") { Description = "Fraction of the GRPO steps, at the end, over which the learning rate decays to 10 %. [default: 0.5]" };
        var compare = new Option<string?>("--compare") { Description = "Comma-separated presets (configs/<name>.yaml) to compare on the demo task from the same SFT checkpoint per seed, e.g. grpo,dapo,dr_grpo." };
        var seeds = new Option<string>("--seeds") { Description = "Seeds of the comparison, comma-separated.", DefaultValueFactory = _ => "1,2,3" };
        var outPath = new Option<string>("--out") { Description = "Markdown table of the comparison.", DefaultValueFactory = _ => "docs/algorithm-comparison.md" };
        var configDir = new Option<string>("--configs") { Description = "Folder of the preset files.", DefaultValueFactory = _ => "configs" };
        var reuseOnly = new Option<bool>("--reuse-only") { Description = "With --compare: tabulate the finished runs in --run-dir without training; the others are listed as not run." };
        var command = new Command("demo", "Run the embedded end-to-end demo: noisy-teacher SFT, then GRPO, on a tiny model made on the spot (no download).");
        command.Options.Add(runDir);
        command.Options.Add(seed);
        command.Options.Add(quick);
        command.Options.Add(sftSteps);
        command.Options.Add(rlSteps);
        command.Options.Add(rlLr);
        command.Options.Add(sftCheckpoint);
        command.Options.Add(rlPrompts);
        command.Options.Add(groupSize);
        command.Options.Add(rlDecay);
        command.Options.Add(compare);
        command.Options.Add(seeds);
        command.Options.Add(outPath);
        command.Options.Add(configDir);
        command.Options.Add(reuseOnly);
        command.SetAction(parse =>
        {
            string dir = parse.GetValue(runDir)!;
            var options = (parse.GetValue(quick) ? DemoOptions.Quick(dir) : new DemoOptions { RunDir = dir }) with { Seed = parse.GetValue(seed) };
            if (parse.GetValue(sftSteps) is { } s) options = options with { SftSteps = s };
            if (parse.GetValue(rlSteps) is { } r) options = options with { RlSteps = r };
            if (parse.GetValue(rlLr) is { } lr) options = options with { RlLr = lr };
            if (parse.GetValue(sftCheckpoint) is { } cached) options = options with { SftCheckpoint = cached };
            if (parse.GetValue(rlPrompts) is { } rp) options = options with { PromptsPerStep = rp };
            if (parse.GetValue(groupSize) is { } g) options = options with { GroupSize = g };
            if (parse.GetValue(rlDecay) is { } d) options = options with { RlDecayFraction = d };
            var w = parse.InvocationConfiguration.Output;
            if (parse.GetValue(compare) is { } presets)
            {
                AlgorithmComparison.Run(new ComparisonOptions
                {
                    Presets = List(presets, "--compare"), Seeds = List(parse.GetValue(seeds)!, "--seeds").Select(s => ParseSeed(s)).ToList(),
                    ConfigDir = parse.GetValue(configDir)!, WorkDir = dir, ReuseOnly = parse.GetValue(reuseOnly), OutPath = parse.GetValue(outPath)!, Demo = options,
                }, w);
                return 0;
            }
            var summary = ArithmeticDemo.Run(options, w);
            w.WriteLine();
            w.WriteLine($"held-out accuracy ({summary.HeldOutSize} problems never seen in training):");
            w.WriteLine($"  avg@{summary.K} at T={summary.Temperature}:  SFT {summary.SftAccuracy:P1}  →  RL {summary.RlAccuracy:P1}");
            w.WriteLine($"  greedy:            SFT {summary.SftGreedyAccuracy:P1}  →  RL {summary.RlGreedyAccuracy:P1}");
            w.WriteLine($"run directory: {Path.GetFullPath(dir)}");
            return 0;
        });
        return command;
    }

    static List<string> List(string text, string option)
    {
        var items = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        return items.Count > 0 ? items : throw new ArgumentException($"{option}: empty list. HINT: e.g. {option} grpo,dapo");
    }

    static int ParseSeed(string text) => int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out int seed)
        ? seed : throw new FormatException($"--seeds: '{text}' is not an integer. HINT: e.g. --seeds 1,2,3");
}
