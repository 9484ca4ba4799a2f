namespace Verity.Engine.Tests.Ops;

/// <summary>Random data, float64 central differences and tolerance asserts shared by the op and model tests.</summary>
internal static class GradCheck
{
    /// <summary>Central-difference step on the float64 reference path: truncation ~h², rounding ~1e-16/h.</summary>
    public const double H = 1e-6;

    public static float[] Randn(Random rng, int n, float std = 1f)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = std * Verity.Engine.Model.TransformerModel.Gaussian(rng);
        return a;
    }

    public static double[] ToDouble(float[] a) => a.Select(v => (double)v).ToArray();

    /// <summary>d f / d x[i] for every i (or the given indices) by central differences; x is restored.</summary>
    public static double[] Numeric(Func<double> f, double[] x, IEnumerable<int>? indices = null)
    {
        var g = new double[x.Length];
        foreach (int i in indices ?? Enumerable.Range(0, x.Length))
        {
            double keep = x[i];
            x[i] = keep + H;
            double up = f();
            x[i] = keep - H;
            double down = f();
            x[i] = keep;
            g[i] = (up - down) / (2 * H);
        }
        return g;
    }

    public static double Dot(double[] a, double[] r)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * r[i];
        return s;
    }

    /// <summary>
    /// Scale-relative max error: max_i |actual_i − expected_i| / max(max_i |expected_i|, floor) over the indices.
    /// </summary>
    public static double RelError(ReadOnlySpan<float> actual, double[] expected, IEnumerable<int>? indices = null, double floor = 1e-6)
    {
        double err = 0, scale = floor;
        foreach (int i in indices ?? Enumerable.Range(0, expected.Length))
        {
            err = Math.Max(err, Math.Abs(actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }
        return err / scale;
    }

    public static void AssertClose(ReadOnlySpan<float> actual, double[] expected, double tol, string what, IEnumerable<int>? indices = null)
    {
        double e = RelError(actual, expected, indices);
        Assert.True(e <= tol, $"{what}: relative error {e:E2} > {tol:E0}");
    }
}
