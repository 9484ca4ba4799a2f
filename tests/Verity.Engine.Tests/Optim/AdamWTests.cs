using System.Text.Json;
using Verity.Engine.Model;
using Verity.Engine.Optim;

namespace Verity.Engine.Tests.Optim;

public class AdamWTests
{
    private static Parameter Param(ParameterKind kind, params float[] values)
    {
        var p = new Parameter(new ParameterKey(kind, kind == ParameterKind.TokenEmbedding ? -1 : 0), [values.Length]);
        values.CopyTo(p.Data, 0);
        return p;
    }

    [Fact]
    public void Two_steps_match_values_computed_by_hand()
    {
        // p=1, g=0.5 then g=-0.25; lr 0.1, wd 0.1, β=(0.9, 0.999), eps 1e-8.
        var p = Param(ParameterKind.QProj, 1f);
        var opt = new AdamW([p], new AdamWOptions { LearningRate = 0.1, WeightDecay = 0.1 });
        p.Grad[0] = 0.5f;
        opt.Step();
        // decay: 1·(1−0.01)=0.99; m=0.05, v=0.00025; m̂=0.5, v̂=0.25 → update 0.1·0.5/(0.5+1e-8)
        double p1 = 0.99 - 0.1 * 0.5 / (0.5 + 1e-8);
        Assert.Equal(p1, p.Data[0], 6);
        p.Grad[0] = -0.25f;
        opt.Step();
        double m = 0.9 * 0.05 + 0.1 * -0.25;         // 0.02
        double v = 0.999 * 0.00025 + 0.001 * 0.0625; // 0.00031225
        double mhat = m / (1 - 0.81), denom = Math.Sqrt(v) / Math.Sqrt(1 - 0.998001) + 1e-8;
        double p2 = p1 * (1 - 0.01) - 0.1 * mhat / denom;
        Assert.Equal(p2, p.Data[0], 6);
        Assert.Equal(2, opt.StepCount);
    }

    [Fact]
    public void Matches_torch_optim_adamw_fixture()
    {
        string path = Path.Combine(EngineTestPaths.Golden("adamw"), "adamw.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var r = doc.RootElement;
        float[] F(JsonElement e) => e.EnumerateArray().Select(x => x.GetSingle()).ToArray();
        var d = r.GetProperty("decayed");
        var u = r.GetProperty("undecayed");
        var p = Param(ParameterKind.QProj, F(d.GetProperty("init")));
        var q = Param(ParameterKind.AttnNorm, F(u.GetProperty("init")));
        var betas = F(r.GetProperty("betas"));
        // Torch used two groups (wd 0.1 and wd 0); the predicate expresses the same split.
        var opt = new AdamW([p, q], new AdamWOptions
        {
            Beta1 = betas[0], Beta2 = betas[1], Eps = r.GetProperty("eps").GetDouble(), WeightDecay = 0.1,
            Decays = AdamWOptions.DecayMatricesOnly,
        });
        var lrs = r.GetProperty("lrs").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        for (int s = 0; s < lrs.Length; s++)
        {
            F(d.GetProperty("grads")[s]).CopyTo(p.Grad, 0);
            F(u.GetProperty("grads")[s]).CopyTo(q.Grad, 0);
            opt.Step(lrs[s]);
            var ep = F(d.GetProperty("after")[s]);
            var eq = F(u.GetProperty("after")[s]);
            for (int i = 0; i < ep.Length; i++) Assert.True(Math.Abs(ep[i] - p.Data[i]) <= 1e-6 * Math.Max(1, Math.Abs(ep[i])), $"step {s} p[{i}]: torch {ep[i]}, ours {p.Data[i]}");
            for (int i = 0; i < eq.Length; i++) Assert.True(Math.Abs(eq[i] - q.Data[i]) <= 1e-6 * Math.Max(1, Math.Abs(eq[i])), $"step {s} q[{i}]: torch {eq[i]}, ours {q.Data[i]}");
        }
    }

    [Fact]
    public void Vector_loop_equals_scalar_reference_for_all_tails()
    {
        var rng = new Random(11);
        var k = new AdamW.Coefficients(1e-3f, 0.9f, 0.1f, 0.95f, 0.05f, 0.3f, 1e-8f);
        for (int n = 1; n < 70; n++)
        {
            float[] R() => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var g = R();
            var p1 = R(); var m1 = R(); var v1 = R().Select(Math.Abs).ToArray();
            var p2 = (float[])p1.Clone(); var m2 = (float[])m1.Clone(); var v2 = (float[])v1.Clone();
            AdamW.Update(p1, g, m1, v1, 0.999f, k);
            AdamW.UpdateReference(p2, g, m2, v2, 0.999f, k);
            Assert.Equal(p2, p1);
            Assert.Equal(m2, m1);
            Assert.Equal(v2, v1);
        }
    }

    [Fact]
    public void Frozen_parameters_do_not_move_and_keep_no_state()
    {
        var a = Param(ParameterKind.QProj, 1f, 2f);
        var b = Param(ParameterKind.KProj, 1f, 2f);
        b.Frozen = true;
        a.Grad[0] = b.Grad[0] = 1f;
        var opt = new AdamW([a, b], new AdamWOptions());
        opt.Step();
        Assert.Equal([1f, 2f], b.Data);
        Assert.NotEqual(1f, a.Data[0]);
        Assert.Null(opt.GetState(b.Key));
        Assert.NotNull(opt.GetState(a.Key));
    }

    [Fact]
    public void No_decay_predicate_spares_norms_and_biases()
    {
        var w = Param(ParameterKind.QProj, 2f);
        var n = Param(ParameterKind.AttnNorm, 2f);
        var bias = Param(ParameterKind.QBias, 2f);
        // Zero gradients: only decay can move a parameter.
        var opt = new AdamW([w, n, bias], new AdamWOptions { LearningRate = 0.1, WeightDecay = 0.5, Decays = AdamWOptions.DecayMatricesOnly });
        opt.Step();
        Assert.Equal(2f * (1 - 0.05f), w.Data[0], 6);
        Assert.Equal(2f, n.Data[0]);
        Assert.Equal(2f, bias.Data[0]);
    }

    [Fact]
    public void Restored_state_continues_exactly_like_an_uninterrupted_run()
    {
        float[] grads(int s) => [MathF.Sin(s), MathF.Cos(s * 0.7f), 0.3f * s];
        var straight = Param(ParameterKind.QProj, 0.5f, -1f, 2f);
        var optStraight = new AdamW([straight], new AdamWOptions());
        var resumed = Param(ParameterKind.QProj, 0.5f, -1f, 2f);
        var optFirst = new AdamW([resumed], new AdamWOptions());
        for (int s = 0; s < 4; s++)
        {
            grads(s).CopyTo(straight.Grad, 0);
            optStraight.Step();
        }
        for (int s = 0; s < 2; s++)
        {
            grads(s).CopyTo(resumed.Grad, 0);
            optFirst.Step();
        }
        var (m, v) = optFirst.GetState(resumed.Key)!.Value;
        var optSecond = new AdamW([resumed], new AdamWOptions());
        optSecond.SetState(optFirst.StepCount, new Dictionary<ParameterKey, (float[], float[])> { [resumed.Key] = (m, v) });
        for (int s = 2; s < 4; s++)
        {
            grads(s).CopyTo(resumed.Grad, 0);
            optSecond.Step();
        }
        Assert.Equal(straight.Data, resumed.Data);
    }

    [Fact]
    public void Invalid_options_name_the_field()
    {
        var ex = Assert.Throws<ArgumentException>(() => new AdamW([], new AdamWOptions { Beta2 = 1.0 }));
        Assert.Contains("beta2", ex.Message);
    }
}
