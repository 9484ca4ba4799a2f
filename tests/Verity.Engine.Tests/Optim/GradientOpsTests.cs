using Verity.Engine.Model;
using Verity.Engine.Optim;

namespace Verity.Engine.Tests.Optim;

public class GradientOpsTests
{
    private static List<Parameter> Params(params float[][] grads)
    {
        var list = new List<Parameter>();
        for (int i = 0; i < grads.Length; i++)
        {
            var p = new Parameter(new ParameterKey(ParameterKind.QProj, i), [grads[i].Length]);
            grads[i].CopyTo(p.Grad, 0);
            list.Add(p);
        }
        return list;
    }

    [Fact]
    public void Clipping_returns_the_pre_clip_norm_and_scales_to_max_norm()
    {
        var ps = Params([3f, 0f], [0f, 4f]); // ‖g‖ = 5
        double norm = GradientOps.ClipGlobalNorm(ps, 1.0);
        Assert.Equal(5.0, norm, 6);
        Assert.Equal(1.0, GradientOps.GlobalNorm(ps), 5);
        Assert.Equal(3f / (5f + 1e-6f), ps[0].Grad[0], 6);
    }

    [Fact]
    public void Clipping_below_the_limit_changes_nothing()
    {
        var ps = Params([0.3f, 0.4f]);
        Assert.Equal(0.5, GradientOps.ClipGlobalNorm(ps, 1.0), 6);
        Assert.Equal([0.3f, 0.4f], ps[0].Grad);
    }

    [Fact]
    public void Max_norm_zero_measures_without_clipping_and_negative_is_refused()
    {
        var ps = Params([3f, 0f], [0f, 4f]);
        Assert.Equal(5.0, GradientOps.ClipGlobalNorm(ps, 0), 6);
        Assert.Equal([3f, 0f], ps[0].Grad);
        Assert.Throws<ArgumentException>(() => GradientOps.ClipGlobalNorm(ps, -1));
        Assert.Throws<ArgumentException>(() => GradientOps.ClipGlobalNorm(ps, double.NaN));
    }

    [Fact]
    public void Frozen_gradients_are_outside_the_norm()
    {
        var ps = Params([3f], [4f]);
        ps[1].Frozen = true;
        Assert.Equal(3.0, GradientOps.GlobalNorm(ps), 6);
    }

    [Fact]
    public void Norm_of_a_long_vector_matches_double_accumulation()
    {
        var rng = new Random(2);
        var g = Enumerable.Range(0, 10_007).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        double expected = Math.Sqrt(g.Sum(x => (double)x * x));
        double actual = GradientOps.GlobalNorm(Params(g));
        Assert.True(Math.Abs(actual - expected) <= 1e-6 * expected, $"{actual} vs {expected}");
    }

    [Fact]
    public void Accumulator_averages_over_micro_batches()
    {
        var ps = Params([0f]);
        var acc = new GradientAccumulator(ps, 3);
        bool stepped = false;
        foreach (var g in new[] { 1f, 2f, 6f })
        {
            ps[0].Grad[0] += g; // Backward accumulates
            stepped = acc.MicroBatchDone();
            if (g != 6f) Assert.False(stepped);
        }
        Assert.True(stepped);
        Assert.Equal(3f, ps[0].Grad[0]);
    }
}

public class LrScheduleTests
{
    private static LrScheduleOptions O(double minRatio = 0, double cycles = 0.5) =>
        new() { PeakLearningRate = 1e-3, TotalSteps = 110, WarmupSteps = 10, MinLrRatio = minRatio, NumCycles = cycles };

    [Fact]
    public void Constant_warms_up_then_holds()
    {
        var f = LrSchedules.Create("constant", O());
        Assert.Equal(0, f(0));
        Assert.Equal(0.5e-3, f(5), 12);
        Assert.Equal(1e-3, f(10), 12);
        Assert.Equal(1e-3, f(109), 12);
    }

    [Fact]
    public void Linear_decays_to_zero_or_to_the_floor()
    {
        var f = LrSchedules.Create("linear", O());
        Assert.Equal(0.3e-3, f(3), 12);
        Assert.Equal(1e-3, f(10), 12);
        Assert.Equal(1e-3 * 50 / 100.0, f(60), 12);
        Assert.Equal(0, f(110), 12);
        var g = LrSchedules.Create("linear", O(minRatio: 0.1));
        Assert.Equal(1e-3 * (0.1 + 0.9 * 0.5), g(60), 12);
        Assert.Equal(1e-4, g(110), 12);
    }

    [Fact]
    public void Cosine_follows_half_a_wave_with_floor_and_cycles()
    {
        var f = LrSchedules.Create("cosine", O());
        Assert.Equal(1e-3, f(10), 12);
        Assert.Equal(1e-3 * 0.5 * (1 + Math.Cos(Math.PI * 0.25)), f(35), 12);
        Assert.Equal(0.5e-3, f(60), 12);
        Assert.Equal(0, f(110), 12);
        var floor = LrSchedules.Create("cosine", O(minRatio: 0.2));
        Assert.Equal(1e-3 * (0.2 + 0.8 * 0.5), floor(60), 12);
        Assert.Equal(0.2e-3, floor(110), 12);
        var two = LrSchedules.Create("cosine", O(cycles: 1.0)); // a full wave: back at the peak at the end
        Assert.Equal(0, two(60), 12);
        Assert.Equal(1e-3, two(110), 12);
    }

    [Fact]
    public void Unknown_name_lists_the_known_ones()
    {
        var ex = Assert.Throws<ArgumentException>(() => LrSchedules.Create("cosine_with_restarts", O()));
        foreach (var n in new[] { "constant", "linear", "cosine", "cosine_with_restarts" }) Assert.Contains(n, ex.Message);
    }
}
