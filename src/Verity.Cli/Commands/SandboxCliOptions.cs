using System.CommandLine;
using Verity.Rewards.Code;

namespace Verity.Cli.Commands;

/// <summary>The sandbox and reward options shared by <c>reward code</c> and <c>data code-check</c>.</summary>
internal sealed class SandboxCliOptions
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

    public SandboxCliOptions(Command command, bool includeRewardOptions)
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
