using Verity.Engine.Ops;
using static Verity.Engine.Tests.Ops.GradCheck;

namespace Verity.Engine.Tests.Ops;

public class LinearTests
{
    [Theory]
    [InlineData(7, 20, 12, true)]
    [InlineData(3, 5, 33, false)]
    public void Forward_and_backward_match_float64(int n, int outDim, int inDim, bool withBias)
    {
        var rng = new Random(n + outDim + inDim);
        var x = Randn(rng, n * inDim);
        var w = Randn(rng, outDim * inDim);
        var b = withBias ? Randn(rng, outDim) : null;
        var y = new float[n * outDim];
        Linear.Forward(x, w, b, n, outDim, inDim, y);
        double[] xd = ToDouble(x), wd = ToDouble(w);
        double[]? bd = b is null ? null : ToDouble(b);
        AssertClose(y, Linear.Reference(xd, wd, bd, n, outDim, inDim), 1e-6, "y");

        var r = ToDouble(Randn(rng, n * outDim));
        var dx = new float[n * inDim];
        var dw = Enumerable.Repeat(0.5f, outDim * inDim).ToArray(); // dW accumulates
        var db = withBias ? new float[outDim] : null;
        Linear.Backward(r.Select(v => (float)v).ToArray(), x, w, n, outDim, inDim, dx, false, dw, db);
        double Loss() => Dot(Linear.Reference(xd, wd, bd, n, outDim, inDim), r);
        AssertClose(dx, Numeric(Loss, xd), 1e-5, "dx");
        var nw = Numeric(Loss, wd).Select(v => v + 0.5).ToArray();
        AssertClose(dw, nw, 1e-5, "dw");
        if (withBias) AssertClose(db, Numeric(Loss, bd!), 1e-5, "db");
    }
}
