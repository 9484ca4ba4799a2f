using Verity.Engine.Generation;
using Verity.Engine.Model;
using Verity.Engine.Tests.Model;

namespace Verity.Engine.Tests.Generation;

public class IncrementalDecoderTests
{
    /// <summary>Full-forward logits at one position of a single sequence.</summary>
    private static float[] FullLogits(TransformerModel model, int[] sequence, int position)
    {
        int v = model.Config.VocabSize;
        var logits = model.Logits(new Batch(1, sequence.Length, sequence, [sequence.Length]));
        return logits.AsSpan(position * v, v).ToArray();
    }

    private static void AssertRowClose(float[] expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int j = 0; j < expected.Length; j++) Assert.True(Math.Abs(expected[j] - actual[j]) <= 2e-5f, $"{j}: {expected[j]} vs {actual[j]}");
    }

    [Theory]
    [MemberData(nameof(TinyModels.Names), MemberType = typeof(TinyModels))]
    public void Prefill_then_decode_steps_equal_the_full_forward(string name)
    {
        // Given a prompt prefilled into a shared block and a continuation decoded one token at a time
        var model = TinyModels.Create(name);
        var cfg = model.Config;
        var decoder = new IncrementalDecoder(model);
        var rng = new Random(31);
        int[] seq = Enumerable.Range(0, 9).Select(_ => rng.Next(37)).ToArray();
        var prefix = new KvBlock(cfg.NumLayers, cfg.NumKvHeads, cfg.HeadDim, start: 0, capacity: 4);
        var logits = new float[cfg.VocabSize];
        decoder.Run([.. Enumerable.Range(0, 4).Select(t => new DecodeRow(new SequenceCache(null, prefix), seq[t], t))], [3], logits);
        AssertRowClose(FullLogits(model, seq, 3), logits);
        Assert.Equal(4, prefix.Length);

        var own = new KvBlock(cfg.NumLayers, cfg.NumKvHeads, cfg.HeadDim, start: 4, capacity: 5);
        var cache = new SequenceCache(prefix, own);
        for (int t = 4; t < 9; t++)
        {
            decoder.Run([new DecodeRow(cache, seq[t], t)], [0], logits);
            // Then every step equals the uncached forward of the whole sequence at that position
            AssertRowClose(FullLogits(model, seq, t), logits);
        }
        Assert.Equal(5, own.Length);
    }

    [Fact]
    public void Rows_of_different_sequences_in_one_call_do_not_see_each_other()
    {
        var model = TinyModels.Create(TinyModels.All().First().Name);
        var cfg = model.Config;
        var decoder = new IncrementalDecoder(model);
        int[] a = [1, 2, 3, 4, 5], b = [9, 8, 7];
        SequenceCache New(int len) => new(null, new KvBlock(cfg.NumLayers, cfg.NumKvHeads, cfg.HeadDim, 0, len));
        var ca = New(a.Length);
        var cb = New(b.Length);
        var rows = a.Select((t, i) => new DecodeRow(ca, t, i)).Concat(b.Select((t, i) => new DecodeRow(cb, t, i))).ToList();
        var logits = new float[2 * cfg.VocabSize];
        decoder.Run(rows, [a.Length - 1, a.Length + b.Length - 1], logits);
        AssertRowClose(FullLogits(model, a, a.Length - 1), logits.AsSpan(0, cfg.VocabSize));
        AssertRowClose(FullLogits(model, b, b.Length - 1), logits.AsSpan(cfg.VocabSize, cfg.VocabSize));
    }
}
