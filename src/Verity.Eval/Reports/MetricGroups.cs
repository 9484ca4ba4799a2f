namespace Verity.Eval.Reports;

/// <summary>
/// Sections of the report: a metric's group is its prefix before '/' (<c>completions/mean_length</c> → completions);
/// a few TRL top-level names join the group they belong with. Groups a reader looks at first come first.
/// </summary>
internal static class MetricGroups
{
    private static readonly Dictionary<string, string> TopLevel = new(StringComparer.Ordinal)
    {
        ["reward"] = "reward", ["reward_std"] = "reward", ["accuracy"] = "reward", ["frac_reward_zero_std"] = "reward",
        ["kl"] = "kl", ["beta"] = "kl", ["kl_coef"] = "kl",
        ["entropy"] = "entropy",
        ["loss"] = "loss", ["policy_loss"] = "loss", ["value_loss"] = "loss", ["grad_norm"] = "loss", ["learning_rate"] = "loss",
    };

    private static readonly string[] Order = ["reward", "rewards", "eval", "completions", "entropy", "kl", "clip_ratio", "loss", "daro", "time"];

    public static string GroupOf(string metric)
    {
        int slash = metric.IndexOf('/');
        if (slash > 0) return metric[..slash];
        return TopLevel.TryGetValue(metric, out var g) ? g : "other";
    }

    /// <summary>Groups in reading order, each with its metrics sorted by name.</summary>
    public static List<(string Group, List<string> Metrics)> Arrange(IEnumerable<string> metrics)
    {
        return metrics.Distinct(StringComparer.Ordinal)
            .GroupBy(GroupOf, StringComparer.Ordinal)
            .OrderBy(g => Array.IndexOf(Order, g.Key) is var i && i >= 0 ? i : Order.Length + (g.Key == "other" ? 1 : 0))
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Order(StringComparer.Ordinal).ToList()))
            .ToList();
    }
}
