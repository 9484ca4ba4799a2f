using System.CommandLine;
using System.Text.Json.Nodes;
using Verity.Data.Records;
using Verity.Eval.Harness;

namespace Verity.Cli.Commands;

/// <summary>
/// <c>verity data reject-sample</c>: samples k responses per problem and keeps only the verified-correct,
/// non-truncated, distinct ones as SFT pairs {id, prompt, response, answer} (prompt = the raw question; the
/// SFT trainer applies its template, so use the same --template there).
/// </summary>
internal static class DataRejectCommand
{
    public static Command Create()
    {
        var o = new DataSamplingOptions(defaultK: 4);
        var maxPer = new Option<int>("--max-per-problem") { Description = "Distinct correct responses kept per problem at most.", DefaultValueFactory = _ => 1 };
        var cmd = new Command("reject-sample", "Keep only verified-correct sampled responses as SFT pairs (rejection sampling).");
        o.AddTo(cmd);
        cmd.Options.Add(maxPer);
        cmd.SetAction(parse =>
        {
            var (outcomes, _) = o.Sample(parse, "reject-sample");
            var report = GenerationDataSteps.RejectSample(outcomes, parse.GetValue(maxPer));
            string template = parse.GetValue(o.Template)!;
            JsonlFile.Write(parse.GetValue(o.Output)!, report.Kept.Select(p => new JsonObject
            {
                ["id"] = p.Source.Problem.Id, ["prompt"] = p.Source.Problem.Problem, ["response"] = p.Response,
                ["answer"] = p.Source.Problem.Answer, ["template"] = template, ["sample"] = p.SampleIndex,
            }));
            int solved = report.Kept.Select(p => p.Source).Distinct().Count();
            var w = parse.InvocationConfiguration.Output;
            w.WriteLine($"reject-sample: {solved} of {outcomes.Count} problems have a kept response; {outcomes.Count - solved} problems yield no pair (no verified-correct, complete sample among k).");
            w.WriteLine(report.Summary($"reject-sample samples"));
            return 0;
        });
        return cmd;
    }
}
