using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Verity.Rewards.Code;

/// <summary>
/// Scores a whole batch of responses against their tests in the sandbox. Throughput measures
/// (docs/reference code-sandbox.md §5): a bounded pool of worker slots (each with its own uids) fed by the whole
/// batch, longest suites first; identical (program, tests, limits) in a batch run once; results are cached by
/// sha256(program ‖ tests ‖ limits ‖ mode ‖ runner version); binary mode stops at the first failure; one candidate
/// process serves all call-style tests of a program. A SANDBOX_ERROR is retried once, then the sample is void.
/// </summary>
public sealed class CodeRewarder
{
    private const string RunnerVersion = "verity-code-1";
    private const int MaxCacheEntries = 200_000;

    private readonly CodeRewardOptions _options;
    private readonly CodeJudge _judge;
    private readonly ConcurrentDictionary<string, CodeRunResult> _cache = new();
    private readonly SemaphoreSlim _slotGate;

    /// <summary>Creates the rewarder; proves sandbox isolation first (throws <see cref="NotSupportedException"/>
    /// when it does not hold) unless a proven <paramref name="sandbox"/> is passed.</summary>
    public CodeRewarder(CodeRewardOptions? options = null, Sandbox? sandbox = null)
    {
        _options = options ?? new CodeRewardOptions();
        _options.Validate();
        Sandbox = sandbox ?? Sandbox.Create();
        _judge = new CodeJudge(Sandbox, _options.Limits,
            new StdioComparer(_options.FloatTolerance, _options.IgnoreCase), new ValueComparer(_options.FloatTolerance));
        _slotGate = new SemaphoreSlim(_options.Workers, _options.Workers); // batches scored concurrently share the slots
    }

    public Sandbox Sandbox { get; }

    public CodeRewardOptions Options => _options;

    /// <summary>Sandboxed processes launched so far.</summary>
    public int Launches => _judge.Launches;

    /// <summary>Programs actually executed (after dedupe and cache).</summary>
    public int ProgramsRun => Volatile.Read(ref _programsRun);

    private int _programsRun;

    public CodeReward Score(string response, CodeTestSuite tests) => ScoreBatch([new CodeRewardRequest(response, tests)])[0];

    public IReadOnlyList<CodeReward> ScoreBatch(IReadOnlyList<CodeRewardRequest> batch) => ScoreBatchAsync(batch).GetAwaiter().GetResult();

    public async Task<IReadOnlyList<CodeReward>> ScoreBatchAsync(IReadOnlyList<CodeRewardRequest> batch, CancellationToken cancel = default)
    {
        var keys = new string?[batch.Count];
        var jobs = new Dictionary<string, (string Code, CodeTestSuite Suite)>();
        for (int i = 0; i < batch.Count; i++)
        {
            var code = CodeExtractor.Extract(batch[i].Response, _options.Pick, _options.AnyLanguage);
            if (code is null) continue;
            var suite = batch[i].Tests.Take(_options.MaxTests);
            string key = CacheKey(code, suite);
            keys[i] = key;
            if (!_cache.ContainsKey(key)) jobs.TryAdd(key, (code, suite));
        }

        bool stop = _options.Mode == CodeRewardMode.Binary && _options.EarlyStop;
        var ordered = jobs.OrderByDescending(j => j.Value.Suite.Count).ToArray();
        await Parallel.ForEachAsync(ordered, new ParallelOptions { MaxDegreeOfParallelism = _options.Workers, CancellationToken = cancel },
            async (job, ct) =>
            {
                await _slotGate.WaitAsync(ct);
                var slot = Sandbox.Slots.Rent();
                try
                {
                    Interlocked.Increment(ref _programsRun);
                    var result = await _judge.RunAsync(job.Value.Code, job.Value.Suite, slot, stop);
                    if (result.IsVoid) result = await _judge.RunAsync(job.Value.Code, job.Value.Suite, slot, stop);
                    if (result.IsVoid) { _cache[job.Key] = result; return; } // kept for this batch only, removed below
                    if (_cache.Count >= MaxCacheEntries) _cache.Clear();
                    _cache[job.Key] = result;
                }
                finally
                {
                    Sandbox.Slots.Return(slot);
                    _slotGate.Release();
                }
            });

        var rewards = new CodeReward[batch.Count];
        for (int i = 0; i < batch.Count; i++)
        {
            rewards[i] = keys[i] is { } key && _cache.TryGetValue(key, out var result)
                ? ToReward(result)
                : new CodeReward(Map(0), 0, [CodeVerdict.FORMAT], "no fenced ```python code block in the response");
        }
        foreach (var key in jobs.Keys)
            if (_cache.TryGetValue(key, out var r) && r.IsVoid) _cache.TryRemove(key, out _);
        return rewards;
    }

    private CodeReward ToReward(CodeRunResult result)
    {
        double passRate = (double)result.Passed / result.TotalTests;
        if (result.IsVoid) return new CodeReward(null, passRate, result.Verdicts, result.Message);
        double raw = _options.Mode == CodeRewardMode.Binary ? (result.Passed == result.TotalTests ? 1 : 0) : passRate;
        return new CodeReward(Map(raw), passRate, result.Verdicts, result.Message);
    }

    private double Map(double raw) => _options.PlusMinusOne ? 2 * raw - 1 : raw;

    private string CacheKey(string code, CodeTestSuite suite)
    {
        var l = _options.Limits;
        string text = string.Join("\u0000", RunnerVersion, code, suite.Fingerprint(), l.ToString(),
            _options.Mode, _options.EarlyStop, _options.FloatTolerance, _options.IgnoreCase);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
