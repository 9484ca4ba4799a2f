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
    /// short ones kept, the band between blended smoothly.
    /// </summary>
    public static double[] InverseFrequencies(ModelConfig config)
    {
        int half = config.HeadDim / 2;
        var f = new double[half];
        for (int j = 0; j < half; j++) f[j] = 1.0 / Math.Pow(config.RopeTheta, 2.0 * j / config.HeadDim);
        if (config.RopeScaling is { } s)
        {
            double lowWavelen = s.OriginalMaxPositionEmbeddings / s.LowFreqFactor;
            double highWavelen = s.OriginalMaxPositionEmbeddings / s.HighFreqFactor;
            for (int j = 0; j < half; j++)
            {
                double wavelen = 2 * Math.PI / f[j];
                if (wavelen < highWavelen) continue;
                if (wavelen > lowWavelen) { f[j] /= s.Factor; continue; }
                double smooth = (s.OriginalMaxPositionEmbeddings / wavelen - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
                f[j] = (1 - smooth) * f[j] / s.Factor + smooth * f[j];
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

    /// <summary>float64 reference: x [N, H·HD] → rotated copy.</summary>
    public static double[] Reference(double[] x, int[] positions, int n, int heads, int hd, double[] invFreq)
    {
        int half = hd / 2;
        var y = (double[])x.Clone();
        for (int i = 0; i < n; i++)
            for (int h = 0; h < heads; h++)
            {
                int o = (i * heads + h) * hd;
                for (int j = 0; j < half; j++)
                {
                    double ang = positions[i] * invFreq[j], c = Math.Cos(ang), s = Math.Sin(ang);
                    y[o + j] = x[o + j] * c - x[o + j + half] * s;
                    y[o + j + half] = x[o + j + half] * c + x[o + j] * s;
                }
            }
        return y;
    }
}

/// <summary>
/// cos/sin of pos·inv_freq[j] as float32 [positions, HD/2], computed in float64 and grown on demand.
/// (HF computes the angles in float32; float64 here is the more exact of the two.)
/// </summary>
public sealed class RopeTable
{
    readonly double[] _invFreq;
    int _positions;

    public RopeTable(double[] invFreq) => _invFreq = invFreq;

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
                double ang = p * _invFreq[j];
                cos[p * half + j] = (float)Math.Cos(ang);
                sin[p * half + j] = (float)Math.Sin(ang);
            }
        (Cos, Sin, _positions) = (cos, sin, cap);
    }
}
