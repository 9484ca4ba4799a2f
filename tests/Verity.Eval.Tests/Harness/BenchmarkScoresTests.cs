using System.Text.Json.Nodes;
using Verity.Data.Records;
using Verity.Eval.Harness;

namespace Verity.Eval.Tests.Harness;

public class BenchmarkScoresTests
{
    private static SampleOutcome S(bool correct, string? extracted, int length = 10, bool truncated = false, string response = "r") =>
        new(response, extracted, correct ? "correct" : extracted is null ? "no_answer" : "wrong", correct ? 1 : 0, length, truncated);

    private static ProblemOutcome P(string id, params SampleOutcome[] samples) => new(new MathProblem(id, "q", "a"), samples);

    [Fact]
    public void Known_verdict_table_gives_the_hand_computed_avg_pass_and_maj()
    {
        // Given three problems with k = 4 whose verdicts and vote keys are known
        var outcomes = new[]
        {
            P("a", S(true, "7"), S(false, "8"), S(true, "7"), S(false, "8")),        // 2/4; 7 and 8 tie, 7 came first → maj right
            P("b", S(false, "5"), S(false, "5"), S(false, "5"), S(false, null)),      // 0/4
            P("c", S(false, "9"), S(false, "9"), S(true, "3"), S(false, null)),       // 1/4; 9 wins the vote → maj wrong
        };

        // When scoring
        var s = BenchmarkScores.Compute("t", outcomes);

        // Then each metric is the per-problem value averaged over problems
        Assert.Equal(4, s.K);
        Assert.Equal(3, s.Problems);
        Assert.Equal((0.5 + 0 + 0.25) / 3, s.AvgAtK, 12);
        Assert.Equal(s.AvgAtK, s.PassAt1, 12);                    // unbiased pass@1 = c/n
        Assert.Equal(2.0 / 3, s.PassAtK, 12);                      // a and c have a correct sample
        Assert.Equal(1.0 / 3, s.MajAtK, 12);
    }

    [Fact]
    public void Pass_at_k_uses_the_unbiased_estimator_not_any_correct()
    {
        // pass@2 is not what is reported for k = 4, so check pass@k for k = n against the estimator directly:
        // 1 correct of 4 → pass@4 = 1, and 0 correct → 0, while avg@4 = 0.25 ≤ pass@4
        var one = BenchmarkScores.Compute("t", [P("x", S(true, "1"), S(false, "2"), S(false, "2"), S(false, "2"))]);
        Assert.Equal(0.25, one.AvgAtK, 12);
        Assert.Equal(1.0, one.PassAtK, 12);
        Assert.Equal(0.0, one.MajAtK, 12);
        Assert.True(one.PassAtK >= one.AvgAtK);
    }

    [Fact]
    public void A_model_that_is_never_right_scores_zero_everywhere()
    {
        var zero = BenchmarkScores.Compute("z", [P("x", S(false, "1"), S(false, null)), P("y", S(false, null), S(false, null))]);
        Assert.Equal(0, zero.AvgAtK);
        Assert.Equal(0, zero.PassAtK);
        Assert.Equal(0, zero.MajAtK);
    }

    [Fact]
    public void Length_statistics_interpolate_percentiles_and_count_truncation()
    {
        var s = BenchmarkScores.Compute("l", [P("x", S(false, null, 1), S(false, null, 2), S(false, null, 3, truncated: true), S(false, null, 4), S(false, null, 10, truncated: true))]);
        Assert.Equal(4.0, s.Lengths.Mean, 12);
        Assert.Equal(3.0, s.Lengths.P50, 12);
        Assert.Equal(7.6, s.Lengths.P90, 12);                     // between 4 and 10 at 60 %
        Assert.Equal(10, s.Lengths.Max);
        Assert.Equal(0.4, s.Lengths.TruncatedFraction, 12);
    }

    [Fact]
    public void Reflection_statistics_count_the_responses_showing_each_pattern()
    {
        var s = BenchmarkScores.Compute("r", [P("x", S(false, null, response: "Wait, that is wrong."), S(false, null, response: "so 4"))]);
        Assert.Equal(0.5, s.Reflection["hesitation"].Fraction, 12);
        Assert.Equal(0.0, s.Reflection["recheck"].Fraction, 12);
    }

    [Fact]
    public void The_average_row_weights_benchmarks_equally_and_the_table_shows_it()
    {
        var big = BenchmarkScores.Compute("big", Enumerable.Range(0, 9).Select(i => P($"b{i}", S(false, "0"), S(false, "0"))).ToArray());
        var small = BenchmarkScores.Compute("small", [P("s", S(true, "1"), S(true, "1"))]);
        var avg = BenchmarkScores.Average([big, small]);
        Assert.Equal(0.5, avg.AvgAtK, 12);                        // not 1/10, the per-problem mean
        string table = EvalReport.Table([big, small]);
        var lines = table.Split('\n');
        Assert.Contains("avg@2", lines[0]);
        Assert.Contains("pass@2", lines[0]);
        Assert.StartsWith("big", lines[1]);
        Assert.StartsWith("avg", lines[3]);
        Assert.Contains("50.0", lines[3]);
        Assert.Contains("100.0", lines[2]);
    }

    [Fact]
    public void Problems_the_generator_rejected_count_as_wrong_but_not_in_length_statistics()
    {
        var rejected = new SampleOutcome("", null, "rejected", 0, 0, false);
        var s = BenchmarkScores.Compute("r", [P("ok", S(true, "1", 8), S(true, "1", 8)), new ProblemOutcome(new MathProblem("long", "q", "a"), [rejected, rejected], "prompt too long")]);
        Assert.Equal(2, s.Problems);
        Assert.Equal(1, s.Rejected);
        Assert.Equal(0.5, s.AvgAtK, 12);
        Assert.Equal(8.0, s.Lengths.Mean, 12);
        Assert.Equal(1, (int)EvalReport.Summary([s], [])["benchmarks"]!["r"]!["rejected_problems"]!);
    }

    [Fact]
    public void Problems_with_different_sample_counts_are_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => BenchmarkScores.Compute("m", [P("x", S(true, "1")), P("y", S(true, "1"), S(true, "1"))]));
        Assert.Contains("same number k", ex.Message);
    }

    [Fact]
    public void Summary_json_names_metrics_by_k_and_sample_rows_carry_every_field()
    {
        var s = BenchmarkScores.Compute("t", [P("x", S(true, "7", 3), S(false, "8", 5, truncated: true))]);
        var summary = EvalReport.Summary([s], new JsonObject { ["k"] = 2 });
        Assert.Equal(0.5, (double)summary["benchmarks"]!["t"]!["avg@2"]!, 12);
        Assert.Equal(1.0, (double)summary["benchmarks"]!["t"]!["pass@2"]!, 12);
        Assert.Equal(0.5, (double)summary["average"]!["avg@2"]!, 12);
        Assert.Equal(5, (int)summary["benchmarks"]!["t"]!["response_length"]!["max"]!);
        var rows = EvalReport.SampleRows("t", [P("x", S(true, "7", 3), S(false, "8", 5, truncated: true))]).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(1, (int)rows[1]["sample"]!);
        Assert.Equal("wrong", (string?)rows[1]["verdict"]);
        Assert.Equal("8", (string?)rows[1]["extracted"]);
        Assert.True((bool)rows[1]["truncated"]!);
    }

    [Fact]
    public void Unknown_benchmark_names_list_the_known_ones_and_added_files_resolve_by_name()
    {
        var ex = Assert.Throws<ArgumentException>(() => BenchmarkRegistry.Select(["gsm8k", "nope"], []));
        Assert.Contains("\"nope\"", ex.Message);
        Assert.Contains("math500", ex.Message);
        Assert.Contains("aime24", ex.Message);
        var added = BenchmarkRegistry.ParseFileSpec("mine=x.jsonl", "boxed");
        var specs = BenchmarkRegistry.Select(["mine", "gsm8k"], [added]);
        Assert.Equal(["mine", "gsm8k"], specs.Select(s => s.Name));
        Assert.Equal("gsm8k", specs[1].Template);
        Assert.True(Path.IsPathRooted(specs[0].File));
        Assert.Throws<ArgumentException>(() => BenchmarkRegistry.ParseFileSpec("no-equals", "boxed"));
        var missing = Assert.Throws<FileNotFoundException>(() => BenchmarkRegistry.PathOf(BenchmarkRegistry.Known["amc23"], Path.GetTempPath()));
        Assert.Contains("--data-dir", missing.Message);
    }

    [Fact]
    public void Every_registered_benchmark_file_exists_in_shared_data()
    {
        string? dir = BenchmarkRegistry.FindDataDir();
        Assert.NotNull(dir);
        foreach (var spec in BenchmarkRegistry.Known.Values)
        {
            string path = BenchmarkRegistry.PathOf(spec, dir);
            var first = MathProblemFile.Read(path).First();
            Assert.False(string.IsNullOrEmpty(first.Problem.Answer));
        }
    }
}
