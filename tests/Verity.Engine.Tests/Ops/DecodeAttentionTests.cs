using Verity.Engine.Ops;

namespace Verity.Engine.Tests.Ops;

/// <summary>The decode attention kernel against its float64 reference: head sizes on and off the vector path, key tails, split caches.</summary>
public unsafe class DecodeAttentionTests
{
    [Theory]
    [InlineData(1, 16)]
    [InlineData(3, 64)]   // SmolLM2 / Qwen2.5 group and head size
    [InlineData(7, 64)]
    [InlineData(2, 128)]
    [InlineData(4, 48)]   // vector path with accumulators in memory
    [InlineData(3, 6)]    // head size below one vector: the scalar path
    [InlineData(2, 20)]   // head size with a tail: the scalar path
    public void Matches_reference_for_every_split_of_the_cache(int group, int hd)
    {
        var rng = new Random(group * 1000 + hd);
        foreach (int len in new[] { 1, 2, 3, 4, 5, 9, 33, 70 })
            foreach (int firstCount in new[] { 0, 1, len / 2, len })
            {
                if (firstCount > len) continue;
                float[] R(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
                var q = R(group * hd);
                var k = R(len * hd);
                var v = R(len * hd);
                float scale = 1f / MathF.Sqrt(hd);
                var o = R(group * hd); // overwritten
                var scores = new float[group * len];
                fixed (float* pq = q, pk = k, pv = v, po = o, ps = scores)
                {
                    var first = new DecodeAttention.Run(pk, pv, firstCount);
                    var second = new DecodeAttention.Run(pk + firstCount * hd, pv + firstCount * hd, len - firstCount);
                    DecodeAttention.Attend(pq, group, hd, scale, first, second, ps, po);
                }
                var expected = DecodeAttention.Reference(q.Select(x => (double)x).ToArray(), k.Select(x => (double)x).ToArray(),
                    v.Select(x => (double)x).ToArray(), group, hd, len, scale);
                for (int i = 0; i < expected.Length; i++)
                    Assert.True(Math.Abs(o[i] - expected[i]) <= 2e-5 * Math.Max(1, Math.Abs(expected[i])),
                        $"group={group} hd={hd} len={len} first={firstCount} element {i}: {o[i]} vs {expected[i]}");
            }
    }
}
