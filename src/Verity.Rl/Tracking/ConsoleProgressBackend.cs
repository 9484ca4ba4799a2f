using Spectre.Console;

namespace Verity.Rl.Tracking;

/// <summary>
/// Backend <c>console</c>. Off a terminal (redirected, <c>NO_COLOR</c>) it writes one plain line per step, which
/// log files and CI read well; on a terminal it keeps a Spectre.Console live table of step, reward, accuracy,
/// length, KL, entropy, step time and ETA. Clock and console are injected so tests can pin the output.
/// </summary>
public sealed class ConsoleProgressBackend : IMetricsBackend
{
    private readonly TimeProvider _time;
    private readonly long _totalSteps;
    private readonly TextWriter? _plain;
    private readonly LiveTable? _live;
    private readonly long _startTimestamp;
    private long _lastTimestamp;
    private long _firstStep = -1;

    public ConsoleProgressBackend(TrackerOptions options)
    {
        _time = options.Time;
        _totalSteps = options.TotalSteps;
        _startTimestamp = _lastTimestamp = _time.GetTimestamp();
        bool plain = options.Plain ?? ConsoleMode.PreferPlain();
        if (plain) _plain = options.PlainOut ?? Console.Out;
        else _live = new LiveTable(options.LiveConsole ?? AnsiConsole.Console);
    }

    public void Log(long step, IReadOnlyDictionary<string, double> metrics)
    {
        long now = _time.GetTimestamp();
        var stepTime = _time.GetElapsedTime(_lastTimestamp, now);
        _lastTimestamp = now;
        if (_firstStep < 0) _firstStep = step - 1;

        // ETA from the mean time of the steps done in this process (a resumed run's earlier steps are not timed here).
        TimeSpan? eta = null;
        long done = step - _firstStep;
        if (_totalSteps > 0 && done > 0 && step <= _totalSteps)
            eta = _time.GetElapsedTime(_startTimestamp, now) / done * (_totalSteps - step);

        var row = ProgressRow.From(step, _totalSteps, metrics, stepTime, eta);
        if (_plain is not null)
        {
            _plain.WriteLine(row.ToPlainLine());
            _plain.Flush();
        }
        else
        {
            _live!.Show(row);
        }
    }

    public void Dispose() => _live?.Dispose();

    /// <summary>
    /// Spectre's live display runs inside a callback; the trainer pushes rows instead, so the callback runs on
    /// its own thread and redraws whenever a new row arrives.
    /// </summary>
    private sealed class LiveTable : IDisposable
    {
        private readonly object _gate = new();
        private readonly Thread _thread;
        private ProgressRow? _pending;
        private bool _done;
        private Exception? _error;

        public LiveTable(IAnsiConsole console)
        {
            _thread = new Thread(() => Run(console)) { IsBackground = true, Name = "verity-progress" };
            _thread.Start();
        }

        public void Show(ProgressRow row)
        {
            lock (_gate)
            {
                _pending = row;
                Monitor.PulseAll(_gate);
            }
        }

        private void Run(IAnsiConsole console)
        {
            try
            {
                console.Live(Render(null)).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).Start(ctx =>
                {
                    while (true)
                    {
                        ProgressRow? row;
                        bool done;
                        lock (_gate)
                        {
                            while (_pending is null && !_done) Monitor.Wait(_gate);
                            row = _pending;
                            _pending = null;
                            done = _done;
                        }
                        if (row is not null) ctx.UpdateTarget(Render(row));
                        ctx.Refresh();
                        if (done) return;
                    }
                });
            }
            catch (Exception ex)
            {
                _error = ex;
            }
        }

        private static Table Render(ProgressRow? row)
        {
            var table = new Table().Border(TableBorder.Rounded).Title("[bold]verity train[/]");
            foreach (var header in new[] { "step", "reward", "acc", "length", "KL", "entropy", "step time", "ETA" })
                table.AddColumn(new TableColumn(header).RightAligned());
            if (row is null)
            {
                table.AddRow("…", "", "", "", "", "", "", "");
                return table;
            }
            string step = row.TotalSteps > 0 ? $"{row.Step}/{row.TotalSteps}" : row.Step.ToString(System.Globalization.CultureInfo.InvariantCulture);
            table.AddRow(step, row.Reward ?? "-", row.Accuracy ?? "-", row.Length ?? "-", row.Kl ?? "-", row.Entropy ?? "-", row.StepTime, row.Eta ?? "-");
            return table;
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _done = true;
                Monitor.PulseAll(_gate);
            }
            _thread.Join();
            if (_error is not null) throw new InvalidOperationException($"progress display failed: {_error.Message}. HINT: use tracking backend 'jsonl' only, or set NO_COLOR=1 for plain lines", _error);
        }
    }
}
