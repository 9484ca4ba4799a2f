using Verity.Data.Records;
using Verity.Eval.Harness;

namespace Verity.Eval.Tests.Harness;

public class GenerationDataStepsTests
{
    private static SampleOutcome S(bool correct, string response, bool truncated = false) =>
        new(response, correct ? "1" : "2", correct ? "correct" : "wrong", correct ? 1 : 0, 5, truncated);

    private static ProblemOutcome P(string id, params SampleOutcome[] samples) => new(new MathProblem(id, "q", "1"), samples);

    [Fact]
    public void Rejection_sampling_keeps_distinct_complete_correct_responses_and_says_why_it_drops_the_rest()
    {
        var outcomes = new[]
        {
            P("a", S(true, "x"), S(true, "x"), S(false, "y"), S(true, "z", truncated: true)),
            P("b", S(true, "u"), S(true, "v"), S(true, "w"), S(false, "t")),
            P("c", S(false, "n"), S(false, "m")),
        };

        var report = GenerationDataSteps.RejectSample(outcomes, maxPerProblem: 2);

        Assert.Equal([("a", 0), ("b", 0), ("b", 1)], report.Kept.Select(k => (k.Source.Problem.Id, k.SampleIndex)));
        var reasons = report.ByReason.ToDictionary(r => r.Reason, r => r.Count);
        Assert.Equal(4, reasons["verdict wrong"]);
        Assert.Equal(1, reasons["duplicate of a kept response"]);
        Assert.Equal(1, reasons["correct but truncated at --max-new-tokens (no EOS)"]);
        Assert.Equal(1, reasons["beyond --max-per-problem 2"]);
        Assert.Equal(10, report.Kept.Count + report.Removed.Count);
    }

    [Fact]
    public void Pass_rate_band_keeps_the_inclusive_band_and_tiers_follow_the_thresholds()
    {
        var outcomes = new[]
        {
            P("zero", S(false, "a"), S(false, "b"), S(false, "c"), S(false, "d")),
            P("quarter", S(true, "a"), S(false, "b"), S(false, "c"), S(false, "d")),
            P("all", S(true, "a"), S(true, "b"), S(true, "c"), S(true, "d")),
        };
        var report = GenerationDataSteps.PassRateBand(outcomes, minPass: 0.25, maxPass: 0.75);
        Assert.Equal(["quarter"], report.Kept.Select(k => k.Problem.Id));
        Assert.Contains(report.Removed, r => r.Item.Problem.Id == "zero" && r.Reason.Contains("below --min-pass"));
        Assert.Contains(report.Removed, r => r.Item.Problem.Id == "all" && r.Reason.Contains("above --max-pass"));
        var tiers = new DifficultyTiers();
        Assert.Equal(["hard", "medium", "easy"], outcomes.Select(o => tiers.Of(GenerationDataSteps.PassRate(o))));
        Assert.Throws<ArgumentException>(() => GenerationDataSteps.PassRateBand(outcomes, 0.8, 0.2));
    }
}
