using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Verity.Rewards.Math;

namespace Verity.Cli.Commands;

/// <summary>
/// <c>verity reward …</c>: score responses offline with a reward function. One subcommand per reward family
/// (<c>math</c>, <c>math-bench</c>, and <c>code</c> from RewardCodeCommand).
/// </summary>
internal static class RewardCommand
{
    public static Command Create()
    {
        var command = new Command("reward", "Score responses with a reward function (JSONL in, JSONL out).");
        command.Subcommands.Add(CreateMath());
        command.Subcommands.Add(CreateMathBench());
        command.Subcommands.Add(RewardCodeCommand.Create());
        return command;
    }

    private static readonly Option<FileInfo> Input = new("--input")
    {
        Description = "JSONL file, one {\"response\": …, \"answer\": …} object per line.",
        Required = true,
    };

    private static Command CreateMath()
    {
        var output = new Option<FileInfo?>("--output") { Description = "Where to write one {\"score\", \"extracted\", \"verdict\"} line per input line (default: standard output)." };
        var percent = new Option<PercentMode>("--percent") { Description = "How x% compares with x: Either (default), Ignore, Fraction.", DefaultValueFactory = _ => PercentMode.Either };
        var places = new Option<int?>("--decimal-places") { Description = "Round decimals to this many places before comparing (default: relative tolerance 1e-6)." };
        var ordered = new Option<bool>("--ordered-lists") { Description = "Compare bare lists in order (default: as sets)." };
        var choice = new Option<bool>("--multiple-choice") { Description = "Compare option letters (A-E) instead of math answers." };
        var command = new Command("math", "Verify math answers: extract the final answer of each response and compare it with the reference.");
        foreach (var o in new Option[] { Input, output, percent, places, ordered, choice }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var options = new MathVerifyOptions
            {
                Percent = parse.GetValue(percent),
                DecimalPlaces = parse.GetValue(places),
                OrderedLists = parse.GetValue(ordered),
                MultipleChoice = parse.GetValue(choice),
            };
            var inFile = parse.GetValue(Input)!;
            var outFile = parse.GetValue(output);
            var counts = new Dictionary<string, int>();
            int n = 0;
            using (var writer = outFile == null ? null : new StreamWriter(outFile.FullName))
            {
                var sink = writer ?? parse.InvocationConfiguration.Output;
                foreach (var (response, answer) in ReadPairs(inFile))
                {
                    var r = MathVerifier.Verify(response, answer, options);
                    var line = new JsonObject { ["score"] = r.Score, ["extracted"] = r.Extracted, ["verdict"] = r.VerdictName };
                    if (r.Detail != null) line["detail"] = r.Detail;
                    sink.WriteLine(line.ToJsonString());
                    counts[r.VerdictName] = counts.GetValueOrDefault(r.VerdictName) + 1;
                    n++;
                }
            }
            if (outFile != null)
            {
                string summary = string.Join(", ", counts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}"));
                parse.InvocationConfiguration.Output.WriteLine($"{n} lines → {outFile.Name}: {summary}");
            }
            return 0;
        });
        return command;
    }

    private static Command CreateMathBench()
    {
        var seconds = new Option<double>("--seconds") { Description = "Minimum measuring time.", DefaultValueFactory = _ => 3 };
        var command = new Command("math-bench", "Measure math verifications per second on one thread. Input: a JSONL with \"response\" (or \"solution\") and \"answer\", e.g. shared/data/benchmarks/math500.jsonl.");
        command.Options.Add(Input);
        command.Options.Add(seconds);
        command.SetAction(parse =>
        {
            var pairs = ReadPairs(parse.GetValue(Input)!, allowSolution: true).ToList();
            var (perSecond, count, correct) = MathVerifier.MeasureThroughput(pairs, parse.GetValue(seconds));
            parse.InvocationConfiguration.Output.WriteLine(
                $"math verifier: {perSecond:F0} verifications/s on one thread ({count} verifications of {pairs.Count} pairs; {correct} correct)");
            return 0;
        });
        return command;
    }

    /// <summary>Reads (response, answer) pairs; a malformed line is an error naming file:line and the fix.</summary>
    private static IEnumerable<(string Response, string Answer)> ReadPairs(FileInfo file, bool allowSolution = false)
    {
        if (!file.Exists) throw new FileNotFoundException($"{file.FullName}: no such file. HINT: pass an existing JSONL file to --input.");
        int lineNo = 0;
        foreach (var line in File.ReadLines(file.FullName))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonNode? node;
            try { node = JsonNode.Parse(line); }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{file.Name}:{lineNo}: not valid JSON ({ex.Message.Split('.')[0]}). HINT: each line must be one JSON object like {{\"response\": \"...\", \"answer\": \"...\"}}.");
            }
            if (node is not JsonObject obj)
                throw new InvalidDataException($"{file.Name}:{lineNo}: expected a JSON object. HINT: each line must be {{\"response\": \"...\", \"answer\": \"...\"}}.");
            string? response = Text(obj, "response", file, lineNo) ?? (allowSolution ? Text(obj, "solution", file, lineNo) : null);
            string? answer = Text(obj, "answer", file, lineNo);
            if (response == null || answer == null)
                throw new InvalidDataException($"{file.Name}:{lineNo}: missing key \"{(response == null ? "response" : "answer")}\". HINT: each line needs string fields \"response\" and \"answer\".");
            yield return (response, answer);
        }
    }

    private static string? Text(JsonObject obj, string key, FileInfo file, int lineNo)
    {
        if (!obj.TryGetPropertyValue(key, out var v) || v == null) return null;
        if (v is JsonValue val && val.TryGetValue<string>(out var s)) return s;
        if (v is JsonValue num && (num.TryGetValue<double>(out _) || num.TryGetValue<long>(out _))) return num.ToJsonString();
        throw new InvalidDataException($"{file.Name}:{lineNo}: key \"{key}\" must be a string. HINT: quote the value.");
    }
}
