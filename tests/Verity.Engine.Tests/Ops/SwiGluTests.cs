using Verity.Engine.Ops;
using static Verity.Engine.Tests.Ops.GradCheck;

namespace Verity.Engine.Tests.Ops;

public class SwiGluTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(4096 + 4096 + 17)] // several blocks plus a tail
    public void Forward_matches_float64_reference(int count)
    {
        var rng = new Random(count);
        var g = Randn(rng, count, 3f);
        var u = Randn(rng, count);
        var a = new float[count];
        SwiGlu.Forward(g, u, count, a);
        AssertClose(a, SwiGlu.Reference(ToDouble(g), ToDouble(u)), 1e-6, "act");
    }

    [Theory]
    [InlineData(40)]
    [InlineData(4096 + 3)]
    public void Backward_matches_finite_differences(int count)
    {
        var rng = new Random(count + 1);
        var g = Randn(rng, count, 3f);
        var u = Randn(rng, count);
        var r = ToDouble(Randn(rng, count));
        var dg = new float[count];
        var du = new float[count];
        SwiGlu.Backward(r.Select(x => (float)x).ToArray(), g, u, count, dg, du);
        double[] gd = ToDouble(g), ud = ToDouble(u);
        double Loss() => Dot(SwiGlu.Reference(gd, ud), r);
        var some = Enumerable.Range(0, count).Where(i => i % 97 < 20).ToArray();
        AssertClose(dg, Numeric(Loss, gd, some), 1e-5, "dgate", some);
        AssertClose(du, Numeric(Loss, ud, some), 1e-5, "dup", some);
    }
}
