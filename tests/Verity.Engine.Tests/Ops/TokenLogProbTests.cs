using Verity.Engine.Ops;
using static Verity.Engine.Tests.Ops.GradCheck;

namespace Verity.Engine.Tests.Ops;

public class TokenLogProbTests
{
    const int N = 7, C = 12, V = 37;

    static (float[] H, float[] W, int[] Targets) Setup(int seed)
    {
        var rng = new Random(seed);
        return (Randn(rng, N * C), Randn(rng, V * C), Enumerable.Range(0, N).Select(_ => rng.Next(V)).ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]    // 7 full chunks and a tail of 2
    [InlineData(36)]
    [InlineData(4096)] // one chunk
    public void Chunked_forward_matches_full_softmax(int chunk)
    {
        var (h, w, tg) = Setup(chunk);
        // Large logits make the online max/rescaling matter.
        for (int i = 0; i < h.Length; i++) h[i] *= 4;
        var scratch = new float[N * Math.Min(chunk, V)];
        float[] logp = new float[N], ent = new float[N], lse = new float[N];
        TokenLogProb.Forward(h, w, tg, N, C, V, chunk, scratch, logp, ent, lse);
        var (rl, re) = TokenLogProb.Reference(ToDouble(h), ToDouble(w), tg, N, C, V);
        AssertClose(logp, rl, 1e-5, "logp");
        AssertClose(ent, re, 1e-5, "entropy");
        Assert.All(ent, e => Assert.InRange(e, 0, Math.Log(V) + 1e-5));
    }

    [Fact]
    public void Temperature_divides_the_logits()
    {
        var (h, w, tg) = Setup(3);
        var scratch = new float[N * 5];
        float[] logp = new float[N], ent = new float[N], lse = new float[N];
        TokenLogProb.Forward(h, w, tg, N, C, V, 5, scratch, logp, ent, lse, temperature: 2f);
        // softmax(z/2) of h·Wᵀ equals softmax(z) of (h/2)·Wᵀ
        float[] logp2 = new float[N], ent2 = new float[N];
        TokenLogProb.Forward(h.Select(x => x / 2).ToArray(), w, tg, N, C, V, 5, scratch, logp2, ent2, lse);
        for (int i = 0; i < N; i++)
        {
            Assert.Equal(logp2[i], logp[i], 1e-5f);
            Assert.Equal(ent2[i], ent[i], 1e-5f);
        }
    }

    [Theory]
    [InlineData(5, 1f)]
    [InlineData(4096, 1f)]
    [InlineData(5, 0.7f)]
    [InlineData(36, 1.6f)]
    public void Backward_matches_finite_differences(int chunk, float temperature)
    {
        var (h, w, tg) = Setup(11);
        var rng = new Random(12);
        var a = Randn(rng, N);
        var b = Randn(rng, N);
        a[2] = b[2] = 0; // a row with no upstream gradient
        var scratch = new float[N * Math.Min(chunk, V)];
        float[] logp = new float[N], ent = new float[N], lse = new float[N];
        TokenLogProb.Forward(h, w, tg, N, C, V, chunk, scratch, logp, ent, lse, temperature);
        var (rl, re) = TokenLogProb.Reference(ToDouble(h), ToDouble(w), tg, N, C, V, temperature);
        AssertClose(logp, rl, 1e-5, "logp");
        AssertClose(ent, re, 1e-5, "entropy");
        var dh = new float[N * C];
        var dw = new float[V * C];
        TokenLogProb.Backward(h, w, tg, lse, ent, a, b, N, C, V, chunk, scratch, dh, dw, temperature);

        double[] hd = ToDouble(h), wd = ToDouble(w);
        double Loss()
        {
            var (l, e) = TokenLogProb.Reference(hd, wd, tg, N, C, V, temperature);
            double s = 0;
            for (int i = 0; i < N; i++) s += a[i] * l[i] + b[i] * e[i];
            return s;
        }
        AssertClose(dh, Numeric(Loss, hd), 1e-5, "dh");
        AssertClose(dw, Numeric(Loss, wd), 1e-5, "dW");
        for (int j = 0; j < C; j++) Assert.Equal(0f, dh[2 * C + j]);
    }
}
