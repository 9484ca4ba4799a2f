namespace Verity.Engine.Optim;

/// <summary>Learning-rate schedule settings (names follow transformers' get_scheduler).</summary>
public sealed record LrScheduleOptions
{
    public required double PeakLearningRate { get; init; }

    /// <summary>Optimizer steps in the run; decay ends here.</summary>
    public required long TotalSteps { get; init; }

    /// <summary>Linear warm-up from 0 to the peak over this many steps.</summary>
    public long WarmupSteps { get; init; }

    /// <summary>The floor, as a fraction of the peak, that linear and cosine decay towards.</summary>
    public double MinLrRatio { get; init; }

    /// <summary>Cosine waves over the decay (0.5 = one half-wave from peak to floor).</summary>
    public double NumCycles { get; init; } = 0.5;
}

/// <summary>
/// Learning-rate schedules keyed by config name. Like transformers' LambdaLR schedules, the rate for the
/// optimizer step that follows <c>step</c> completed steps is peak·λ(step), so warm-up starts at 0.
/// </summary>
public static class LrSchedules
{
    private static readonly Dictionary<string, Func<LrScheduleOptions, long, double>> Factors = new(StringComparer.Ordinal)
    {
        ["constant"] = (o, step) => Warmup(o, step) ?? 1.0,
        ["linear"] = (o, step) => Warmup(o, step)
            ?? Floor(o, Math.Max(0.0, (double)(o.TotalSteps - step) / Math.Max(1, o.TotalSteps - o.WarmupSteps))),
        ["cosine"] = (o, step) =>
        {
            if (Warmup(o, step) is { } w) return w;
            double progress = (double)(step - o.WarmupSteps) / Math.Max(1, o.TotalSteps - o.WarmupSteps);
            double wave = 0.5 * (1.0 + Math.Cos(Math.PI * o.NumCycles * 2.0 * progress));
            return Math.Max(0.0, Floor(o, wave));
        },
    };

    public static IReadOnlyCollection<string> Names => Factors.Keys;

    /// <summary>The schedule named <paramref name="name"/>: completed steps → learning rate.</summary>
    public static Func<long, double> Create(string name, LrScheduleOptions options)
    {
        if (!Factors.TryGetValue(name, out var factor))
            throw new ArgumentException($"lr schedule '{name}' is unknown (known: {string.Join(", ", Factors.Keys)}). HINT: pick one of the known names.");
        if (options.TotalSteps <= 0 || options.WarmupSteps < 0 || options.WarmupSteps > options.TotalSteps)
            throw new ArgumentException($"lr schedule '{name}': need 0 ≤ warmup ({options.WarmupSteps}) ≤ total steps ({options.TotalSteps}) and total > 0.");
        if (options.MinLrRatio is < 0 or > 1)
            throw new ArgumentException($"lr schedule '{name}': min_lr_ratio must be in [0, 1], got {options.MinLrRatio}.");
        return step => options.PeakLearningRate * factor(options, step);
    }

    private static double? Warmup(LrScheduleOptions o, long step) =>
        step < o.WarmupSteps ? (double)step / Math.Max(1, o.WarmupSteps) : null;

    private static double Floor(LrScheduleOptions o, double factor) => o.MinLrRatio + (1 - o.MinLrRatio) * factor;
}
