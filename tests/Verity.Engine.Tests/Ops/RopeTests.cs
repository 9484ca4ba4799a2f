using Verity.Engine.Model;
using Verity.Engine.Ops;
using static Verity.Engine.Tests.Ops.GradCheck;

namespace Verity.Engine.Tests.Ops;

public class RopeTests
{
    static ModelConfig Config(int hd, double theta, Llama3RopeScaling? scaling = null) => new()
    {
        VocabSize = 10, HiddenSize = 8, IntermediateSize = 8, NumLayers = 1, NumHeads = 1, NumKvHeads = 1,
        HeadDim = hd, RopeTheta = theta, RopeScaling = scaling,
    };

    [Fact]
    public void Llama3_scaling_matches_transformers()
    {
        // Expected: transformers' _compute_llama3_parameters logic run in PyTorch 1.13 (float32) for
        // head_dim 16, θ 500000, factor 8, low 1, high 4, original max positions 64. Wavelengths
        // 6.3 (kept), 32.4 (blended band 16..64), ≥167 (divided by 8) cover all three branches.
        float[] expected = [1f, 0.079403013f, 0.00470075384f, 0.000911583134f, 0.000176776681f, 3.42810235e-05f, 6.64786967e-06f, 1.28917316e-06f];
        var f = Rope.InverseFrequencies(Config(16, 500000, new Llama3RopeScaling(8, 1, 4, 64)));
        Assert.Equal(expected.Length, f.Length);
        for (int j = 0; j < f.Length; j++) Assert.Equal(expected[j], f[j], expected[j] * 1e-6);
    }

    [Fact]
    public void Plain_inverse_frequencies_follow_theta_power_in_float32()
    {
        // transformers: 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim)), PyTorch 1.13 float32.
        var f = Rope.InverseFrequencies(Config(6, 10000));
        float[] expected = [1f, 0.046415884f, 0.00215443433f];
        Assert.Equal(expected.Length, f.Length);
        for (int j = 0; j < f.Length; j++) Assert.Equal(expected[j], f[j], expected[j] * 2e-7);
    }

    [Fact]
    public void Angles_match_transformers_float32_at_long_positions()
    {
        // transformers LlamaRotaryEmbedding (inv_freq @ position_ids in float32, then cos/sin), PyTorch 1.13, θ 100000,
        // head_dim 64 (SmolLM2), pairs j = 0, 1, 5, 31. A float64 angle gives cos 0.79250 instead of 0.79157 at
        // (30000, j=1): 9e-4 off, which this tolerance rejects.
        int[] positions = [1, 1000, 4095, 30000];
        int[] pairs = [0, 1, 5, 31];
        float[][] cos =
        [
            [0.540302336f, 0.766237974f, 0.986339152f, 1f],
            [0.562379062f, 0.922226131f, -0.521058321f, 0.999897361f],
            [-0.0659759939f, 0.331310809f, 0.592667103f, 0.998278737f],
            [-0.596429527f, 0.79156661f, 0.741978824f, 0.90900588f],
        ];
        float[][] sin =
        [
            [0.841470957f, 0.642556906f, 0.164727464f, 1.43301268e-05f],
            [0.826879561f, 0.38665092f, 0.853521109f, 0.0143296355f],
            [-0.997821212f, -0.943521678f, -0.805447519f, 0.0586481951f],
            [-0.802665412f, -0.611082911f, 0.670423329f, 0.416783363f],
        ];
        var table = new RopeTable(Rope.InverseFrequencies(Config(64, 100000)));
        table.EnsurePositions(30001);
        for (int i = 0; i < positions.Length; i++)
            for (int q = 0; q < pairs.Length; q++)
            {
                int at = positions[i] * 32 + pairs[q];
                Assert.Equal(cos[i][q], table.Cos[at], 3e-7);
                Assert.Equal(sin[i][q], table.Sin[at], 3e-7);
            }
    }

    [Theory]
    [InlineData(5, 3, 4)]
    [InlineData(4, 2, 18)]
    public void Forward_matches_reference_and_pairs_j_with_j_plus_half(int n, int heads, int hd)
    {
        var rng = new Random(hd);
        var x = Randn(rng, n * heads * hd);
        int[] pos = Enumerable.Range(0, n).Select(i => 3 * i + 1).ToArray();
        var inv = Rope.InverseFrequencies(Config(hd, 10000));
        var table = new RopeTable(inv);
        table.EnsurePositions(pos.Max() + 1);
        var y = (float[])x.Clone();
        Rope.Forward(y, pos, n, heads, hd, table);
        AssertClose(y, Rope.Reference(ToDouble(x), pos, n, heads, hd, inv), 1e-6, "rope");

        // rotate_half layout: element 0 pairs with element hd/2, angle = pos·inv_freq[0] = pos.
        double c = Math.Cos(pos[1]), s = Math.Sin(pos[1]);
        int o = heads * hd;
        Assert.Equal(x[o] * c - x[o + hd / 2] * s, y[o], 1e-5);
        Assert.Equal(x[o + hd / 2] * c + x[o] * s, y[o + hd / 2], 1e-5);
    }

    [Fact]
    public void Backward_matches_finite_differences()
    {
        int n = 7, heads = 3, hd = 4;
        var rng = new Random(3);
        var x = Randn(rng, n * heads * hd);
        var r = ToDouble(Randn(rng, x.Length));
        int[] pos = [0, 1, 2, 5, 9, 3, 100];
        var inv = Rope.InverseFrequencies(Config(hd, 500000, new Llama3RopeScaling(4, 1, 4, 16)));
        var table = new RopeTable(inv);
        table.EnsurePositions(101);
        var dx = r.Select(v => (float)v).ToArray();
        Rope.Backward(dx, pos, n, heads, hd, table);
        var xd = ToDouble(x);
        AssertClose(dx, Numeric(() => Dot(Rope.Reference(xd, pos, n, heads, hd, inv), r), xd), 1e-5, "dx");
    }
}
