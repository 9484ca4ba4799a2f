using Verity.Rewards.Math;

namespace Verity.Rewards.Tests.Math;

public class ExtractionTests
{
    [Theory]
    [InlineData("We get \\boxed{3} first, then fix it: \\boxed{\\frac{1}{2}}.", "\\frac{1}{2}")]
    [InlineData("So \\boxed{\\{1, 2\\}} is nested {braces} safe", "\\{1, 2\\}")]
    [InlineData("the roots are \\boxed{1} and \\boxed{-2}.", "1, -2")]
    [InlineData("\\fbox{7}", "7")]
    [InlineData("Final Answer: The final answer is $12,000,023$. I hope it is correct. Note 3 and 4.", "12,000,023")]
    [InlineData("Work...\n#### 17\nWait.\n#### 18\nNote: 2 eggs were cracked", "18")]
    [InlineData("Answer: 42", "42")]
    [InlineData("Final Answer: The largest $n$ is 34.", "34")]
    [InlineData("... so the pair is $(7, 6)$.", "(7, 6)")]
    [InlineData("There are 12 sequences. I hope it is correct.", "12")]
    public void Finds_the_final_answer(string response, string expected)
    {
        var r = MathVerifier.Verify(response, expected);
        Assert.Equal(expected, r.Extracted?.Trim());
        Assert.Equal(MathVerdict.Correct, r.Verdict);
    }

    [Fact]
    public void Boxed_and_final_answer_share_a_priority_group_where_the_rightmost_wins()
    {
        var r = MathVerifier.Verify("interest is \\boxed{200} then \\boxed{255}. Final Answer: The final answer is $10,455$. I hope it is correct.", "10455");
        Assert.Equal(MathVerdict.Correct, r.Verdict);
    }

    [Fact]
    public void Priority_is_configurable()
    {
        string response = "The answer is \\boxed{5}.\n#### 7";
        var gsmOnly = new MathVerifyOptions { ExtractionPriority = [[AnswerSource.Gsm8kMarker]] };
        Assert.Equal(MathVerdict.Correct, MathVerifier.Verify(response, "7", gsmOnly).Verdict);
        var boxedOnly = new MathVerifyOptions { ExtractionPriority = [[AnswerSource.Boxed]] };
        Assert.Equal(MathVerdict.Correct, MathVerifier.Verify(response, "5", boxedOnly).Verdict);
    }

    [Theory]
    [InlineData("")]
    [InlineData("I am not sure how to solve this problem.")]
    [InlineData("hmm")]
    public void No_answer_scores_zero_with_verdict_no_answer(string response)
    {
        var r = MathVerifier.Verify(response, "18");
        Assert.Equal(0, r.Score);
        Assert.Equal(MathVerdict.NoAnswer, r.Verdict);
        Assert.Equal("no_answer", r.VerdictName);
    }

    [Fact]
    public void A_bare_word_answers_a_word_question()
    {
        Assert.Equal(MathVerdict.Correct, MathVerifier.Verify("odd", "\\text{odd}").Verdict);
        Assert.Equal(MathVerdict.Wrong, MathVerifier.Verify("even", "\\text{odd}").Verdict);
    }

    [Fact]
    public void An_unreadable_boxed_answer_is_unparseable_not_a_number_found_elsewhere()
    {
        var r = MathVerifier.Verify("It is 2. \\boxed{AZYUK2A}", "2");
        Assert.Equal(MathVerdict.Unparseable, r.Verdict);
        Assert.Contains("response", r.Detail);
    }

    [Fact]
    public void An_unreadable_reference_is_reported_as_such()
    {
        var r = MathVerifier.Verify("\\boxed{5}", "\\frac{");
        Assert.Equal(MathVerdict.Unparseable, r.Verdict);
        Assert.Contains("reference", r.Detail);
    }

    [Theory]
    [InlineData("The answer is for sure D, it can't be A or B", "D")]
    [InlineData("D. it can't be A or B", "D")]
    [InlineData("Let's think. It's not A because it doesn't make sense, therefore I think it's B", "B")]
    public void Multiple_choice_mode_reads_the_option_letter(string response, string gold)
    {
        var o = new MathVerifyOptions { MultipleChoice = true };
        Assert.Equal(MathVerdict.Correct, MathVerifier.Verify(response, gold, o).Verdict);
        Assert.Equal(MathVerdict.Wrong, MathVerifier.Verify(response, gold == "A" ? "C" : "A", o).Verdict);
    }
}
