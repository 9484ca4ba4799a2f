using Verity.Rewards.Format;

namespace Verity.Rewards.Tests.Format;

public class FormatRewardTests
{
    [Theory]
    [InlineData("so \\boxed{5}", true)]
    [InlineData("so \\fbox{x+1}", true)]
    [InlineData("so \\boxed{ }", false)]
    [InlineData("so \\boxed", false)]
    [InlineData("the answer is 5", false)]
    public void Boxed_present(string response, bool expected) => Assert.Equal(expected, FormatRewards.HasBoxedAnswer(response));

    [Theory]
    [InlineData("<think>reason</think>\nThe answer is 5.", true)]
    [InlineData("  <think>\nreason\n</think> 5", true)]
    [InlineData("<think>reason</think>", false)]                       // no answer after
    [InlineData("<think> </think> 5", false)]                          // empty thinking
    [InlineData("preamble <think>reason</think> 5", false)]            // text before the block
    [InlineData("<think>a</think> 5 <think>b</think> 6", false)]       // two blocks
    [InlineData("<think>reason 5", false)]                             // unclosed
    public void Think_structure(string response, bool expected) => Assert.Equal(expected, FormatRewards.HasThinkStructure(response));

    [Fact]
    public void Format_failure_value_is_configurable()
    {
        var klear = new RewardSettings { FormatFailure = -1 };
        Assert.Equal(-1, FormatRewards.ThinkFormat(new RewardInput("no tags"), klear));
        Assert.Equal(0, FormatRewards.ThinkFormat(new RewardInput("no tags"), new RewardSettings()));
        Assert.Equal(1, FormatRewards.BoxedPresent(new RewardInput("\\boxed{1}"), klear));
    }
}

public class RepetitionDetectorTests
{
    private const string Natural = "We first compute the area of the triangle using Heron's formula. The semi-perimeter is 9, "
        + "so the area is the square root of 9 times 4 times 3 times 2, which equals 6 times the square root of 6. "
        + "Then the inradius follows from dividing the area by the semi-perimeter.";

    [Fact]
    public void Natural_text_has_little_repetition_and_no_penalty()
    {
        Assert.True(RepetitionDetector.RepeatedNgramFraction(Natural, 4) < 0.1);
        Assert.Equal(0, RepetitionDetector.Penalty(new RewardInput(Natural), new RewardSettings()));
    }

    [Fact]
    public void A_loop_is_almost_all_repeated_and_penalized_towards_minus_one()
    {
        string loop = string.Concat(Enumerable.Repeat("Let me check again the value. ", 50));
        double f = RepetitionDetector.RepeatedNgramFraction(loop, 4);
        Assert.True(f > 0.9, $"{f}");
        double p = RepetitionDetector.Penalty(new RewardInput(loop), new RewardSettings());
        Assert.InRange(p, -1, -0.8);
    }

    [Fact]
    public void Answer_marker_spam_is_the_seed_000_hack_and_gets_minus_one()
    {
        // Varied text, but the policy farms a process reward model by repeating answer markers.
        string spam = Natural + " \\boxed{6} Answer: 6. Final answer: \\boxed{6}. Answer: 6 \\boxed{6}";
        Assert.Equal(6, RepetitionDetector.AnswerMarkerCount(spam));
        Assert.Equal(-1, RepetitionDetector.Penalty(new RewardInput(spam), new RewardSettings()));
        Assert.Equal(0, RepetitionDetector.Penalty(new RewardInput(Natural + " \\boxed{6}"), new RewardSettings()));
    }

    [Fact]
    public void Short_text_has_no_ngrams_to_repeat() => Assert.Equal(0, RepetitionDetector.RepeatedNgramFraction("a b", 4));

    [Fact]
    public void Invalid_ngram_size_is_an_error_with_a_hint()
    {
        var ex = Assert.Throws<ArgumentException>(() => RepetitionDetector.RepeatedNgramFraction("x", 0));
        Assert.Contains("HINT", ex.Message);
    }
}

public class LengthPenaltyTests
{
    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(3584, 0.0)]      // exactly L_max − L_cache
    [InlineData(3840, -0.5)]     // half-way through the buffer
    [InlineData(4095, -511.0 / 512)]
    [InlineData(4096, -1.0)]
    [InlineData(9000, -1.0)]
    public void Soft_overlong_is_zero_then_linear_to_minus_one(int length, double expected) =>
        Assert.Equal(expected, LengthPenalty.SoftOverlong(length, 4096, 512), 12);

    [Fact]
    public void Uses_tokens_when_known_else_characters()
    {
        var s = new RewardSettings { MaxLength = 100, CacheLength = 50 };
        Assert.Equal(0, LengthPenalty.Reward(new RewardInput(new string('x', 1000), ResponseTokens: 10), s));
        Assert.Equal(-1, LengthPenalty.Reward(new RewardInput(new string('x', 1000)), s));
    }

    [Fact]
    public void Cache_longer_than_max_is_rejected() => Assert.Throws<ArgumentException>(() => LengthPenalty.SoftOverlong(1, 10, 20));
}
