using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Verity.Data.Records;
using Verity.Data.Templates;
using Verity.Engine.Generation;
using Verity.Eval.Harness;

namespace Verity.Cli.Commands;

/// <summary>The options and loading shared by the data steps that sample from a model (difficulty, reject-sample).</summary>
internal sealed class DataSamplingOptions
{
    public readonly Option<string> Model = new("--model") { Description = "Model folder (config.json, safetensors, tokenizer.json).", Required = true };
    public readonly Option<string> Input = new("--input") { Description = "JSONL file of problems (fields id, problem, answer).", Required = true };
    public readonly Option<string> Output = new("--output") { Description = "Where the kept rows go (JSONL, written atomically).", Required = true };
    public readonly Option<string[]> Field = new("--field") { Description = "Map a field: ours=theirs, e.g. problem=question. Repeatable.", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [] };
    public readonly Option<int> K;
    public readonly Option<float> Temperature = new("--temperature") { Description = "Sampling temperature.", DefaultValueFactory = _ => 1.0f };
    public readonly Option<float> TopP = new("--top-p") { Description = "Nucleus mass in (0, 1].", DefaultValueFactory = _ => 1f };
    public readonly Option<int> MaxNew = new("--max-new-tokens") { Description = "New tokens per sample at most.", DefaultValueFactory = _ => 1024 };
    public readonly Option<string> Template = new("--template") { Description = $"Prompt template ({string.Join(", ", PromptFormatter.Names)}).", DefaultValueFactory = _ => "boxed" };
    public readonly Option<ulong> Seed = new("--seed") { Description = "Sampling seed.", DefaultValueFactory = _ => 1UL };

    public DataSamplingOptions(int defaultK) =>
        K = new Option<int>("--k") { Description = "Samples per problem.", DefaultValueFactory = _ => defaultK };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Model, Input, Output, Field, K, Temperature, TopP, MaxNew, Template, Seed }) command.Options.Add(o);
    }

    /// <summary>Reads the problems, samples k responses each and verifies them; prints a progress line per 16 problems.</summary>
    public (IReadOnlyList<ProblemOutcome> Outcomes, Dictionary<MathProblem, JsonObject> RowOf) Sample(ParseResult parse, string step)
    {
        var w = parse.InvocationConfiguration.Output;
        int k = parse.GetValue(K);
        if (k < 1) throw new ArgumentException($"--k must be ≥ 1, got {k}.");
        string input = parse.GetValue(Input)!;
        var rows = MathProblemFile.Read(input, MathProblemFile.ParseFieldMap(parse.GetValue(Field)!)).ToList();
        // Problems are records (value equality): key by reference so identical rows stay distinct.
        var rowOf = new Dictionary<MathProblem, JsonObject>(ReferenceEqualityComparer.Instance);
        foreach (var r in rows) rowOf[r.Problem] = r.Row;
        var sampling = new SamplingParams { N = k, Temperature = parse.GetValue(Temperature), TopP = parse.GetValue(TopP), MaxNewTokens = parse.GetValue(MaxNew), Seed = parse.GetValue(Seed) };
        sampling.Validate();
        var model = SamplingModel.Load(parse.GetValue(Model)!);
        w.WriteLine($"{step} {input}: {rows.Count} problems × {k} samples");
        var outcomes = model.Sampler(parse.GetValue(Template)!, sampling)
            .Run(rows.Select(r => r.Problem).ToList(), (done, total) => w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {done}/{total} problems")));
        return (outcomes, rowOf);
    }
}
