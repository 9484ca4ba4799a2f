using System.Globalization;

namespace Verity.Rewards;

/// <summary>One weighted component of a mix.</summary>
public sealed record RewardComponent(string Name, double Weight, RewardFunction Function);

/// <summary>The value of a mix and of each component (null = void), for <c>rewards/&lt;name&gt;/mean</c> metrics.</summary>
public sealed record RewardBreakdown(double? Total, IReadOnlyList<(string Name, double? Value)> Parts);

/// <summary>
/// A weighted mix of rewards, e.g. 0.8·math_accuracy + 0.2·think_format. Void components are left out and their
/// weight is shared by the others (the total is the weighted mean of the non-void parts times the sum of all
/// weights), so a reward that does not apply neither drags the total to 0 nor changes its scale. All void → void.
/// </summary>
public sealed class RewardMix(IReadOnlyList<RewardComponent> components)
{
    public IReadOnlyList<RewardComponent> Components { get; } = components.Count > 0 ? components
        : throw new ArgumentException("a reward mix needs at least one component. HINT: e.g. \"math_accuracy:0.8,think_format:0.2\".");

    /// <summary>Parses "name:weight,name:weight" (a missing weight is 1) against the registry.</summary>
    public static RewardMix Parse(string spec, RewardSettings? settings = null)
    {
        var parts = new List<RewardComponent>();
        foreach (var item in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = item.Split(':', 2, StringSplitOptions.TrimEntries);
            double w = 1;
            if (kv.Length == 2 && !double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out w))
                throw new FormatException($"reward weight '{kv[1]}' of '{kv[0]}' is not a number. HINT: write name:weight, e.g. math_accuracy:0.8.");
            parts.Add(new RewardComponent(kv[0], w, RewardRegistry.Create(kv[0], settings)));
        }
        return new RewardMix(parts);
    }

    public RewardBreakdown Evaluate(RewardInput input)
    {
        var values = new (string, double?)[Components.Count];
        double sum = 0, liveWeight = 0, allWeight = 0;
        for (int i = 0; i < Components.Count; i++)
        {
            var c = Components[i];
            double? v = c.Function(input);
            values[i] = (c.Name, v);
            allWeight += c.Weight;
            if (v is double x) { sum += c.Weight * x; liveWeight += c.Weight; }
        }
        double? total = liveWeight == 0 ? null : sum / liveWeight * allWeight;
        return new RewardBreakdown(total, values);
    }

    /// <summary>The mix as one reward function.</summary>
    public RewardFunction AsFunction() => input => Evaluate(input).Total;
}
