using Verity.Engine.Model;
using static Verity.Engine.Tests.Ops.GradCheck;

namespace Verity.Engine.Tests.Model;

/// <summary>
/// Whole-model checks: the float32 model against the float64 <see cref="ReferenceModel"/> (forward), and its
/// analytic gradients against float64 central differences of L = Σ a_t·logp_t + b_t·H_t (+ c_t·V_t).
/// </summary>
public class ModelGradientTests
{
    /// <summary>Tolerance on the scale-relative max error per parameter tensor (float32 analytic vs float64 FD).</summary>
    const double GradTol = 2e-5;

    [Theory]
    [MemberData(nameof(TinyModels.Names), MemberType = typeof(TinyModels))]
    public void Forward_matches_float64_reference(string name)
    {
        var model = TinyModels.Create(name);
        var batch = TinyModels.Batch(3);
        var r = model.Forward(batch);
        var (logp, ent, val) = ReferenceModel.From(model).Forward(batch);
        AssertClose(r.LogProbs, logp, 1e-5, "logp");
        AssertClose(r.Entropies, ent, 1e-5, "entropy");
        Assert.Equal(model.HasValueHead, r.Values is not null);
        if (val is not null) AssertClose(r.Values, val, 1e-5, "value");
        for (int t = 4; t < 7; t++) Assert.Equal(0f, r.LogProbs[7 + t]);
    }

    [Theory]
    [MemberData(nameof(TinyModels.Names), MemberType = typeof(TinyModels))]
    public void Logits_match_float64_reference(string name)
    {
        var model = TinyModels.Create(name);
        var batch = TinyModels.Batch(4);
        AssertClose(model.Logits(batch), ReferenceModel.From(model).Logits(batch), 1e-5, "logits");
    }

    [Theory]
    [MemberData(nameof(TinyModels.Names), MemberType = typeof(TinyModels))]
    public void Gradients_match_float64_finite_differences(string name)
        => CheckGradients(name, TinyModels.Batch(5));

    /// <summary>Row 0 packs documents of 3 and 4 tokens (positions restart); row 1 is empty padding.</summary>
    [Fact]
    public void Gradients_match_with_packed_and_empty_rows()
    {
        var rng = new Random(40);
        int[] tokens = Enumerable.Range(0, 14).Select(_ => rng.Next(37)).ToArray();
        int[] targets = Enumerable.Range(0, 14).Select(_ => rng.Next(37)).ToArray();
        int[] positions = [0, 1, 2, 0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0];
        int[] segments = [1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0];
        CheckGradients("gqa-nrep2-tied-value", new Batch(2, 7, tokens, [7, 0], targets, positions, segments));
    }

    [Fact]
    public void Gradients_match_at_a_sampling_temperature()
        => CheckGradients("qwen3-qknorm-hd6", TinyModels.Batch(41), temperature: 0.6f);

    static void CheckGradients(string name, Batch batch, float temperature = 1f)
    {
        var model = TinyModels.Create(name);
        var (a, b, c) = TinyModels.Upstream(6);
        model.ZeroGrad();
        model.Forward(batch, temperature: temperature);
        model.Backward(batch, a, b, model.HasValueHead ? c : default);

        var reference = ReferenceModel.From(model);
        double Loss()
        {
            var (logp, ent, val) = reference.Forward(batch, temperature);
            double s = 0;
            for (int i = 0; i < logp.Length; i++) s += a[i] * logp[i] + b[i] * ent[i] + (val is null ? 0 : c[i] * val[i]);
            return s;
        }
        var rng = new Random(7);
        foreach (var p in model.Parameters)
        {
            var w = (double[])reference.Weights[p.Key];
            // Every entry of small tensors; a fixed random sample of 40 from larger ones.
            int[] idx = p.Length <= 60 ? Enumerable.Range(0, p.Length).ToArray()
                : Enumerable.Range(0, 40).Select(_ => rng.Next(p.Length)).Distinct().ToArray();
            var numeric = Numeric(Loss, w, idx);
            AssertClose(p.Grad, numeric, GradTol, $"{name} {p.Key}", idx);
        }
    }

    [Fact]
    public void Tied_embedding_gets_both_input_and_head_gradient()
    {
        var model = TinyModels.Create("qwen2-qkv-bias-tied");
        var batch = TinyModels.Batch(8);
        var (a, b, _) = TinyModels.Upstream(9);
        model.Forward(batch);
        model.Backward(batch, a, b);
        // A token id that never appears as input gets only the head gradient, which is nonzero for every row.
        var used = batch.Tokens.Where((t, i) => batch.IsValid(i)).ToHashSet();
        int unused = Enumerable.Range(0, 37).First(v => !used.Contains(v));
        var e = model.Get(new ParameterKey(ParameterKind.TokenEmbedding));
        Assert.Contains(e.Grad.AsSpan(unused * 12, 12).ToArray(), g => g != 0);
        Assert.Throws<ArgumentException>(() => model.Get(new ParameterKey(ParameterKind.LmHead)));
    }
}
