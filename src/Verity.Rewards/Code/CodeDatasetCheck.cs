using System.Text.Json;
using System.Text.RegularExpressions;

namespace Verity.Rewards.Code;

/// <summary>A problem of a code dataset: its reference solution and its tests (the raw line is kept to write the
/// kept problems back unchanged).</summary>
public sealed record CodeDatasetProblem(string Id, string Reference, CodeTestSuite Tests, string RawLine);

/// <summary>Why a problem was dropped, or null when it was kept.</summary>
public sealed record CodeProblemHealth(CodeDatasetProblem Problem, int TestCount, string? DropReason)
{
    public bool Kept => DropReason is null;
}

/// <summary>
/// Dataset health for code RL (docs/reference code-sandbox.md §5 "precompute dataset health once"): a problem is
/// kept only when it has at least <c>minTests</c> tests and its reference solution passes every one of them in the
/// sandbox (noisy tests give false negatives forever after). A check() program counts its assert statements.
/// </summary>
public static partial class CodeDatasetCheck
{
    [GeneratedRegex(@"^\s*assert\b", RegexOptions.Multiline)]
    private static partial Regex AssertLine();

    /// <summary>Tests a problem has for the min-tests rule (check programs: their assert statements).</summary>
    public static int TestCount(CodeTestSuite tests) => tests is CheckSuite c ? AssertLine().Matches(c.Code).Count : tests.Count;

    /// <summary>Reads problems.jsonl lines: id, canonical_solution (or solution), tests.</summary>
    public static IReadOnlyList<CodeDatasetProblem> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"code problems file '{path}' not found. HINT: pass --input with a JSONL file of {{id, canonical_solution, tests}} lines.", path);
        var problems = new List<CodeDatasetProblem>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string where = $"{path}:{lineNo}";
            JsonElement p;
            try { p = JsonDocument.Parse(line).RootElement; }
            catch (JsonException ex) { throw new InvalidDataException($"{where}: not valid JSON ({ex.Message}). HINT: one JSON object per line."); }
            string id = p.TryGetProperty("id", out var idEl) ? idEl.ToString() : $"line {lineNo}";
            string? reference = p.TryGetProperty("canonical_solution", out var cs) ? cs.GetString()
                : p.TryGetProperty("solution", out var so) ? so.GetString() : null;
            if (reference is null) throw new InvalidDataException($"{where}: problem '{id}' has no 'canonical_solution'. HINT: every problem needs a reference program to check its tests.");
            if (!p.TryGetProperty("tests", out var tests)) throw new InvalidDataException($"{where}: problem '{id}' has no 'tests'. HINT: add a tests object of kind stdio, call, asserts or check.");
            problems.Add(new CodeDatasetProblem(id, reference, CodeTestSuite.Parse(tests, where), line));
        }
        return problems;
    }

    /// <summary>Runs every reference solution (all tests, no early stop) and applies the rules.</summary>
    public static IReadOnlyList<CodeProblemHealth> Check(IReadOnlyList<CodeDatasetProblem> problems, int minTests, CodeRewarder rewarder)
    {
        var rewards = rewarder.ScoreBatch(problems.Select(p => new CodeRewardRequest("```python\n" + p.Reference + "\n```", p.Tests)).ToArray());
        var health = new List<CodeProblemHealth>();
        for (int i = 0; i < problems.Count; i++)
        {
            var p = problems[i];
            var r = rewards[i];
            int count = TestCount(p.Tests);
            int passed = r.Verdicts.Count(v => v == CodeVerdict.AC);
            string? reason =
                r.IsVoid ? $"sandbox error while running the reference ({r.Message})"
                : passed < p.Tests.Count ? $"reference solution fails {p.Tests.Count - passed} of {p.Tests.Count} tests [{Summarize(r.Verdicts)}]{(r.Message is null ? "" : ": " + r.Message)}"
                : count < minTests ? $"only {count} tests (minimum {minTests})"
                : null;
            health.Add(new CodeProblemHealth(p, count, reason));
        }
        return health;
    }

    private static string Summarize(IReadOnlyList<CodeVerdict> verdicts) =>
        string.Join(", ", verdicts.GroupBy(v => v).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}"));
}
