using Verity.Engine.Ops;
using static Verity.Engine.Tests.Ops.GradCheck;

namespace Verity.Engine.Tests.Ops;

public class EmbeddingTests
{
    [Fact]
    public void Forward_gathers_rows_and_backward_sums_repeated_tokens()
    {
        int v = 37, c = 12;
        var rng = new Random(1);
        var e = Randn(rng, v * c);
        int[] tokens = [3, 36, 3, 0, 17, 3, 36];
        var x = new float[tokens.Length * c];
        Embedding.Forward(e, tokens, tokens.Length, c, x);
        Assert.Equal(Embedding.Reference(ToDouble(e), tokens, c).Select(d => (float)d), x);

        var r = ToDouble(Randn(rng, x.Length));
        var de = new float[v * c];
        Embedding.Backward(r.Select(d => (float)d).ToArray(), tokens, tokens.Length, c, de);
        var ed = ToDouble(e);
        AssertClose(de, Numeric(() => Dot(Embedding.Reference(ed, tokens, c), r), ed), 1e-6, "dE");
    }
}
