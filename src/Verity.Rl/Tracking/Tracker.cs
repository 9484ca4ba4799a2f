namespace Verity.Rl.Tracking;

/// <summary>
/// The metrics fan-out (verl <c>utils/tracking.py</c>): the trainer calls <see cref="Log"/> once per step
/// and every configured backend receives the same row. Backends are chosen by name from
/// <see cref="Backends"/>; JSONL is the interchange format (no external logger by default).
/// </summary>
public sealed class Tracker : IDisposable
{
    /// <summary>Backend factories keyed by the config name (<c>tracking.backends: [console, jsonl]</c>).</summary>
    public static readonly IReadOnlyDictionary<string, Func<TrackerOptions, IMetricsBackend>> Backends =
        new Dictionary<string, Func<TrackerOptions, IMetricsBackend>>(StringComparer.Ordinal)
        {
            ["console"] = o => new ConsoleProgressBackend(o),
            ["jsonl"] = o => new JsonlMetricsBackend(o.RunDir, o.ResumeStep),
            ["tensorboard"] = o => new TensorBoardBackend(o.RunDir, o.Time),
        };

    private readonly IMetricsBackend[] _backends;
    private readonly CompletionsLog? _completions;
    private long _lastStep = long.MinValue;

    public Tracker(IEnumerable<IMetricsBackend> backends, CompletionsLog? completions = null)
    {
        _backends = backends.ToArray();
        _completions = completions;
    }

    /// <summary>Create the named backends (and the completions log when <see cref="TrackerOptions.CompletionsEvery"/> &gt; 0).</summary>
    public static Tracker Create(IEnumerable<string> backendNames, TrackerOptions options)
    {
        var names = backendNames.ToArray();
        foreach (var name in names)
        {
            if (!Backends.ContainsKey(name))
                throw new ArgumentException($"unknown tracking backend '{name}'. HINT: use one of: {string.Join(", ", Backends.Keys)}");
        }
        Directory.CreateDirectory(options.RunDir);
        var created = new List<IMetricsBackend>();
        try
        {
            foreach (var name in names.Distinct(StringComparer.Ordinal)) created.Add(Backends[name](options));
            var completions = options.CompletionsEvery > 0
                ? new CompletionsLog(options.RunDir, options.CompletionsEvery, options.ResumeStep)
                : null;
            return new Tracker(created, completions);
        }
        catch
        {
            foreach (var b in created) b.Dispose();
            throw;
        }
    }

    /// <summary>Send one step's metrics to every backend.</summary>
    public void Log(long step, IReadOnlyDictionary<string, double> metrics)
    {
        // Backends (and readers of metrics.jsonl) rely on one row per step in increasing order.
        if (step <= _lastStep)
            throw new ArgumentException($"tracker step {step} logged after step {_lastStep}. HINT: log each step once, in increasing order");
        _lastStep = step;
        foreach (var backend in _backends) backend.Log(step, metrics);
    }

    /// <summary>True when the trainer should collect samples for <see cref="LogCompletions"/> at this step.</summary>
    public bool WantsCompletions(long step) => _completions?.IsDue(step) ?? false;

    /// <summary>Append sampled prompts/completions/rewards for this step to completions.jsonl.</summary>
    public void LogCompletions(long step, IEnumerable<CompletionSample> samples) => _completions?.Write(step, samples);

    public void Dispose()
    {
        foreach (var backend in _backends) backend.Dispose();
        _completions?.Dispose();
    }
}
