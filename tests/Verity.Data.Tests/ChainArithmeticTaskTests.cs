using Verity.Data.Synthetic;

namespace Verity.Data.Tests;

public class ChainArithmeticTaskTests
{
    [Fact]
    public void Solve_writes_the_partial_sums_and_the_boxed_answer()
    {
        var p = new ArithmeticProblem([12, 34, 56]);
        Assert.Equal("12+34+56=", p.Prompt);
        Assert.Equal("102", p.Answer);
        Assert.Equal("12+34=46;46+56=102;\\boxed{102}", ChainArithmeticTask.Solve(p));
    }

    [Fact]
    public void Training_problems_never_come_from_the_held_out_split()
    {
        var task = new ChainArithmeticTask();
        var held = task.HeldOut(200, seed: 7).Select(p => p.Prompt).ToHashSet();
        Assert.Equal(200, held.Count);
        var rng = new Random(1);
        for (int i = 0; i < 20_000; i++)
            Assert.DoesNotContain(task.SampleTrain(rng).Prompt, held);
    }

    [Fact]
    public void Held_out_split_is_about_the_requested_fraction_and_deterministic()
    {
        var task = new ChainArithmeticTask(heldOutPercent: 10);
        var rng = new Random(3);
        int held = 0, n = 20_000;
        for (int i = 0; i < n; i++)
            if (task.IsHeldOut(new ArithmeticProblem([rng.Next(10, 100), rng.Next(10, 100), rng.Next(10, 100)]))) held++;
        Assert.InRange(held / (double)n, 0.08, 0.12);
        Assert.Equal(task.HeldOut(5, 11).Select(p => p.Prompt), task.HeldOut(5, 11).Select(p => p.Prompt));
    }

    [Fact]
    public void Noisy_teacher_is_wrong_at_the_rate_its_step_noise_implies()
    {
        // Two independent steps each slip with p = 0.3; slips never cancel exactly unless ±1/±10 pairs
        // cancel (+1 then −1 etc.), so the final answer is wrong with probability ≈ 1 − 0.7² − P(cancel).
        var task = new ChainArithmeticTask();
        var rng = new Random(5);
        int wrong = 0, n = 20_000;
        for (int i = 0; i < n; i++)
        {
            var p = task.SampleTrain(rng);
            var demo = ChainArithmeticTask.Demonstrate(p, rng, 0.3);
            if (!demo.EndsWith("\\boxed{" + p.Answer + "}", StringComparison.Ordinal)) wrong++;
        }
        // P(wrong) = 1 − 0.49 − P(both slip and cancel) = 0.51 − 0.09·(1/4) = 0.4875
        Assert.InRange(wrong / (double)n, 0.47, 0.505);
    }

    [Fact]
    public void Bad_arguments_name_the_field()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ChainArithmeticTask(terms: 1));
        Assert.Contains("terms", ex.Message);
    }
}
