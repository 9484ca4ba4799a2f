using System.Text.RegularExpressions;

namespace Verity.Eval.Metrics;

/// <summary>
/// The reflection-pattern statistics of seed 003 (SRPO): which responses show recheck, hesitation or
/// exploration, and their mean length. The phrase lists are heuristics, kept here in one place so a
/// report states exactly what was counted.
/// </summary>
public static partial class ReflectionStats
{
    public static readonly IReadOnlyDictionary<string, Regex> Patterns = new Dictionary<string, Regex>
    {
        ["recheck"] = RecheckRegex(),
        ["hesitation"] = HesitationRegex(),
        ["exploration"] = ExplorationRegex(),
    };

    /// <summary>Pattern names found in one response.</summary>
    public static IEnumerable<string> Find(string response) => Patterns.Where(p => p.Value.IsMatch(response)).Select(p => p.Key);

    /// <summary>Per pattern: the fraction of responses that show it and their mean length in characters.</summary>
    public static IReadOnlyDictionary<string, (double Fraction, double MeanLength)> Summarize(IReadOnlyList<string> responses)
    {
        var result = new Dictionary<string, (double, double)>();
        foreach (var (name, regex) in Patterns)
        {
            var hits = responses.Where(r => regex.IsMatch(r)).ToList();
            result[name] = responses.Count == 0 ? (0, 0) : (hits.Count / (double)responses.Count, hits.Count == 0 ? 0 : hits.Average(h => h.Length));
        }
        return result;
    }

    [GeneratedRegex(@"\b(let me (re)?check|let's (re)?check|double[- ]check|verify|verifying|re-?examine|check again|let me confirm)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RecheckRegex();

    [GeneratedRegex(@"\b(wait|hmm+|hold on|on second thought|actually,? (no|that's not)|i made a mistake|that doesn't seem right)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HesitationRegex();

    [GeneratedRegex(@"\b(alternatively|another (approach|way|method)|let's try|let me try|instead,? (let's|we can)|a different approach)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ExplorationRegex();
}
