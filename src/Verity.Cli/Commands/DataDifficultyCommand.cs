using System.CommandLine;
using System.Text.Json.Nodes;
using Verity.Data.Records;
using Verity.Eval.Harness;

namespace Verity.Cli.Commands;

/// <summary>
/// <c>verity data difficulty</c>: estimates each problem's pass rate under a model from k verified samples,
/// labels it easy/medium/hard, and keeps only those inside the --min-pass/--max-pass band (offline pass-rate
/// filtering: problems a policy always or never solves give GRPO groups no signal).
/// </summary>
internal static class DataDifficultyCommand
{
    public static Command Create()
    {
        var o = new DataSamplingOptions(defaultK: 8);
        var minPass = new Option<double>("--min-pass") { Description = "Drop problems with a pass rate below this.", DefaultValueFactory = _ => 0.0 };
        var maxPass = new Option<double>("--max-pass") { Description = "Drop problems with a pass rate above this.", DefaultValueFactory = _ => 1.0 };
        var hardBelow = new Option<double>("--hard-below") { Description = "Tier hard: pass rate below this.", DefaultValueFactory = _ => 0.2 };
        var easyAbove = new Option<double>("--easy-above") { Description = "Tier easy: pass rate above this.", DefaultValueFactory = _ => 0.8 };
        var removed = new Option<string?>("--removed") { Description = "Optional JSONL file for the dropped rows, each with removed_reason." };
        var cmd = new Command("difficulty", "Add pass_rate and tier (easy/medium/hard) from k verified samples per problem; keep a pass-rate band.");
        o.AddTo(cmd);
        foreach (var opt in new Option[] { minPass, maxPass, hardBelow, easyAbove, removed }) cmd.Options.Add(opt);
        cmd.SetAction(parse =>
        {
            var tiers = new DifficultyTiers(parse.GetValue(hardBelow), parse.GetValue(easyAbove));
            var band = (parse.GetValue(minPass), parse.GetValue(maxPass));
            if (!(band.Item1 >= 0 && band.Item2 <= 1 && band.Item1 <= band.Item2))
                throw new ArgumentException($"difficulty: need 0 ≤ --min-pass ({band.Item1}) ≤ --max-pass ({band.Item2}) ≤ 1.");
            var (outcomes, rowOf) = o.Sample(parse, "difficulty");
            JsonObject Labeled(ProblemOutcome p)
            {
                var row = (JsonObject)rowOf[p.Problem].DeepClone();
                double rate = GenerationDataSteps.PassRate(p);
                row["pass_rate"] = rate;
                row["pass_k"] = p.Samples.Count;
                row["tier"] = tiers.Of(rate);
                return row;
            }
            var report = GenerationDataSteps.PassRateBand(outcomes, band.Item1, band.Item2);
            JsonlFile.Write(parse.GetValue(o.Output)!, report.Kept.Select(Labeled));
            if (parse.GetValue(removed) is { } path)
                JsonlFile.Write(path, report.Removed.Select(r => { var row = Labeled(r.Item); row["removed_reason"] = r.Reason; return row; }));
            var w = parse.InvocationConfiguration.Output;
            w.WriteLine("tiers: " + string.Join(", ", outcomes.GroupBy(x => tiers.Of(GenerationDataSteps.PassRate(x))).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));
            w.WriteLine(report.Summary($"difficulty {parse.GetValue(o.Input)}"));
            return 0;
        });
        return cmd;
    }
}
