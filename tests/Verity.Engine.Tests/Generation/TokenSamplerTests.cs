using Verity.Engine.Generation;

namespace Verity.Engine.Tests.Generation;

public class TokenSamplerTests
{
    /// <summary>
    /// The intended distribution, computed naively in double with a full sort: temperature → top-k →
    /// top-p (smallest most-likely prefix with mass ≥ top_p) → min-p → renormalize.
    /// </summary>
    private static double[] ReferenceDistribution(float[] logits, SamplingParams p)
    {
        int v = logits.Length;
        var dist = new double[v];
        if (p.IsGreedy)
        {
            int best = 0;
            for (int i = 1; i < v; i++) if (logits[i] > logits[best]) best = i;
            dist[best] = 1;
            return dist;
        }
        double max = logits.Max();
        var q = logits.Select(l => Math.Exp((l - max) / p.Temperature)).ToArray();
        double z = q.Sum();
        for (int i = 0; i < v; i++) q[i] /= z;
        var order = Enumerable.Range(0, v).OrderByDescending(i => q[i]).ThenBy(i => i).ToList();
        if (p.TopK > 0 && p.TopK < v) order = order.Take(p.TopK).ToList();
        double kept = order.Sum(i => q[i]);
        if (p.TopP < 1)
        {
            double cum = 0;
            int keep = order.Count;
            for (int j = 0; j < order.Count; j++)
            {
                cum += q[order[j]] / kept;
                if (cum >= p.TopP) { keep = j + 1; break; }
            }
            order = order.Take(keep).ToList();
        }
        if (p.MinP > 0)
        {
            double top = q[order[0]];
            order = order.Where(i => q[i] >= p.MinP * top).ToList();
        }
        double mass = order.Sum(i => q[i]);
        foreach (var i in order) dist[i] = q[i] / mass;
        return dist;
    }

    public static TheoryData<float, int, float, float> Settings => new()
    {
        { 1.0f, 0, 1.0f, 0.0f },   // plain sampling
        { 0.7f, 3, 1.0f, 0.0f },   // top-k
        { 1.3f, 0, 0.8f, 0.0f },   // top-p
        { 1.0f, 0, 1.0f, 0.2f },   // min-p
        { 0.9f, 5, 0.9f, 0.05f },  // all filters
        { 2.0f, 0, 0.5f, 0.0f },   // hot and narrow nucleus
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void Empirical_frequencies_match_the_intended_distribution(float temperature, int topK, float topP, float minP)
    {
        // Given logits with distinct, well-separated masses so a filter off by one token shows up
        float[] logits = [2.0f, 1.5f, 1.1f, 0.9f, 0.5f, 0.2f, -0.3f, -0.8f, -1.5f, -2.5f, 0.7f];
        var p = new SamplingParams { Temperature = temperature, TopK = topK, TopP = topP, MinP = minP };
        var expected = ReferenceDistribution(logits, p);

        // When drawing many tokens
        const int draws = 100_000;
        var counts = new int[logits.Length];
        var sampler = new TokenSampler();
        var rng = new SamplingRng(42);
        for (int i = 0; i < draws; i++)
        {
            var t = sampler.Sample(logits, p, ref rng);
            counts[t.Id]++;
            Assert.True(expected[t.Id] > 0, $"token {t.Id} is outside the filtered support");
            Assert.True(Math.Abs(Math.Log(expected[t.Id]) - t.SamplingLogProb) < 1e-4, $"sampling log-prob of {t.Id}");
        }

        // Then the total-variation distance is within sampling noise (expected ≈ 0.004 here);
        // a filter that keeps or drops one token too many moves it by ≥ 0.03.
        double tv = 0.5 * expected.Select((e, i) => Math.Abs(e - counts[i] / (double)draws)).Sum();
        Assert.True(tv < 0.012, $"total variation {tv:F4}");
    }

    [Fact]
    public void Large_vocabulary_threshold_path_matches_the_reference_support_and_masses()
    {
        // Given a 5,000-token vocabulary with a heavy tail, so the threshold search must widen
        var r = new Random(3);
        var logits = Enumerable.Range(0, 5000).Select(_ => (float)(r.NextDouble() * 6 - 3)).ToArray();
        var p = new SamplingParams { Temperature = 1f, TopP = 0.95f };
        var expected = ReferenceDistribution(logits, p);
        var sampler = new TokenSampler();
        var rng = new SamplingRng(9);
        for (int i = 0; i < 3000; i++)
        {
            var t = sampler.Sample(logits, p, ref rng);
            Assert.True(expected[t.Id] > 0);
            Assert.True(Math.Abs(Math.Log(expected[t.Id]) - t.SamplingLogProb) < 1e-4, $"sampling log-prob of {t.Id}");
        }
    }

    [Fact]
    public void Policy_log_prob_is_the_untempered_untruncated_log_softmax()
    {
        float[] logits = [1f, 3f, -2f, 0.5f];
        double lse = Math.Log(logits.Sum(l => Math.Exp(l)));
        var sampler = new TokenSampler();
        var rng = new SamplingRng(1);
        var p = new SamplingParams { Temperature = 0.5f, TopK = 2 };
        for (int i = 0; i < 200; i++)
        {
            var t = sampler.Sample(logits, p, ref rng);
            Assert.True(Math.Abs(logits[t.Id] - lse - t.PolicyLogProb) < 1e-5);
        }
    }

    [Theory]
    [InlineData(1f, 0, 1f, 0f)]    // plain sampling: the path that walks the ids without a candidate list
    [InlineData(0.7f, 0, 1f, 0f)]
    [InlineData(1f, 50, 0.9f, 0f)]
    public void Vocabulary_sized_rows_give_the_float64_log_probs(float temperature, int topK, float topP, float minP)
    {
        // 49,157 logits: a vocabulary-sized row with a vector tail, against the float64 normalizers.
        var rng0 = new Random(5);
        var logits = Enumerable.Range(0, 49157).Select(_ => (float)(rng0.NextDouble() * 12 - 6)).ToArray();
        float max = logits.Max();
        double lse = max + (double)TokenSampler.LogSumExpShifted(logits, max);
        double tempered = Math.Log(logits.Sum(l => Math.Exp((l - max) / (double)temperature)));
        var sampler = new TokenSampler();
        var rng = new SamplingRng(3);
        var p = new SamplingParams { Temperature = temperature, TopK = topK, TopP = topP, MinP = minP };
        for (int i = 0; i < 20; i++)
        {
            var t = sampler.Sample(logits, p, ref rng);
            Assert.True(Math.Abs(logits[t.Id] - lse - t.PolicyLogProb) < 1e-5, $"policy log-prob of {t.Id}");
            if (topK == 0 && topP >= 1f)
                Assert.True(Math.Abs((logits[t.Id] - max) / temperature - tempered - t.SamplingLogProb) < 1e-5, $"sampling log-prob of {t.Id}");
        }
    }

    [Fact]
    public void SumAsDouble_matches_a_sequential_double_sum_on_every_tail()
    {
        var rng = new Random(9);
        foreach (int n in new[] { 0, 1, 15, 16, 17, 33, 1000 })
        {
            var x = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray();
            double expected = 0;
            foreach (var v in x) expected += v;
            Assert.True(Math.Abs(TokenSampler.SumAsDouble(x) - expected) <= 1e-12 * Math.Max(1, expected), $"n={n}");
        }
    }

    [Fact]
    public void Blocked_pick_chooses_what_the_id_by_id_walk_chooses_at_every_boundary()
    {
        // Masses that are multiples of 1/1024 (and zeros) sum exactly in double, so the two walks must agree exactly,
        // also for u right at, just below and just above every running sum — where an off-by-one in the block skip shows.
        var rng = new Random(11);
        foreach (int n in new[] { 1, 63, 64, 65, 130, 1000, 4099 })
        {
            var prob = Enumerable.Range(0, n).Select(_ => rng.Next(4) == 0 ? 0f : rng.Next(1, 1025) / 1024f).ToArray();
            var us = new List<double> { 0, double.Epsilon };
            double cum = 0;
            foreach (var x in prob)
            {
                cum += x;
                us.AddRange([cum, Math.BitDecrement(cum), Math.BitIncrement(cum)]);
            }
            us.AddRange([cum * 2, rng.NextDouble() * cum]);
            foreach (var u in us)
                Assert.Equal(TokenSampler.PickReference(prob, u), TokenSampler.Pick(prob, u));
        }
    }

    [Fact]
    public void Greedy_takes_the_argmax_with_sampling_log_prob_zero()
    {
        float[] logits = [0.1f, 0.3f, 2.5f, 2.4f];
        var rng = new SamplingRng(5);
        var t = new TokenSampler().Sample(logits, new SamplingParams { Temperature = 0 }, ref rng);
        Assert.Equal(2, t.Id);
        Assert.Equal(0f, t.SamplingLogProb);
    }

    [Fact]
    public void Same_seed_gives_the_same_stream_and_streams_differ()
    {
        float[] logits = Enumerable.Range(0, 50).Select(i => (float)Math.Sin(i)).ToArray();
        var p = new SamplingParams { Temperature = 1f, TopP = 0.9f };
        int[] Draw(ulong seed, ulong stream)
        {
            var s = new TokenSampler();
            var rng = new SamplingRng(seed, stream);
            return Enumerable.Range(0, 64).Select(_ => s.Sample(logits, p, ref rng).Id).ToArray();
        }
        Assert.Equal(Draw(7, 0), Draw(7, 0));
        Assert.NotEqual(Draw(7, 0), Draw(7, 1));
        Assert.NotEqual(Draw(7, 0), Draw(8, 0));
    }

    [Theory]
    [InlineData(-0.1f, 0, 1f, 0f, 1, "temperature")]
    [InlineData(1f, -1, 1f, 0f, 1, "top_k")]
    [InlineData(1f, 0, 0f, 0f, 1, "top_p")]
    [InlineData(1f, 0, 1.5f, 0f, 1, "top_p")]
    [InlineData(1f, 0, 1f, 2f, 1, "min_p")]
    [InlineData(1f, 0, 1f, 0f, 0, "n must")]
    public void Invalid_parameters_name_the_field(float t, int k, float topP, float minP, int n, string field)
    {
        var p = new SamplingParams { Temperature = t, TopK = k, TopP = topP, MinP = minP, N = n };
        var ex = Assert.Throws<ArgumentException>(p.Validate);
        Assert.Contains(field, ex.Message);
    }
}
