using System.Text.RegularExpressions;
using Verity.Data.Records;

namespace Verity.Data.Cleaning;

/// <summary>
/// Cleaning rules of seeds 003/004, registered by name. Each returns the reason a problem is dropped,
/// or null to keep it. Rules are conservative on purpose: a dropped problem is reported, never silent.
/// </summary>
public static partial class ProblemFilters
{
    public delegate string? Rule(MathProblem problem);

    public static readonly IReadOnlyDictionary<string, Rule> Registry = new Dictionary<string, Rule>
    {
        ["empty"] = p => string.IsNullOrWhiteSpace(p.Problem) ? "empty problem"
            : string.IsNullOrWhiteSpace(p.Answer) ? "empty answer" : null,
        ["proof"] = p => ProofRegex().IsMatch(p.Problem) ? "asks for a proof (no verifiable final answer)" : null,
        ["figure"] = p => FigureRegex().IsMatch(p.Problem) ? "needs a figure, image or table" : null,
        ["multi_question"] = p => MultiPartRegex().IsMatch(p.Problem) ? "several questions in one problem" : null,
        ["url"] = p => UrlRegex().IsMatch(p.Problem) ? "contains a URL" : null,
    };

    /// <summary>Rules applied by <c>verity data clean</c> when none are named.</summary>
    public static readonly IReadOnlyList<string> Default = ["empty", "proof", "figure", "multi_question", "url"];

    public static Rule Get(string name) => Registry.TryGetValue(name, out var r)
        ? r
        : throw new ArgumentException($"unknown cleaning rule \"{name}\"; known: {string.Join(", ", Registry.Keys)}.");

    /// <summary>Applies the rules in order; returns the first reason to drop, or null.</summary>
    public static string? FirstViolation(MathProblem problem, IEnumerable<Rule> rules)
    {
        foreach (var rule in rules)
            if (rule(problem) is { } reason) return reason;
        return null;
    }

    [GeneratedRegex(@"\b(prove|show that|demonstrate that|justify your answer)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ProofRegex();

    // [asy] blocks draw the figure inline and are fine; references to a picture the model cannot see are not.
    [GeneratedRegex(@"\b(see (the )?(figure|diagram|image|picture|table)|shown (in|below|above)|the (figure|diagram|image|picture|graph) (below|above|shows)|\[img\]|<img)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FigureRegex();

    // "(a) ... (b) ..." or "1. ... 2. ..." enumerations of sub-questions
    [GeneratedRegex(@"(\(a\)[\s\S]*\(b\))|(\(i\)[\s\S]*\(ii\))|(^|\n)\s*1[.)]\s[\s\S]*\n\s*2[.)]\s", RegexOptions.CultureInvariant)]
    private static partial Regex MultiPartRegex();

    [GeneratedRegex(@"https?://|www\.", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlRegex();
}
