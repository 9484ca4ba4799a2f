using Verity.Rewards.Math;

namespace Verity.Rewards.Tests.Math;

/// <summary>The parser's trees for small inputs (rendered with MathNode.ToString: "d" marks a decimal literal).</summary>
public class MathParserTreeTests
{
    private static string Tree(string latex)
    {
        var o = MathVerifyOptions.Default;
        var cleaned = LatexCleaner.Clean(latex, o)!;
        var node = MathParser.Parse(cleaned, o, new WorkBudget(o), out bool clean);
        Assert.True(clean, $"'{latex}' did not parse cleanly");
        return node!.ToString();
    }

    [Theory]
    [InlineData("\\frac12", "(1 * 1/2)")]
    [InlineData("\\dfrac{3}{x}", "(3 * 1/x)")]
    [InlineData("918\\frac{1}{2}", "(918 + (1 * 1/2))")]
    [InlineData("2.50", "5/2d")]
    [InlineData("1,234,567", "1234567")]
    [InlineData("3.2e-3", "2/625d")]
    [InlineData("\\sqrt3", "sqrt(3)")]
    [InlineData("\\sqrt[3]{x}", "root(x, 3)")]
    [InlineData("2^{10}", "2^10")]
    [InlineData("\\left( 3, \\frac{\\pi}{2} \\right)", "(3, (pi * 1/2))")]
    [InlineData("[0,1)", "[0, 1)")]
    [InlineData("\\{1,2\\}", "{1, 2}")]
    [InlineData("(2,12) \\cup (12,102)", "(2, 12) ∪ (12, 102)")]
    [InlineData("x \\in [-2,7]", "x ∈ [-2, 7]")]
    [InlineData("-2 \\le x < 7", "-2 <= x < 7")]
    [InlineData("1 \\pm \\sqrt{19}", "1 ± sqrt(19)")]
    [InlineData("28\\%", "28%")]
    [InlineData("28 percent", "28%")]
    [InlineData("90^\\circ", "90")]
    [InlineData("125\\text{ miles}", "125")]
    [InlineData("\\text{odd}", "\"odd\"")]
    [InlineData("204_5", "54")]
    [InlineData("f(x)", "f(x)")]
    [InlineData("a_{37}", "a_37")]
    [InlineData("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "[1 2; 3 4]")]
    [InlineData("p=5,q=2;p=7,q=2", "<p = 5, q = 2>, <p = 7, q = 2>")]
    [InlineData("12 \\text{ and } 13", "12, 13")]
    [InlineData("\\$1,000.99", "100099/100d")]
    public void Parses_to_the_expected_tree(string latex, string expected) => Assert.Equal(expected, Tree(latex));

    [Theory]
    [InlineData("Jane started growing Sphere 3 hours ago")]
    [InlineData("x + ")]
    [InlineData("\\frac{1}")]
    public void Prose_and_broken_input_are_not_clean(string text)
    {
        var o = MathVerifyOptions.Default;
        MathParser.Parse(LatexCleaner.Clean(text, o)!, o, new WorkBudget(o), out bool clean);
        Assert.False(clean);
    }
}
