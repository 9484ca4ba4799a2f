namespace Verity.Rl.Checkpoints;

/// <summary>Whether a larger or a smaller metric value is better for keep-best.</summary>
public enum MetricMode
{
    Max,
    Min,
}

/// <summary>Which checkpoints survive pruning: the newest <see cref="KeepLast"/> plus the best <see cref="KeepBest"/> by a metric.</summary>
public sealed record CheckpointPolicy
{
    /// <summary>Newest checkpoints to keep (by step). At least 1: resume needs the newest.</summary>
    public int KeepLast { get; init; } = 2;

    /// <summary>Best checkpoints (by <see cref="BestMetric"/>) to keep in addition; 0 = off.</summary>
    public int KeepBest { get; init; }

    /// <summary>Metric that ranks checkpoints, e.g. <c>eval/accuracy</c> or <c>reward</c>.</summary>
    public string? BestMetric { get; init; }

    public MetricMode Mode { get; init; } = MetricMode.Max;

    public void Validate()
    {
        if (KeepLast < 1)
            throw new ArgumentException($"checkpoint keep_last must be >= 1 (got {KeepLast}). HINT: resume needs the newest checkpoint; use keep_last: 1 to keep only that one");
        if (KeepBest < 0)
            throw new ArgumentException($"checkpoint keep_best must be >= 0 (got {KeepBest}). HINT: use 0 to turn keep-best off");
        if (KeepBest > 0 && string.IsNullOrWhiteSpace(BestMetric))
            throw new ArgumentException("checkpoint keep_best > 0 needs best_metric. HINT: set best_metric to a logged metric name such as 'reward', or keep_best: 0");
    }

    internal bool IsBetter(double candidate, double incumbent) => Mode == MetricMode.Max ? candidate > incumbent : candidate < incumbent;
}
