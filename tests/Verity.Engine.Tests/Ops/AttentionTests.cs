using Verity.Engine.Ops;
using static Verity.Engine.Tests.Ops.GradCheck;

namespace Verity.Engine.Tests.Ops;

public class AttentionTests
{
    public static TheoryData<int, int, int, bool> Shapes => new()
    {
        { 3, 1, 4, false },  // MQA: group 3
        { 4, 2, 6, false },  // GQA: group 2
        { 2, 2, 5 * 2, true },  // MHA with packed segments, HD 10
    };

    /// <summary>B = 2, T = 7, lengths 7 and 4; with segments, documents of 3+4 and 2+5 tokens.</summary>
    static (AttentionMask Mask, float[] Q, float[] K, float[] V) Setup(int nh, int nkv, int hd, bool segments, int seed)
    {
        int[]? seg = segments ? [0, 0, 0, 1, 1, 1, 1, 5, 5, 6, 6, 6, 6, 6] : null;
        return Setup(nh, nkv, hd, new AttentionMask(2, 7, [7, 4], seg), seed);
    }

    static (AttentionMask Mask, float[] Q, float[] K, float[] V) Setup(int nh, int nkv, int hd, AttentionMask mask, int seed)
    {
        var rng = new Random(seed);
        int rows = mask.B * mask.T;
        return (mask, Randn(rng, rows * nh * hd), Randn(rng, rows * nkv * hd), Randn(rng, rows * nkv * hd));
    }

    /// <summary>
    /// Long enough for several 64-key blocks, 16-key tails, a 4-query tail and 64+16-column value chunks
    /// (HD 80), with a packed row whose second document starts mid-block.
    /// </summary>
    [Theory]
    [InlineData(80, false)]
    [InlineData(64, true)]
    [InlineData(20, true)]
    public void Long_rows_forward_and_backward_match_float64(int hd, bool segments)
    {
        int t = 100;
        var seg = new int[2 * t];
        for (int i = 0; i < t; i++) (seg[i], seg[t + i]) = (i < 37 ? 0 : 1, i < 60 ? 2 : 3);
        var mask = new AttentionMask(2, t, [t, 83], segments ? seg : null);
        var (_, q, k, v) = Setup(2, 1, hd, mask, hd);
        var o = new float[q.Length];
        var lse = new float[2 * 2 * t];
        Attention.Forward(q, k, v, mask, 2, 1, hd, o, lse);
        double[] qd = ToDouble(q), kd = ToDouble(k), vd = ToDouble(v);
        AssertClose(o, Attention.Reference(qd, kd, vd, mask, 2, 1, hd), 1e-5, "o");

        var r = ToDouble(Randn(new Random(2), q.Length));
        var dq = new float[q.Length];
        var dk = new float[k.Length];
        var dv = new float[v.Length];
        Attention.Backward(r.Select(x => (float)x).ToArray(), q, k, v, o, lse, mask, 2, 1, hd, dq, dk, dv);
        double Loss() => Dot(Attention.Reference(qd, kd, vd, mask, 2, 1, hd), r);
        var rng = new Random(3);
        int[] Sample(int n) => Enumerable.Range(0, 16).Select(_ => rng.Next(n)).ToArray();
        var iq = Sample(q.Length);
        var ik = Sample(k.Length);
        AssertClose(dq, Numeric(Loss, qd, iq), 2e-5, "dq", iq);
        AssertClose(dk, Numeric(Loss, kd, ik), 2e-5, "dk", ik);
        AssertClose(dv, Numeric(Loss, vd, ik), 2e-5, "dv", ik);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_matches_float64_reference(int nh, int nkv, int hd, bool segments)
    {
        var (mask, q, k, v) = Setup(nh, nkv, hd, segments, nh * 10 + hd);
        var o = Randn(new Random(1), q.Length); // stale data must be overwritten
        var lse = new float[2 * nh * 7];
        Attention.Forward(q, k, v, mask, nh, nkv, hd, o, lse);
        AssertClose(o, Attention.Reference(ToDouble(q), ToDouble(k), ToDouble(v), mask, nh, nkv, hd), 1e-5, "o");
        // padded queries (row 1, t ≥ 4) produce zeros
        for (int t = 4; t < 7; t++)
            for (int j = 0; j < nh * hd; j++) Assert.Equal(0f, o[((7 + t) * nh) * hd + j]);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Backward_matches_finite_differences(int nh, int nkv, int hd, bool segments)
    {
        var (mask, q, k, v) = Setup(nh, nkv, hd, segments, nh * 10 + hd + 1);
        var o = new float[q.Length];
        var lse = new float[2 * nh * 7];
        Attention.Forward(q, k, v, mask, nh, nkv, hd, o, lse);
        var r = ToDouble(Randn(new Random(5), q.Length));
        var dq = new float[q.Length];
        var dk = new float[k.Length];
        var dv = new float[v.Length];
        Attention.Backward(r.Select(x => (float)x).ToArray(), q, k, v, o, lse, mask, nh, nkv, hd, dq, dk, dv);

        double[] qd = ToDouble(q), kd = ToDouble(k), vd = ToDouble(v);
        double Loss() => Dot(Attention.Reference(qd, kd, vd, mask, nh, nkv, hd), r);
        AssertClose(dq, Numeric(Loss, qd), 2e-5, "dq");
        AssertClose(dk, Numeric(Loss, kd), 2e-5, "dk");
        AssertClose(dv, Numeric(Loss, vd), 2e-5, "dv");
    }
}
