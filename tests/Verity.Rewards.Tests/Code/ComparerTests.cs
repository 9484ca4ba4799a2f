using System.Text.Json;
using Verity.Rewards.Code;

namespace Verity.Rewards.Tests.Code;

public sealed class ComparerTests
{
    [Theory]
    [InlineData("1 2\n3\n", "1 2\n3", true)]          // trailing newline
    [InlineData("1 2   \n3\n\n\n", "1 2\n3\n", true)] // trailing spaces and empty lines
    [InlineData("1.0 2\n", "1 2\n", true)]            // decimals compare by value
    [InlineData("5e16\n", "50000000000000001\n", false)] // no float rounding (LiveCodeBench uses Decimal)
    [InlineData("1 2\n", "1 3\n", false)]
    [InlineData("1\n2\n", "1 2\n", false)]            // line structure matters
    [InlineData("YES\n", "yes\n", false)]
    [InlineData("\n1\n", "1\n", false)]               // leading empty line is not trailing
    public void Stdio_follows_LiveCodeBench(string actual, string expected, bool equal) =>
        Assert.Equal(equal, new StdioComparer().Equivalent(actual, expected));

    [Fact]
    public void Stdio_options_tolerance_and_case()
    {
        Assert.True(new StdioComparer(FloatTolerance: 1e-6).Equivalent("0.3333333\n", "0.33333333\n"));
        Assert.False(new StdioComparer().Equivalent("0.3333333\n", "0.33333333\n"));
        Assert.True(new StdioComparer(IgnoreCase: true).Equivalent("YES\n", "yes\n"));
    }

    [Theory]
    [InlineData("[1, 2]", "[1, 2]", true)]
    [InlineData("{\"$t\":\"tuple\",\"v\":[1,2]}", "[1, 2]", true)]
    [InlineData("1", "1.0", true)]
    [InlineData("123456789012345678901234567890", "123456789012345678901234567890", true)]
    [InlineData("123456789012345678901234567890", "123456789012345678901234567891", false)]
    [InlineData("true", "1", false)]
    [InlineData("{\"$t\":\"set\",\"v\":[1,2]}", "[1, 2]", false)]
    [InlineData("{\"$t\":\"dict\",\"v\":[[\"a\",1]]}", "{\"a\": 1}", true)]
    [InlineData("{\"$t\":\"dict\",\"v\":[[\"a\",1]]}", "{\"a\": 1, \"b\": 2}", false)]
    [InlineData("0.30000000000000004", "0.3", false)]
    [InlineData("\"x\"", "\"x\"", true)]
    [InlineData("null", "[]", false)]
    public void Values_follow_Python_equality_on_plain_data(string actual, string expected, bool equal) =>
        Assert.Equal(equal, new ValueComparer().Equivalent(JsonDocument.Parse(actual).RootElement, JsonDocument.Parse(expected).RootElement));

    [Fact]
    public void Value_tolerance_is_opt_in() =>
        Assert.True(new ValueComparer(1e-9).Equivalent(JsonDocument.Parse("0.30000000000000004").RootElement, JsonDocument.Parse("0.3").RootElement));

    [Fact]
    public void Bad_tests_objects_name_the_key_and_the_fix()
    {
        var ex = Assert.Throws<InvalidDataException>(() => CodeTestSuite.Parse(JsonDocument.Parse("{\"kind\":\"pytest\"}").RootElement, "in.jsonl:3"));
        Assert.Contains("in.jsonl:3", ex.Message);
        Assert.Contains("stdio, call, asserts, check", ex.Message);
        var missing = Assert.Throws<InvalidDataException>(() => CodeTestSuite.Parse(JsonDocument.Parse("{\"kind\":\"call\",\"cases\":[]}").RootElement, "in.jsonl:4"));
        Assert.Contains("fn_name", missing.Message);
    }
}
