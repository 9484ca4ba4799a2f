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
        var options = new SandboxOptions(command, includeRewardOptions: true);
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

/// <summary>The sandbox and reward options shared by <c>reward code</c> and <c>data code-check</c>.</summary>
internal sealed class SandboxOptions
{
    private readonly Option<double> _timeout = new("--timeout") { Description = "Wall seconds per test (per call for function tests).", DefaultValueFactory = _ => 6 };
    private readonly Option<int> _memory = new("--memory-mb") { Description = "RLIMIT_AS of each sandboxed process, MiB.", DefaultValueFactory = _ => 1024 };
    private readonly Option<int> _workers = new("--workers") { Description = "Concurrent sandboxed programs.", DefaultValueFactory = _ => 2 * Environment.ProcessorCount };
    private readonly Option<string> _mode = new("--mode") { Description = "binary (all tests pass, stops at the first failure) or pass-rate.", DefaultValueFactory = _ => "binary" };
    private readonly Option<bool> _plusMinus = new("--plus-minus-one") { Description = "Map the reward r to 2r-1 (FORMAT scores -1)." };
    private readonly Option<int> _maxTests = new("--max-tests") { Description = "Score at most this many tests per sample (longest inputs); 0 = all.", DefaultValueFactory = _ => 0 };
    private readonly Option<string> _pick = new("--pick") { Description = "Which fenced code block: last or first.", DefaultValueFactory = _ => "last" };
    private readonly Option<bool> _anyLanguage = new("--any-language") { Description = "Accept fenced blocks with any language tag (default: python/py/python3 only)." };
    private readonly Option<double?> _tolerance = new("--float-tolerance") { Description = "Relative float tolerance for outputs (default: exact decimals)." };
    private readonly Option<bool> _ignoreCase = new("--ignore-case") { Description = "Compare stdout tokens case-insensitively (YES/yes)." };
    private readonly bool _rewardOptions;

    public SandboxOptions(Command command, bool includeRewardOptions)
    {
        _rewardOptions = includeRewardOptions;
        command.Options.Add(_timeout);
        command.Options.Add(_memory);
        command.Options.Add(_workers);
        command.Options.Add(_tolerance);
        command.Options.Add(_ignoreCase);
        if (!includeRewardOptions) return;
        foreach (var o in new Option[] { _mode, _plusMinus, _maxTests, _pick, _anyLanguage }) command.Options.Add(o);
    }

    public CodeRewardOptions Read(ParseResult parse)
    {
        double timeout = parse.GetValue(_timeout);
        if (!(timeout > 0)) throw new ArgumentException($"--timeout must be positive seconds, got {timeout}. HINT: e.g. --timeout 6.");
        var limits = new CodeLimits
        {
            TestTimeout = TimeSpan.FromSeconds(timeout),
            SolutionBudget = TimeSpan.FromSeconds(Math.Max(160, timeout)),
            MemoryBytes = (long)parse.GetValue(_memory) << 20,
        };
        var options = new CodeRewardOptions
        {
            Limits = limits,
            Workers = parse.GetValue(_workers),
            FloatTolerance = parse.GetValue(_tolerance),
            IgnoreCase = parse.GetValue(_ignoreCase),
        };
        if (!_rewardOptions) return options with { Mode = CodeRewardMode.PassRate, EarlyStop = false };
        return options with
        {
            Mode = parse.GetValue(_mode) switch
            {
                "binary" => CodeRewardMode.Binary,
                "pass-rate" => CodeRewardMode.PassRate,
                var m => throw new ArgumentException($"--mode '{m}' is unknown. HINT: use binary or pass-rate."),
            },
            PlusMinusOne = parse.GetValue(_plusMinus),
            MaxTests = parse.GetValue(_maxTests),
            Pick = parse.GetValue(_pick) switch
            {
                "last" => CodeBlockPick.Last,
                "first" => CodeBlockPick.First,
                var p => throw new ArgumentException($"--pick '{p}' is unknown. HINT: use last or first."),
            },
            AnyLanguage = parse.GetValue(_anyLanguage),
        };
    }
}
