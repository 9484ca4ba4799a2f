using System.Text.Json;
using Verity.Rewards.Math;

namespace Verity.Rewards.Tests.Math;

public class DeterminismTests
{
    [Fact]
    public void Parallel_and_sequential_runs_give_identical_results()
    {
        var rows = File.ReadLines(SharedData.File("verifier", "math_equiv_cases.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Select(d => (Response: d.GetProperty("response").GetString()!, Gold: d.GetProperty("gold").GetString()!)).ToArray();
        var sequential = rows.Select(r => MathVerifier.Verify(r.Response, r.Gold)).ToArray();
        var parallel = new MathVerification[rows.Length];
        Parallel.For(0, rows.Length, i => parallel[i] = MathVerifier.Verify(rows[i].Response, rows[i].Gold));
        Assert.Equal(sequential, parallel);
    }

    [Fact]
    public void The_seed_fixes_the_evaluation_points_and_symbolic_verdicts_do_not_depend_on_it()
    {
        foreach (int seed in new[] { 1, 2, 3, 99 })
        {
            var o = new MathVerifyOptions { Seed = seed };
            Assert.Equal(1, MathVerifier.Verify("\\boxed{(x+1)^2}", "x^2+2x+1", o).Score);
            Assert.Equal(0, MathVerifier.Verify("\\boxed{(x-1)^2}", "x^2+2x+1", o).Score);
        }
    }
}
