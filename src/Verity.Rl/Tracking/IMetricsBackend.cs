namespace Verity.Rl.Tracking;

/// <summary>
/// One destination for the per-step metrics row (file, event log, console). Backends are created by
/// name through <see cref="Tracker"/>'s registry and receive every row the trainer logs.
/// Metric names are TRL's (<c>reward</c>, <c>reward_std</c>, <c>completions/mean_length</c>, <c>kl</c>…);
/// a backend never renames them.
/// </summary>
public interface IMetricsBackend : IDisposable
{
    /// <summary>Record the metrics of one finished step. Called once per step, steps increasing.</summary>
    void Log(long step, IReadOnlyDictionary<string, double> metrics);
}
