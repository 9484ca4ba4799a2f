using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Verity.Rewards.Code;

namespace Verity.Cli.Commands;

/// <summary>
/// <c>verity reward code --input in.jsonl --output out.jsonl</c>: every input line
/// {"response": …, "tests": {…}} becomes {"score": …, "pass_rate": …, "verdicts": […], "void": …, "message": …}
/// (score null when the sample is void). The whole file is one batch: deduped, cached, run on the worker pool.
/// </summary>
internal static class RewardCodeCommand
{
    private const string TestsHelp = "tests is one of {\"kind\":\"stdio\",\"cases\":[{\"input\",\"output\"}]}, "
        + "{\"kind\":\"call\",\"fn_name\",\"cases\":[{\"args\":[…],\"output\"}]}, {\"kind\":\"asserts\",\"setup\",\"asserts\":[…]}, "
        + "{\"kind\":\"check\",\"entry_point\",\"code\":\"def check(candidate): …\"}.";

    internal static readonly Option<string> Input = new("--input") { Description = "JSONL file: {\"response\", \"tests\"} per line. " + TestsHelp, Required = true };
    internal static readonly Option<string> Output = new("--output") { Description = "JSONL file to write: {\"score\", \"pass_rate\", \"verdicts\"} per input line.", Required = true };

    public static Command Create()
    {
        var command = new Command("code", "Run the Python program in each response against its tests in the sandbox and score it.");
        command.Options.Add(Input);
        command.Options.Add(Output);
        var options = new SandboxCliOptions(command, includeRewardOptions: true);
        command.SetAction(parse =>
        {
            string input = parse.GetValue(Input)!;
            string output = parse.GetValue(Output)!;
            var requests = ReadRequests(input);
            var rewarder = new CodeRewarder(options.Read(parse));
            var clock = Stopwatch.StartNew();
            var rewards = rewarder.ScoreBatch(requests);
            double seconds = clock.Elapsed.TotalSeconds;
            WriteRewards(output, rewards);

            var scored = rewards.Where(r => !r.IsVoid).ToArray();
            string mean = scored.Length == 0 ? "n/a" : scored.Average(r => r.Score!.Value).ToString("F3", CultureInfo.InvariantCulture);
            parse.InvocationConfiguration.Output.WriteLine(
                $"scored {rewards.Count} responses (mean {mean}, {rewards.Count - scored.Length} void) -> {output}; "
                + $"{rewarder.ProgramsRun} programs, {rewarder.Launches} sandboxed runs in {seconds:F1} s ({rewarder.Launches / Math.Max(seconds, 1e-9):F1} runs/s)");
            return 0;
        });
        return command;
    }

    private static IReadOnlyList<CodeRewardRequest> ReadRequests(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"input file '{path}' not found. HINT: pass --input with a JSONL file of {{\"response\", \"tests\"}} lines.", path);
        var requests = new List<CodeRewardRequest>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string where = $"{path}:{lineNo}";
            JsonElement row;
            try { row = JsonDocument.Parse(line).RootElement; }
            catch (JsonException ex) { throw new InvalidDataException($"{where}: not valid JSON ({ex.Message}). HINT: one JSON object per line."); }
            if (!row.TryGetProperty("response", out var response) || response.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{where}: missing string key 'response'. HINT: each line is {{\"response\": \"...\", \"tests\": {{...}}}}.");
            if (!row.TryGetProperty("tests", out var tests))
                throw new InvalidDataException($"{where}: missing key 'tests'. HINT: {TestsHelp}");
            requests.Add(new CodeRewardRequest(response.GetString()!, CodeTestSuite.Parse(tests, where)));
        }
        return requests;
    }

    private static void WriteRewards(string path, IReadOnlyList<CodeReward> rewards)
    {
        using var stream = File.Create(path);
        foreach (var r in rewards)
        {
            using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                w.WriteStartObject();
                if (r.Score is double s) w.WriteNumber("score", s); else w.WriteNull("score");
                w.WriteNumber("pass_rate", r.PassRate);
                w.WriteStartArray("verdicts");
                foreach (var v in r.Verdicts) w.WriteStringValue(v.ToString());
                w.WriteEndArray();
                w.WriteBoolean("void", r.IsVoid);
                if (r.Message is not null) w.WriteString("message", r.Message);
                w.WriteEndObject();
            }
            stream.WriteByte((byte)'\n');
        }
    }
}
