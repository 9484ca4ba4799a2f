using Verity.Engine.Ops;
using static Verity.Engine.Tests.Ops.GradCheck;

namespace Verity.Engine.Tests.Ops;

public class RmsNormTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 12)]
    [InlineData(7, 37)]
    [InlineData(3, 129)]
    public void Forward_matches_float64_reference(int n, int c)
    {
        var rng = new Random(n * 100 + c);
        var x = Randn(rng, n * c);
        var w = Randn(rng, c);
        var y = new float[n * c];
        var rstd = new float[n];
        RmsNorm.Forward(x, w, n, c, 1e-5f, y, rstd);
        AssertClose(y, RmsNorm.Reference(ToDouble(x), ToDouble(w), n, c, 1e-5), 1e-6, "y");
    }

    [Theory]
    [InlineData(5, 12)]
    [InlineData(3, 37)]
    public void Backward_matches_finite_differences(int n, int c)
    {
        var rng = new Random(7 + c);
        var x = Randn(rng, n * c);
        var w = Randn(rng, c);
        var r = ToDouble(Randn(rng, n * c));
        var y = new float[n * c];
        var rstd = new float[n];
        RmsNorm.Forward(x, w, n, c, 1e-5f, y, rstd);
        var dy = r.Select(v => (float)v).ToArray();
        var dx = Randn(rng, n * c); // overwritten when accumulate is false
        var dw = new float[c];
        RmsNorm.Backward(dy, x, w, rstd, n, c, dx, accumulate: false, dw);

        var xd = ToDouble(x);
        var wd = ToDouble(w);
        double Loss() => Dot(RmsNorm.Reference(xd, wd, n, c, 1e-5), r);
        AssertClose(dx, Numeric(Loss, xd), 1e-5, "dx");
        AssertClose(dw, Numeric(Loss, wd), 1e-5, "dw");

        // accumulate: true adds onto what is there
        var dx2 = Enumerable.Repeat(1f, n * c).ToArray();
        RmsNorm.Backward(dy, x, w, rstd, n, c, dx2, accumulate: true, null);
        for (int i = 0; i < dx.Length; i++) Assert.Equal(dx[i] + 1f, dx2[i], 1e-5f);
    }
}
