using Verity.Rewards.Math;

namespace Verity.Rewards.Tests.Math;

/// <summary>One small case per parser/equivalence feature, each with a near miss that must be rejected.</summary>
public class MathParserFeatureTests
{
    private static bool Eq(string gold, string answer, MathVerifyOptions? o = null) =>
        MathVerifier.Verify($"The answer is $\\boxed{{{answer}}}$.", gold, o).Score == 1;

    [Theory]
    // integers, decimals, thousands separators, scientific notation
    [InlineData("42", "42.0", true)]
    [InlineData("42", "42.01", false)]
    [InlineData("1234567", "1,234,567", true)]
    [InlineData("1234567", "1{,}234{,}567", true)]
    [InlineData("32349", "32, 349", false)]
    [InlineData("4.5e33", "4.5\\times 10^{33}", true)]
    [InlineData("4.5e33", "4.6\\times 10^{33}", false)]
    [InlineData("0.75", ".75", true)]
    [InlineData("100009", "100000", false)]
    [InlineData("156", "12 13", false)]
    // fractions
    [InlineData("\\frac{1}{2}", "0.5", true)]
    [InlineData("\\dfrac{3}{4}", "\\tfrac34", true)]
    [InlineData("\\frac{3}{4}", "3/4", true)]
    [InlineData("\\frac{3}{4}", "4/3", false)]
    [InlineData("7\\frac{1}{2}", "7.5", true)]
    // radicals and powers
    [InlineData("2\\sqrt{2}", "\\sqrt{8}", true)]
    [InlineData("2\\sqrt{2}", "\\sqrt{6}", false)]
    [InlineData("\\sqrt[3]{16}", "2\\sqrt[3]{2}", true)]
    [InlineData("2^{10}", "1024", true)]
    [InlineData("2^{10}", "1000", false)]
    [InlineData("\\frac{1}{2^{99}}", "\\frac{1}{2^{98}}", false)]
    [InlineData("\\frac{1}{2004!}", "\\frac{1}{2006!}", false)]
    // pi, e, text
    [InlineData("2\\pi", "\\pi \\cdot 2", true)]
    [InlineData("2\\pi", "6.28", false)]
    [InlineData("e^2", "\\exp(2)", true)]
    [InlineData("\\text{odd}", "odd", true)]
    [InlineData("\\text{odd}", "even", false)]
    // \left \right, degrees, percent, units, x =
    [InlineData("\\left(\\frac{1}{2}\\right)", "(1/2)", true)]
    [InlineData("90^\\circ", "90", true)]
    [InlineData("90^\\circ", "45^{\\circ}", false)]
    [InlineData("25\\%", "25", true)]
    [InlineData("25\\%", "0.25", true)]
    [InlineData("25\\%", "2.5", false)]
    [InlineData("125", "125\\text{ miles}", true)]
    [InlineData("15", "15 \\mbox{ cm}^2", true)]
    [InlineData("5", "x = 5", true)]
    [InlineData("5", "x = 6", false)]
    [InlineData("0", "a+3z=0", false)]
    public void Numbers_and_scalars(string gold, string answer, bool expected) => Assert.Equal(expected, Eq(gold, answer));

    [Theory]
    // intervals: brackets matter, endpoints compare as numbers
    [InlineData("[0,1)", "[0, 1)", true)]
    [InlineData("[0,1)", "(0,1)", false)]
    [InlineData("(-\\infty, 3]", "(-\\infty,3]", true)]
    [InlineData("(2,12)\\cup(12,102)", "(12,102) \\cup (2,12)", true)]
    [InlineData("(2,12)\\cup(12,102)", "(2,102)", false)]
    // sets unordered, tuples ordered
    [InlineData("\\{1,2,3\\}", "\\{3,2,1\\}", true)]
    [InlineData("1, 2, 3", "3, 1, 2", true)]
    [InlineData("1, 2, 3", "1, 2", false)]
    [InlineData("(1,2)", "(2,1)", false)]
    [InlineData("(1,\\frac{9}{2})", "(1, 4.5)", true)]
    [InlineData("(1,2),(3,4)", "(3,4),(1,2)", true)]
    // matrices
    [InlineData("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}", true)]
    [InlineData("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "\\begin{pmatrix}1&2\\\\3&5\\end{pmatrix}", false)]
    [InlineData("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "\\begin{pmatrix}1&3\\\\2&4\\end{pmatrix}", false)]
    // inequalities, equations, ±
    [InlineData("x < 1", "-x > -1", true)]
    [InlineData("x < 1", "x > -1", false)]
    [InlineData("x \\le 5", "5 \\ge x", true)]
    [InlineData("-2 \\le x \\le 7", "[-2, 7]", true)]
    [InlineData("-2 \\le x \\le 7", "(-2, 7]", false)]
    [InlineData("2x+4y-3=0", "y = -\\frac{1}{2}x + \\frac{3}{4}", true)]
    [InlineData("2x+4y-3=0", "y = -\\frac{1}{2}x + \\frac{1}{4}", false)]
    [InlineData("1 \\pm \\sqrt{19}", "1+\\sqrt{19}, 1-\\sqrt{19}", true)]
    [InlineData("\\pm 2021", "2021", false)]
    // symbolic expressions at random points
    [InlineData("x^2+2x+1", "(x+1)^2", true)]
    [InlineData("x^2+2x+1", "(x-1)^2", false)]
    [InlineData("\\tan^2 y + 1", "\\sec^2 y", true)]
    [InlineData("\\sqrt{1/n}", "\\frac{1}{\\sqrt{n}}", true)]
    // step functions are sampled over a wider range
    [InlineData("\\lfloor\\frac{2 n-1}{5}\\rfloor", "\\lfloor\\frac{2 n-1}{6}\\rfloor", false)]
    [InlineData("\\lfloor\\frac{2 n-1}{5}\\rfloor", "\\left\\lfloor\\frac{2n-1}{5}\\right\\rfloor", true)]
    public void Structures(string gold, string answer, bool expected) => Assert.Equal(expected, Eq(gold, answer));

    [Fact]
    public void Percent_modes_change_what_28_percent_equals()
    {
        Assert.True(Eq("28\\%", "0.28", new MathVerifyOptions { Percent = PercentMode.Either }));
        Assert.True(Eq("28\\%", "28", new MathVerifyOptions { Percent = PercentMode.Either }));
        Assert.False(Eq("28\\%", "0.28", new MathVerifyOptions { Percent = PercentMode.Ignore }));
        Assert.True(Eq("28\\%", "28", new MathVerifyOptions { Percent = PercentMode.Ignore }));
        Assert.True(Eq("28\\%", "0.28", new MathVerifyOptions { Percent = PercentMode.Fraction }));
        Assert.False(Eq("28\\%", "28", new MathVerifyOptions { Percent = PercentMode.Fraction }));
    }

    [Fact]
    public void Ordered_lists_option_makes_bare_lists_ordered()
    {
        Assert.True(Eq("4, 10, -2", "10, 4, -2"));
        Assert.False(Eq("4, 10, -2", "10, 4, -2", new MathVerifyOptions { OrderedLists = true }));
    }

    [Fact]
    public void Units_option_controls_unit_words()
    {
        Assert.True(Eq("10", "10 \\text{ units}"));
        Assert.False(Eq("10", "10 \\text{ units}", new MathVerifyOptions { StripUnits = false }));
    }

    [Fact]
    public void Decimal_comma_option_reads_a_comma_as_decimal_point()
    {
        Assert.False(Eq("1000.99", "1000,99"));
        Assert.True(Eq("1000.99", "1000,99", new MathVerifyOptions { DecimalComma = true }));
    }

    [Fact]
    public void Reference_relation_matches_response_interval_but_not_the_reverse_unless_allowed()
    {
        Assert.True(Eq("-2 \\le x \\le 7", "x \\in [-2,7]"));
        Assert.False(Eq("x \\in [-2,7]", "-2 \\le x \\le 7"));
        Assert.True(Eq("x \\in [-2,7]", "-2 \\le x \\le 7", new MathVerifyOptions { SetMatchesRelation = true }));
    }
}
