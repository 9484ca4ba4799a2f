using Verity.Engine.Model;

namespace Verity.Engine.Tests.Model;

public class TransformerModelTests
{
    static float[][] Grads(TransformerModel m) => m.Parameters.Select(p => (float[])p.Grad.Clone()).ToArray();

    static float[][] RunBackward(TransformerModel model, Batch batch, int seed)
    {
        var (a, b, c) = TinyModels.Upstream(seed, batch.Rows);
        model.ZeroGrad();
        model.Forward(batch);
        model.Backward(batch, a, b, model.HasValueHead ? c : default);
        return Grads(model);
    }

    [Fact]
    public void Parameters_have_pytorch_shapes_and_exist_only_when_configured()
    {
        var qwen3 = new TransformerModel(TinyModels.Llama with { QkNorm = true, HeadDim = 6, TieWordEmbeddings = true }, withValueHead: true);
        Assert.Equal([3 * 6, 12], qwen3.Get(new(ParameterKind.QProj, 1)).Shape);
        Assert.Equal([6, 12], qwen3.Get(new(ParameterKind.KProj, 0)).Shape);
        Assert.Equal([12, 18], qwen3.Get(new(ParameterKind.OProj, 0)).Shape);
        Assert.Equal([6], qwen3.Get(new(ParameterKind.QNorm, 0)).Shape);
        Assert.Equal([20, 12], qwen3.Get(new(ParameterKind.GateProj, 0)).Shape);
        Assert.Equal([12, 20], qwen3.Get(new(ParameterKind.DownProj, 1)).Shape);
        Assert.Equal([1, 12], qwen3.Get(new(ParameterKind.ValueHead)).Shape);
        Assert.False(qwen3.TryGet(new(ParameterKind.LmHead), out _));
        Assert.False(qwen3.TryGet(new(ParameterKind.QBias, 0), out _));

        var qwen2 = new TransformerModel(TinyModels.Llama with { QkvBias = true });
        Assert.Equal([3 * 4], qwen2.Get(new(ParameterKind.QBias, 0)).Shape);
        Assert.Equal([4], qwen2.Get(new(ParameterKind.VBias, 1)).Shape);
        Assert.Equal([37, 12], qwen2.Get(new(ParameterKind.LmHead)).Shape);
        var ex = Assert.Throws<ArgumentException>(() => qwen2.Get(new(ParameterKind.OBias, 0)));
        Assert.Contains("OProjBias", ex.Message);
        // 1 embedding + 2 layers × (9 + 3 biases) + final norm + lm head
        Assert.Equal(1 + 2 * 12 + 2, qwen2.Parameters.Count);
    }

    [Fact]
    public void InitRandom_is_deterministic_with_unit_norms()
    {
        var m1 = new TransformerModel(TinyModels.Llama);
        var m2 = new TransformerModel(TinyModels.Llama);
        m1.InitRandom(42);
        m2.InitRandom(42);
        for (int i = 0; i < m1.Parameters.Count; i++) Assert.Equal(m1.Parameters[i].Data, m2.Parameters[i].Data);
        Assert.All(m1.Get(new(ParameterKind.AttnNorm, 0)).Data, v => Assert.Equal(1f, v));
        var q = m1.Get(new(ParameterKind.QProj, 0)).Data;
        double std = Math.Sqrt(q.Average(v => (double)v * v));
        Assert.InRange(std, 0.012, 0.03);
        m2.InitRandom(43);
        Assert.NotEqual(q, m2.Get(new(ParameterKind.QProj, 0)).Data);
    }

    [Theory]
    [MemberData(nameof(TinyModels.Names), MemberType = typeof(TinyModels))]
    public void Activation_checkpointing_gives_identical_gradients(string name)
    {
        var model = TinyModels.Create(name);
        var batch = TinyModels.Batch(11);
        var stored = RunBackward(model, batch, 12);
        model.ActivationCheckpointing = true;
        var recomputed = RunBackward(model, batch, 12);
        for (int i = 0; i < stored.Length; i++) Assert.Equal(stored[i], recomputed[i]);
        Assert.Contains(stored, g => g.Any(v => v != 0));
    }

    [Fact]
    public void Frozen_parameters_get_no_gradient_and_others_are_unchanged()
    {
        var model = TinyModels.Create("gqa-nrep2-tied-value");
        var batch = TinyModels.Batch(13);
        var all = RunBackward(model, batch, 14);
        var frozen = new[] { new ParameterKey(ParameterKind.TokenEmbedding), new ParameterKey(ParameterKind.QProj, 0), new ParameterKey(ParameterKind.MlpNorm, 1), new ParameterKey(ParameterKind.FinalNorm) };
        foreach (var k in frozen) model.Get(k).Frozen = true;
        var partial = RunBackward(model, batch, 14);
        for (int i = 0; i < all.Length; i++)
        {
            if (frozen.Contains(model.Parameters[i].Key)) Assert.All(partial[i], v => Assert.Equal(0f, v));
            else Assert.Equal(all[i], partial[i]);
        }
    }

    [Fact]
    public void Backward_accumulates_into_gradients()
    {
        var model = TinyModels.Create("llama-mqa-untied");
        var batch = TinyModels.Batch(15);
        var once = RunBackward(model, batch, 16);
        var (a, b, _) = TinyModels.Upstream(16);
        model.Forward(batch);
        model.Backward(batch, a, b);
        var twice = Grads(model);
        for (int i = 0; i < once.Length; i++)
            for (int j = 0; j < once[i].Length; j++) Assert.Equal(2 * once[i][j], twice[i][j], 1e-6f + 1e-5f * Math.Abs(once[i][j]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(36)]
    public void Vocab_chunk_size_does_not_change_results(int chunk)
    {
        var model = TinyModels.Create("qwen3-qknorm-hd6");
        var batch = TinyModels.Batch(17);
        var whole = model.Forward(batch);
        var gWhole = RunBackward(model, batch, 18);
        model.VocabChunk = chunk;
        var chunked = model.Forward(batch);
        var gChunked = RunBackward(model, batch, 18);
        for (int i = 0; i < batch.Rows; i++)
        {
            Assert.Equal(whole.LogProbs[i], chunked.LogProbs[i], 1e-5f);
            Assert.Equal(whole.Entropies[i], chunked.Entropies[i], 1e-5f);
        }
        for (int i = 0; i < gWhole.Length; i++)
            for (int j = 0; j < gWhole[i].Length; j++) Assert.Equal(gWhole[i][j], gChunked[i][j], 1e-5f + 1e-4f * Math.Abs(gWhole[i][j]));
    }

    [Fact]
    public void Padding_is_invisible_to_other_positions_and_gets_zero_gradient()
    {
        var model = TinyModels.Create("qwen2-qkv-bias-tied");
        var batch = TinyModels.Batch(19);
        var r = model.Forward(batch);
        var grads = RunBackward(model, batch, 20);

        // Same rows, different garbage in the padding: identical outputs and gradients.
        var tokens = (int[])batch.Tokens.Clone();
        for (int t = 4; t < 7; t++) tokens[7 + t] = t;
        var other = new Batch(2, 7, tokens, [7, 4], batch.Targets);
        var r2 = model.Forward(other);
        Assert.Equal(r.LogProbs, r2.LogProbs);
        Assert.Equal(r.Entropies, r2.Entropies);
        var grads2 = RunBackward(model, other, 20);
        for (int i = 0; i < grads.Length; i++) Assert.Equal(grads[i], grads2[i]);

        // Upstream gradients at padded positions are ignored.
        var (a, b, _) = TinyModels.Upstream(20);
        for (int t = 4; t < 7; t++) (a[7 + t], b[7 + t]) = (100f, -100f);
        model.ZeroGrad();
        model.Forward(batch);
        model.Backward(batch, a, b);
        for (int i = 0; i < grads.Length; i++) Assert.Equal(grads[i], model.Parameters[i].Grad);
    }

    [Theory]
    [MemberData(nameof(TinyModels.Names), MemberType = typeof(TinyModels))]
    public void A_sequence_gives_the_same_outputs_alone_or_in_a_padded_batch(string name)
    {
        var model = TinyModels.Create(name);
        var batch = TinyModels.Batch(21);
        var together = model.Forward(batch);
        // Row 1 alone: B = 1, T = 4, no padding.
        var alone = model.Forward(new Batch(1, 4, batch.Tokens[7..11], [4], batch.Targets![7..11]));
        for (int t = 0; t < 4; t++)
        {
            Assert.Equal(alone.LogProbs[t], together.LogProbs[7 + t], 1e-5f);
            Assert.Equal(alone.Entropies[t], together.Entropies[7 + t], 1e-5f);
            if (alone.Values is not null) Assert.Equal(alone.Values[t], together.Values![7 + t], 1e-5f);
        }
    }

    [Fact]
    public void Packed_documents_match_running_each_document_alone()
    {
        var model = TinyModels.Create("llama3-scaling-obias");
        var rng = new Random(22);
        int[] tokens = Enumerable.Range(0, 7).Select(_ => rng.Next(37)).ToArray();
        int[] targets = Enumerable.Range(0, 7).Select(_ => rng.Next(37)).ToArray();
        // One row holding documents of 3 and 4 tokens: positions restart, attention stays inside each.
        var packed = model.Forward(new Batch(1, 7, tokens, [7], targets, positionIds: [0, 1, 2, 0, 1, 2, 3], segmentIds: [0, 0, 0, 1, 1, 1, 1]));
        var first = model.Forward(new Batch(1, 3, tokens[..3], [3], targets[..3]));
        var second = model.Forward(new Batch(1, 4, tokens[3..], [4], targets[3..]));
        var expected = first.LogProbs.Concat(second.LogProbs).ToArray();
        for (int t = 0; t < 7; t++) Assert.Equal(expected[t], packed.LogProbs[t], 1e-5f);
    }

    [Fact]
    public void Same_inputs_give_bitwise_identical_results()
    {
        var g1 = RunBackward(TinyModels.Create("qwen3-qknorm-hd6"), TinyModels.Batch(23), 24);
        var g2 = RunBackward(TinyModels.Create("qwen3-qknorm-hd6"), TinyModels.Batch(23), 24);
        for (int i = 0; i < g1.Length; i++) Assert.Equal(g1[i], g2[i]);
    }

    [Fact]
    public void Bad_inputs_are_rejected_with_one_line_hints()
    {
        var model = TinyModels.Create("llama-mqa-untied");
        var ex = Assert.Throws<ArgumentException>(() => model.Forward(new Batch(1, 2, [1, 40], [2], [1, 2])));
        Assert.Contains("token id 40", ex.Message);
        Assert.Contains("HINT", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Throws<ArgumentException>(() => new Batch(1, 2, [1, 2], [3], [1, 2]));
        Assert.Throws<ArgumentException>(() => model.Forward(new Batch(1, 2, [1, 2], [2], [1, 2], positionIds: [0, 5000])));
        Assert.Throws<ArgumentException>(() => model.Forward(new Batch(1, 2, [1, 2], [2], [1, 2]), temperature: 0));
        var batch = TinyModels.Batch(1);
        Assert.Throws<InvalidOperationException>(() => model.Backward(batch, new float[14]));
        model.Forward(batch);
        Assert.Throws<ArgumentException>(() => model.Backward(batch, new float[13]));
        Assert.Throws<ArgumentException>(() => model.Backward(batch, new float[14], default, new float[14]));
    }

    [Fact]
    public void Forward_only_scoring_equals_the_training_forward_and_refuses_backward()
    {
        var model = TinyModels.Create("qwen2-qkv-bias-tied");
        var batch = TinyModels.Batch(30);
        var scored = model.Forward(batch, keepActivations: false);
        Assert.Throws<InvalidOperationException>(() => model.Backward(batch, new float[14]));
        var trained = model.Forward(batch);
        Assert.Equal(trained.LogProbs, scored.LogProbs);
        Assert.Equal(trained.Entropies, scored.Entropies);
        var grads = RunBackward(model, batch, 31);
        // A scoring pass in between (reusing the stored buffers) must not disturb a later training step.
        model.Forward(TinyModels.Batch(32), keepActivations: false);
        Assert.Equal(grads.SelectMany(g => g), RunBackward(model, batch, 31).SelectMany(g => g));
    }

    [Fact]
    public void Buffers_are_reused_for_smaller_batches_and_grown_for_larger()
    {
        var model = TinyModels.Create("llama-mqa-untied");
        var small = new Batch(1, 3, [1, 2, 3], [3], [4, 5, 6]);
        var expected = model.Forward(small).LogProbs;
        model.Forward(TinyModels.Batch(2));          // grows the buffers
        var again = model.Forward(small).LogProbs;   // reuses the larger buffers
        Assert.Equal(expected, again);
    }
}

public class ThreadSplitTests
{
    [Fact]
    public void Results_do_not_depend_on_how_rows_and_heads_are_split_across_threads()
    {
        float[][] Run(int? parts)
        {
            Verity.Engine.Ops.RowParallel.MaxParts = parts;
            try
            {
                var model = TinyModels.Create("qwen3-qknorm-hd6");
                var batch = TinyModels.Batch(50);
                var (a, b, c) = TinyModels.Upstream(51);
                var r = model.Forward(batch);
                model.Backward(batch, a, b, c);
                return [r.LogProbs, r.Entropies, .. model.Parameters.Select(p => p.Grad)];
            }
            finally { Verity.Engine.Ops.RowParallel.MaxParts = null; }
        }
        var serial = Run(1);
        foreach (int parts in new[] { 2, 3, 7 })
        {
            var split = Run(parts);
            for (int i = 0; i < serial.Length; i++) Assert.Equal(serial[i], split[i]);
        }
    }
}

public class ScoreMaskTests
{
    [Theory]
    [InlineData("gqa-nrep2-tied-value")]
    [InlineData("llama-mqa-untied")]
    public void Scoring_a_subset_equals_the_full_run_with_zero_upstream_elsewhere(string name)
    {
        var full = TinyModels.Batch(60);
        // Score only "completion" positions; targets elsewhere may be anything (here out of range).
        var mask = new bool[14];
        foreach (int i in new[] { 2, 3, 4, 5, 6, 9, 10 }) mask[i] = true;
        var targets = (int[])full.Targets!.Clone();
        foreach (int i in new[] { 0, 1, 7, 8 }) targets[i] = -5;
        var masked = new Batch(2, 7, full.Tokens, full.Lengths, targets, scoreMask: mask);
        var (a, b, c) = TinyModels.Upstream(61);
        var model = TinyModels.Create(name);

        model.ZeroGrad();
        var rm = model.Forward(masked);
        model.Backward(masked, a, b, model.HasValueHead ? c : default);
        var gm = model.Parameters.Select(p => (float[])p.Grad.Clone()).ToArray();

        var az = a.Select((v, i) => mask[i] ? v : 0).ToArray();
        var bz = b.Select((v, i) => mask[i] ? v : 0).ToArray();
        model.ZeroGrad();
        var rf = model.Forward(full);
        model.Backward(full, az, bz, model.HasValueHead ? c : default);

        for (int i = 0; i < 14; i++)
        {
            Assert.Equal(mask[i] ? rf.LogProbs[i] : 0f, rm.LogProbs[i], 1e-6f);
            Assert.Equal(mask[i] ? rf.Entropies[i] : 0f, rm.Entropies[i], 1e-6f);
            if (rm.Values is not null) Assert.Equal(rf.Values![i], rm.Values[i], 1e-6f);
        }
        for (int p = 0; p < gm.Length; p++)
            for (int j = 0; j < gm[p].Length; j++)
                Assert.Equal(model.Parameters[p].Grad[j], gm[p][j], 1e-6f + 1e-5f * Math.Abs(gm[p][j]));
    }

    [Fact]
    public void Nothing_scored_gives_zero_outputs_and_only_value_gradients()
    {
        var model = TinyModels.Create("gqa-nrep2-tied-value");
        var full = TinyModels.Batch(62);
        var batch = new Batch(2, 7, full.Tokens, full.Lengths, full.Targets, scoreMask: new bool[14]);
        var (a, b, c) = TinyModels.Upstream(63);
        var r = model.Forward(batch);
        Assert.All(r.LogProbs, v => Assert.Equal(0f, v));
        model.ZeroGrad();
        model.Backward(batch, a, b);
        Assert.All(model.Parameters, p => Assert.All(p.Grad, g => Assert.Equal(0f, g)));
        model.Forward(batch);
        model.Backward(batch, a, b, c);
        Assert.Contains(model.Get(new(ParameterKind.ValueHead)).Grad, g => g != 0);
    }
}
