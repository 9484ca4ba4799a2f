using System.Globalization;

namespace Verity.Rl.Tracking;

/// <summary>
/// The handful of numbers a person watches during training, picked out of a metrics row and formatted once
/// for both the plain line and the live table. A metric absent from the row is left out (null).
/// </summary>
public sealed record ProgressRow(long Step, long TotalSteps, string? Reward, string? Accuracy, string? Length,
    string? Kl, string? Entropy, string StepTime, string? Eta)
{
    // First key present wins: TRL names first, then the names of its reward-function metrics, then Verity's
    // (the RL step's fraction of positive rewards).
    private static readonly string[] AccuracyKeys = ["accuracy", "rewards/accuracy/mean", "rewards/accuracy_reward/mean", "rewards/math_accuracy/mean", "acc"];

    public static ProgressRow From(long step, long totalSteps, IReadOnlyDictionary<string, double> metrics, TimeSpan stepTime, TimeSpan? eta) =>
        new(step, totalSteps,
            Reward: Fixed(metrics, ["reward"], "0.000"),
            Accuracy: Fixed(metrics, AccuracyKeys, "0.000"),
            Length: Fixed(metrics, ["completions/mean_length"], "0"),
            Kl: Fixed(metrics, ["kl"], "G4"),
            Entropy: Fixed(metrics, ["entropy"], "0.000"),
            StepTime: Seconds(stepTime),
            Eta: eta is null ? null : Duration(eta.Value));

    /// <summary>llm.c / nanochat style: <c>step 12/200 | reward 0.410 | acc 0.375 | len 312 | kl 0.002134 | ent 0.512 | 3.1s | eta 9m52s</c>.</summary>
    public string ToPlainLine()
    {
        var parts = new List<string>(9) { TotalSteps > 0 ? $"step {Step}/{TotalSteps}" : $"step {Step}" };
        if (Reward is not null) parts.Add($"reward {Reward}");
        if (Accuracy is not null) parts.Add($"acc {Accuracy}");
        if (Length is not null) parts.Add($"len {Length}");
        if (Kl is not null) parts.Add($"kl {Kl}");
        if (Entropy is not null) parts.Add($"ent {Entropy}");
        parts.Add(StepTime);
        if (Eta is not null) parts.Add($"eta {Eta}");
        return string.Join(" | ", parts);
    }

    private static string? Fixed(IReadOnlyDictionary<string, double> metrics, string[] keys, string format)
    {
        foreach (var key in keys)
        {
            if (metrics.TryGetValue(key, out double v))
                return double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : v.ToString(CultureInfo.InvariantCulture);
        }
        return null;
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds < 10
        ? t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + "s"
        : t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";

    internal static string Duration(TimeSpan t)
    {
        long s = (long)Math.Round(t.TotalSeconds);
        if (s < 60) return $"{s}s";
        if (s < 3600) return $"{s / 60}m{s % 60:00}s";
        return $"{s / 3600}h{s / 60 % 60:00}m";
    }
}
