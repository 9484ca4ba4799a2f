using System.Diagnostics;
using System.Text;
using Verity.Rewards.Math;

namespace Verity.Rewards.Tests.Math;

/// <summary>No input makes the verifier throw or hang: garbage, deep nesting, huge strings, huge powers.</summary>
public class RobustnessTests
{
    private static void Bounded(string response, string gold, double seconds = 10)
    {
        var sw = Stopwatch.StartNew();
        var r = MathVerifier.Verify(response, gold);
        sw.Stop();
        Assert.True(sw.Elapsed.TotalSeconds < seconds, $"took {sw.Elapsed.TotalSeconds:F1}s");
        Assert.InRange(r.Score, 0, 1);
    }

    [Fact]
    public void Random_garbage_never_throws()
    {
        var rng = new Random(7);
        const string alphabet = "0123456789+-*/^_{}()[]\\$,.;:=<>|!%&#abcxyz \n\\frac\\sqrt\\boxed\\left\\right\\begin{pmatrix}\\end";
        for (int t = 0; t < 300; t++)
        {
            var sb = new StringBuilder();
            int len = rng.Next(0, 200);
            for (int i = 0; i < len; i++) sb.Append(alphabet[rng.Next(alphabet.Length)]);
            string s = sb.ToString();
            Bounded(s, "1");
            Bounded("\\boxed{" + s + "}", s);
        }
    }

    [Fact]
    public void Deeply_nested_braces_and_parentheses_return()
    {
        Bounded("\\boxed{" + new string('{', 100_000) + "1" + new string('}', 100_000) + "}", "1");
        Bounded("\\boxed{" + new string('(', 50_000) + "1" + new string(')', 50_000) + "}", "1");
        Bounded("\\boxed{" + string.Concat(Enumerable.Repeat("\\frac{1}{", 5000)) + "2" + new string('}', 5000) + "}", "1");
        Bounded("\\boxed{" + new string('-', 100_000) + "1}", "1");
    }

    [Fact]
    public void Nesting_deeper_than_the_depth_cap_is_unparseable_with_a_work_limit_detail()
    {
        var r = MathVerifier.Verify("\\boxed{" + new string('(', 1500) + "1" + new string(')', 1500) + "}", "1");
        Assert.Equal(MathVerdict.Unparseable, r.Verdict);
        Assert.Contains("work limit", r.Detail);
        // Moderate nesting is fine.
        Assert.Equal(MathVerdict.Correct, MathVerifier.Verify("\\boxed{" + new string('(', 30) + "1" + new string(')', 30) + "}", "1").Verdict);
    }

    [Fact]
    public void One_megabyte_responses_return()
    {
        var rng = new Random(3);
        var sb = new StringBuilder();
        while (sb.Length < 1_000_000) sb.Append(rng.Next(1000)).Append(' ').Append("\\boxed{").Append(rng.Next(9)).Append("} $x$ ");
        Bounded(sb.ToString(), "7", 30);
        Bounded(new string('9', 1_000_000), "9", 30);
        Bounded("\\boxed{" + new string('1', 1_000_000) + "}", "1", 30);
        Bounded(string.Concat(Enumerable.Repeat("#### ", 200_000)), "1", 30);
        // Many unclosed openers must not make the scan quadratic.
        Bounded(string.Concat(Enumerable.Repeat("\\(", 400_000)) + "\\)", "1", 30);
        Bounded(string.Concat(Enumerable.Repeat("\\[ 1", 200_000)), "1", 30);
        Bounded(string.Concat(Enumerable.Repeat("$", 1_000_000)), "1", 30);
        Bounded(string.Concat(Enumerable.Repeat("\\boxed{1} x ", 80_000)), "1", 30);
        Bounded(string.Concat(Enumerable.Repeat("answer ", 150_000)), "1", 30);
        Bounded(string.Concat(Enumerable.Repeat("\\boxed{", 100_000)), "1", 30);
    }

    [Fact]
    public void Huge_powers_and_factorials_hit_the_work_limit_instead_of_hanging()
    {
        Bounded("\\boxed{9^{9^{9^{9}}}}", "1");
        Bounded("\\boxed{(10^{100000})!}", "1");
        Bounded("\\boxed{2^{2^{2^{2^{2^{2}}}}}}", "2^{2^{2^{2^{2^{2}}}}}");
        Bounded("\\boxed{99999!}", "99999!");
    }
}
