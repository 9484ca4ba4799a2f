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

    static (AttentionMask Mask, float[] Q, float[] K, float[] V) Setup(int nh, int nkv, int hd, bool segments, int seed)
    {
        int b = 2, t = 7;
        var rng = new Random(seed);
        int[]? seg = segments ? [0, 0, 0, 1, 1, 1, 1, 5, 5, 6, 6, 6, 6, 6] : null;
        var mask = new AttentionMask(b, t, [7, 4], seg);
        return (mask, Randn(rng, b * t * nh * hd), Randn(rng, b * t * nkv * hd), Randn(rng, b * t * nkv * hd));
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
        AssertClose(dq, Numeric(Loss, qd), 1e-4, "dq");
        AssertClose(dk, Numeric(Loss, kd), 1e-4, "dk");
        AssertClose(dv, Numeric(Loss, vd), 1e-4, "dv");
    }
}
