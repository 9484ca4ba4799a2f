using Verity.Engine.Model;

namespace Verity.Engine.Ops;

/// <summary>
/// Rotary position embedding, HF <c>rotate_half</c> layout (non-interleaved): within each head the pairs
/// are (j, j + HD/2) and rotate by angle pos·inv_freq[j]:
/// y_j = x_j·cos − x_{j+HD/2}·sin, y_{j+HD/2} = x_{j+HD/2}·cos + x_j·sin.
/// Applied in place to q [N, NH·HD] or k [N, NKV·HD] with one position per row.
/// </summary>
public static class Rope
{
    /// <summary>
    /// inv_freq[j] = θ^(−2j/HD) for j &lt; HD/2, with Llama 3 scaling when configured
    /// (transformers <c>_compute_llama3_parameters</c>): long wavelengths divided by the factor,
    /// short ones kept, the band between blended smoothly. Computed in float32 step by step as transformers
    /// does, so the angles match the ones the checkpoint was trained with (see <see cref="RopeTable"/>).
    /// </summary>
    public static float[] InverseFrequencies(ModelConfig config)
    {
        int half = config.HeadDim / 2;
        var f = new float[half];
        float theta = (float)config.RopeTheta, dim = config.HeadDim;
        for (int j = 0; j < half; j++) f[j] = 1f / (float)Math.Pow(theta, 2f * j / dim); // powf, correctly rounded
        if (config.RopeScaling is { } s)
        {
            float factor = (float)s.Factor, old = (float)s.OriginalMaxPositionEmbeddings;
            float lowWavelen = (float)(s.OriginalMaxPositionEmbeddings / s.LowFreqFactor);
            float highWavelen = (float)(s.OriginalMaxPositionEmbeddings / s.HighFreqFactor);
            float low = (float)s.LowFreqFactor, band = (float)(s.HighFreqFactor - s.LowFreqFactor);
            for (int j = 0; j < half; j++)
            {
                float wavelen = (float)(2 * Math.PI) / f[j];
                if (wavelen < highWavelen) continue;
                if (wavelen > lowWavelen) { f[j] /= factor; continue; }
                float smooth = (old / wavelen - low) / band;
                f[j] = (1 - smooth) * f[j] / factor + smooth * f[j];
            }
        }
        return f;
    }

    /// <summary>x [N, H·HD] rotated in place by positions [N]; table supplies cos/sin [pos, HD/2].</summary>
    public static void Forward(float[] x, int[] positions, int n, int heads, int hd, RopeTable table)
        => Rotate(x, positions, n, heads, hd, table, sign: 1f);

    /// <summary>Backward is the inverse rotation applied in place to dy [N, H·HD] (giving dx).</summary>
    public static void Backward(float[] dy, int[] positions, int n, int heads, int hd, RopeTable table)
        => Rotate(dy, positions, n, heads, hd, table, sign: -1f);

    static void Rotate(float[] x, int[] positions, int n, int heads, int hd, RopeTable table, float sign)
    {
        int half = hd / 2;
        float[] cos = table.Cos, sin = table.Sin;
        RowParallel.For(n, 3L * heads * hd, (start, end) =>
        {
            for (int i = start; i < end; i++)
            {
                int tb = positions[i] * half;
                for (int h = 0; h < heads; h++)
                {
                    int o = (i * heads + h) * hd;
                    for (int j = 0; j < half; j++)
                    {
                        float c = cos[tb + j], s = sign * sin[tb + j];
                        float a = x[o + j], b = x[o + j + half];
                        x[o + j] = a * c - b * s;
                        x[o + j + half] = b * c + a * s;
                    }
                }
            }
        });
    }

    /// <summary>float64 reference: x [N, H·HD] → rotated copy, by the same float32 angles as <see cref="RopeTable"/>.</summary>
    public static double[] Reference(double[] x, int[] positions, int n, int heads, int hd, float[] invFreq)
    {
        int half = hd / 2;
        var y = (double[])x.Clone();
        for (int i = 0; i < n; i++)
            for (int h = 0; h < heads; h++)
            {
                int o = (i * heads + h) * hd;
                for (int j = 0; j < half; j++)
                {
                    double ang = RopeTable.Angle(positions[i], invFreq[j]), c = Math.Cos(ang), s = Math.Sin(ang);
                    y[o + j] = x[o + j] * c - x[o + j + half] * s;
                    y[o + j + half] = x[o + j + half] * c + x[o + j] * s;
                }
            }
        return y;
    }
}

/// <summary>
/// cos/sin of pos·inv_freq[j] as float32 [positions, HD/2], grown on demand. The angle is the float32 product, as
/// transformers forms it (float32 inv_freq times float32 positions), and its cos/sin are correctly rounded. An exact
/// float64 angle would be "more exact" but is not what the checkpoint saw: at position 30,000 with θ = 100,000 the
/// two differ by 9e-4 in cos, enough to move log-probs visibly against a transformers reference.
/// </summary>
public sealed class RopeTable
{
    readonly float[] _invFreq;
    int _positions;

    public RopeTable(float[] invFreq) => _invFreq = invFreq;

    /// <summary>The rotation angle transformers uses: float32 position × float32 inv_freq, rounded to float32.</summary>
    public static float Angle(int position, float invFreq) => (float)position * invFreq;

    public float[] Cos { get; private set; } = [];

    public float[] Sin { get; private set; } = [];

    /// <summary>Makes positions [0, count) available.</summary>
    public void EnsurePositions(int count)
    {
        if (count <= _positions) return;
        int half = _invFreq.Length;
        int cap = Math.Max(count, 2 * _positions);
        var cos = new float[cap * half];
        var sin = new float[cap * half];
        for (int p = 0; p < cap; p++)
            for (int j = 0; j < half; j++)
            {
                double ang = Angle(p, _invFreq[j]);
                cos[p * half + j] = (float)Math.Cos(ang);
                sin[p * half + j] = (float)Math.Sin(ang);
            }
        (Cos, Sin, _positions) = (cos, sin, cap);
    }
}
