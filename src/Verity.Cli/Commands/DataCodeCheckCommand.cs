using System.CommandLine;
using Verity.Rewards.Code;

namespace Verity.Cli.Commands;

/// <summary>
/// <c>verity data code-check --input problems.jsonl [--min-tests 5] [--output kept.jsonl]</c>: runs every reference
/// solution against its own tests in the sandbox and drops problems whose reference fails or that have too few
/// tests, printing each removal and why. Kept lines are written unchanged to --output when given.
/// </summary>
internal static class DataCodeCheckCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input") { Description = "JSONL of code problems: {id, canonical_solution, tests} per line.", Required = true };
        var output = new Option<string?>("--output") { Description = "Write the kept problems here (lines unchanged)." };
        var minTests = new Option<int>("--min-tests") { Description = "Drop problems with fewer tests (check programs count their asserts). DeepCoder uses 5; AceCoder-style sets have ~16.", DefaultValueFactory = _ => 5 };
        var command = new Command("code-check", "Check a code dataset: reference solutions must pass their own tests; drop problems that fail or have too few tests.");
        command.Options.Add(input);
        command.Options.Add(output);
        command.Options.Add(minTests);
        var sandboxOptions = new SandboxCliOptions(command, includeRewardOptions: false);
        command.SetAction(parse =>
        {
            int min = parse.GetValue(minTests);
            if (min < 0) throw new ArgumentException($"--min-tests must be ≥ 0, got {min}.");
            var problems = CodeDatasetCheck.Read(parse.GetValue(input)!);
            var rewarder = new CodeRewarder(sandboxOptions.Read(parse));
            var health = CodeDatasetCheck.Check(problems, min, rewarder);
            var console = parse.InvocationConfiguration.Output;
            foreach (var h in health.Where(h => !h.Kept))
                console.WriteLine($"removed {h.Problem.Id}: {h.DropReason}");
            int failing = health.Count(h => h.DropReason?.StartsWith("reference", StringComparison.Ordinal) == true);
            int few = health.Count(h => h.DropReason?.StartsWith("only", StringComparison.Ordinal) == true);
            int sandbox = health.Count(h => !h.Kept) - failing - few;
            string? path = parse.GetValue(output);
            if (path is not null) File.WriteAllLines(path, health.Where(h => h.Kept).Select(h => h.Problem.RawLine));
            console.WriteLine($"kept {health.Count(h => h.Kept)} of {health.Count} problems (removed {failing} with a failing reference, {few} with fewer than {min} tests"
                + (sandbox > 0 ? $", {sandbox} on sandbox errors" : "") + ")" + (path is null ? "" : $" -> {path}"));
            return 0;
        });
        return command;
    }
}
