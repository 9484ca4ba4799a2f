namespace Verity.Rewards.Tests.Format;

public class RewardRegistryTests
{
    [Fact]
    public void Unknown_name_lists_the_known_rewards()
    {
        var ex = Assert.Throws<ArgumentException>(() => RewardRegistry.Create("math_acuracy"));
        foreach (var name in RewardRegistry.Known.Keys) Assert.Contains(name, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Every_registered_reward_is_a_pure_function_of_text()
    {
        var input = new RewardInput("<think>1+1</think> So \\boxed{2}.", "2");
        foreach (var (name, factory) in RewardRegistry.Known)
        {
            var f = factory(new RewardSettings());
            Assert.Equal(f(input), f(input));
        }
        Assert.Equal(1, RewardRegistry.Create("math_accuracy")(input));
        Assert.Equal(1, RewardRegistry.Create("think_format")(input));
        Assert.Equal(1, RewardRegistry.Create("boxed_present")(input));
    }

    [Fact]
    public void Math_accuracy_is_void_without_a_reference()
    {
        Assert.Null(RewardRegistry.Create("math_accuracy")(new RewardInput("\\boxed{2}")));
        Assert.Equal(0, RewardRegistry.Create("math_accuracy")(new RewardInput("\\boxed{3}", "2")));
    }

    [Fact]
    public void Signed_accuracy_is_plus_or_minus_one()
    {
        var f = RewardRegistry.Create("math_accuracy_signed");
        Assert.Equal(1, f(new RewardInput("\\boxed{2}", "2")));
        Assert.Equal(-1, f(new RewardInput("\\boxed{3}", "2")));
        Assert.Equal(-1, f(new RewardInput("no idea", "2")));
        Assert.Null(f(new RewardInput("\\boxed{2}")));
    }

    [Fact]
    public void Mix_weights_accuracy_and_format()
    {
        var mix = RewardMix.Parse("math_accuracy:0.8, think_format:0.2");
        Assert.Equal(1.0, mix.Evaluate(new RewardInput("<think>x</think> \\boxed{2}", "2")).Total!.Value, 12);
        Assert.Equal(0.8, mix.Evaluate(new RewardInput("\\boxed{2}", "2")).Total!.Value, 12);
        Assert.Equal(0.2, mix.Evaluate(new RewardInput("<think>x</think> \\boxed{3}", "2")).Total!.Value, 12);
        var parts = mix.Evaluate(new RewardInput("\\boxed{2}", "2")).Parts;
        Assert.Equal(("math_accuracy", (double?)1.0), parts[0]);
        Assert.Equal(("think_format", (double?)0.0), parts[1]);
    }

    [Fact]
    public void A_void_component_is_excluded_not_counted_as_zero()
    {
        var mix = RewardMix.Parse("math_accuracy:0.8,think_format:0.2");
        // No reference: accuracy is void, so the total is the format reward scaled to the full weight.
        var withFormat = mix.Evaluate(new RewardInput("<think>x</think> \\boxed{2}"));
        Assert.Equal(1.0, withFormat.Total!.Value, 12);
        Assert.Null(withFormat.Parts[0].Value);
        var onlyVoid = RewardMix.Parse("math_accuracy").Evaluate(new RewardInput("\\boxed{2}"));
        Assert.Null(onlyVoid.Total);
    }

    [Fact]
    public void Bad_weight_and_unknown_component_are_errors()
    {
        Assert.Throws<FormatException>(() => RewardMix.Parse("math_accuracy:heavy"));
        Assert.Throws<ArgumentException>(() => RewardMix.Parse("math_accuracy:1,nope:1"));
        Assert.Throws<ArgumentException>(() => new RewardMix([]));
    }
}
