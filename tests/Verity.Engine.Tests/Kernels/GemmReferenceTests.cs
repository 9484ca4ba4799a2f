using Verity.Engine.Kernels;

namespace Verity.Engine.Tests.Kernels;

public class GemmReferenceTests
{
    [Fact]
    public void XWt_matches_a_hand_computed_product()
    {
        // x[2,3], w[2,3] → y[2,2] = x·wᵀ
        float[] x = [1, 2, 3, 4, 5, 6];
        float[] w = [1, 0, -1, 2, 1, 0];
        var y = new float[4];
        GemmReference.XWt(x, w, 2, 2, 3, y);
        Assert.Equal([-2f, 4f, -2f, 13f], y);
    }
}
