using Verity.Engine.Model;

namespace Verity.Engine.Tests.Model;

public class DecodeTests
{
    /// <summary>Log-softmax of the full-forward logits at one position of a single sequence.</summary>
    static float[] FullLogProbs(TransformerModel model, int[] sequence, int position)
    {
        int v = model.Config.VocabSize;
        var logits = model.Logits(new Batch(1, sequence.Length, sequence, [sequence.Length]));
        var row = logits.AsSpan(position * v, v).ToArray().Select(z => (double)z).ToArray();
        double max = row.Max(), lse = max + Math.Log(row.Sum(z => Math.Exp(z - max)));
        return row.Select(z => (float)(z - lse)).ToArray();
    }

    static void AssertRowClose(float[] expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int j = 0; j < expected.Length; j++) Assert.True(Math.Abs(expected[j] - actual[j]) <= 2e-5f, $"{j}: {expected[j]} vs {actual[j]}");
    }

    [Theory]
    [MemberData(nameof(TinyModels.Names), MemberType = typeof(TinyModels))]
    public void Prefill_then_decode_steps_equal_the_full_forward(string name)
    {
        var model = TinyModels.Create(name);
        var rng = new Random(31);
        int[] seq = Enumerable.Range(0, 9).Select(_ => rng.Next(37)).ToArray();
        var cache = new KvCache(model.Config, slots: 2, capacity: 16);
        var lp = model.Prefill(cache, 1, seq.AsSpan(0, 4));
        Assert.Equal(4, cache.Length(1));
        AssertRowClose(FullLogProbs(model, seq, 3), lp);
        for (int t = 4; t < 9; t++)
        {
            lp = model.DecodeStep(cache, [1], [seq[t]]);
            AssertRowClose(FullLogProbs(model, seq, t), lp);
        }
        Assert.Equal(9, cache.Length(1));
        Assert.Equal(0, cache.Length(0));
    }

    [Fact]
    public void One_prefill_copied_to_a_group_decodes_each_sample_independently()
    {
        var model = TinyModels.Create("qwen3-qknorm-hd6");
        int[] prompt = [5, 17, 2, 30, 8];
        var cache = new KvCache(model.Config, slots: 3, capacity: 12);
        model.Prefill(cache, 0, prompt);
        cache.Copy(0, 1);
        cache.Copy(0, 2);
        int[][] continuations = [[1, 2, 3], [4, 5, 6], [36, 0, 9]];
        float[] lp = [];
        for (int step = 0; step < 3; step++)
            lp = model.DecodeStep(cache, [2, 0, 1], [continuations[2][step], continuations[0][step], continuations[1][step]]);
        int v = model.Config.VocabSize;
        int[] order = [2, 0, 1];
        for (int g = 0; g < 3; g++)
        {
            var seq = prompt.Concat(continuations[order[g]]).ToArray();
            AssertRowClose(FullLogProbs(model, seq, seq.Length - 1), lp.AsSpan(g * v, v));
        }
    }

    [Fact]
    public void Decode_rejects_bad_slots_tokens_and_overflow()
    {
        var model = TinyModels.Create("llama-mqa-untied");
        var cache = new KvCache(model.Config, slots: 2, capacity: 3);
        Assert.Throws<ArgumentException>(() => model.Prefill(cache, 2, [1]));
        Assert.Throws<ArgumentException>(() => model.Prefill(cache, 0, [37]));
        model.Prefill(cache, 0, [1, 2, 3]);
        var ex = Assert.Throws<ArgumentException>(() => model.DecodeStep(cache, [0], [4]));
        Assert.Contains("capacity", ex.Message);
        Assert.Throws<ArgumentException>(() => model.DecodeStep(cache, [1, 1], [4, 5]));
    }
}
