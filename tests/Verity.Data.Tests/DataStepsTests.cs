using Verity.Data.Pipeline;
using Verity.Data.Records;

namespace Verity.Data.Tests;

public class DataStepsTests
{
    private static MathProblem P(string text, string answer = "1") => new(text.GetHashCode().ToString(), text, answer);

    [Fact]
    public void Clean_reports_each_removal_with_its_reason()
    {
        var problems = new[]
        {
            P("What is $2+3$?"),
            P("Prove that there are infinitely many primes."),
            P("In the figure below, find the area of the shaded region."),
            P("See https://example.com for the table. What is x?"),
            P("(a) Find x. (b) Find y."),
            P("What is 7 times 8?", answer: " "),
        };
        var report = DataSteps.Clean(problems, ["empty", "proof", "figure", "multi_question", "url"]);
        Assert.Single(report.Kept);
        Assert.Equal("What is $2+3$?", report.Kept[0].Problem);
        Assert.Equal(
            ["asks for a proof (no verifiable final answer)", "needs a figure, image or table", "contains a URL", "several questions in one problem", "empty answer"],
            report.Removed.Select(r => r.Reason));
        Assert.Contains("removed 5", report.Summary("clean"));
    }

    [Fact]
    public void Unknown_rule_lists_the_known_ones()
    {
        var ex = Assert.Throws<ArgumentException>(() => DataSteps.Clean([], ["proofs"]));
        Assert.Contains("proof", ex.Message);
        Assert.Contains("figure", ex.Message);
    }

    [Fact]
    public void Dedup_removes_exact_and_near_copies_but_keeps_distinct_problems()
    {
        const string a = "A train leaves the station at 3 pm traveling at 60 miles per hour toward a city 180 miles away. When does it arrive?";
        var problems = new[]
        {
            P(a),
            P(a.ToUpperInvariant().Replace(" ", "  ")),                 // same after normalization
            P(a.Replace("When does it arrive?", "At what time will it arrive?")), // near copy
            P("How many positive divisors does 360 have?"),
        };
        var report = DataSteps.Deduplicate(problems);
        Assert.Equal(2, report.Kept.Count);
        Assert.Equal(["exact duplicate", "near duplicate (≥50% shared 9-grams)"], report.Removed.Select(r => r.Reason));
    }

    [Fact]
    public void Decontamination_drops_benchmark_copies_in_real_data()
    {
        // Given MATH-500 as the benchmark and a training set made of real GSM8K test problems plus
        // 20 MATH-500 problems lightly edited at the end
        var math500 = MathProblemFile.Read(SharedData.Path("benchmarks", "math500.jsonl")).Select(r => r.Problem).ToList();
        var gsm = MathProblemFile.Read(SharedData.Path("benchmarks", "gsm8k_test.jsonl")).Select(r => r.Problem).Take(300).ToList();
        var leaked = math500.Where(p => p.Problem.Length > 120).Take(20).Select(p => p with { Problem = p.Problem + " Answer carefully." }).ToList();
        var report = DataSteps.Decontaminate(gsm.Concat(leaked), math500.Select(p => ("math500", p.Problem)));

        // Then every leaked problem is removed and (almost) no GSM8K problem is
        Assert.All(leaked, l => Assert.Contains(report.Removed, r => ReferenceEquals(r.Item, l)));
        Assert.True(report.Removed.Count - leaked.Count <= 3, $"{report.Removed.Count - leaked.Count} GSM8K problems flagged");
    }

    [Fact]
    public void Malformed_jsonl_line_names_file_and_line()
    {
        var path = System.IO.Path.GetTempFileName();
        File.WriteAllText(path, "{\"problem\":\"x\",\"answer\":\"1\"}\n\n{not json}\n");
        var ex = Assert.Throws<InvalidDataException>(() => MathProblemFile.Read(path).ToList());
        Assert.StartsWith($"{path}:3:", ex.Message);
        File.WriteAllText(path, "{\"question\":\"x\"}\n");
        var missing = Assert.Throws<InvalidDataException>(() => MathProblemFile.Read(path).ToList());
        Assert.Contains("missing field \"problem\"", missing.Message);
        var mapped = MathProblemFile.Read(path, MathProblemFile.ParseFieldMap(["problem=question"]));
        Assert.Contains("missing field \"answer\"", Assert.Throws<InvalidDataException>(() => mapped.ToList()).Message);
        File.Delete(path);
    }
}
