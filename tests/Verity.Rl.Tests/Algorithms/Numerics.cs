namespace Verity.Rl.Tests.Algorithms;

/// <summary>Tolerance asserts and float64 central finite differences.</summary>
internal static class Numerics
{
    public static void Close(double expected, double actual, double tolerance = 1e-9, string? what = null)
    {
        if (double.IsNaN(actual) || Math.Abs(expected - actual) > tolerance)
            Assert.Fail($"{what ?? "value"}: expected {expected:R}, got {actual:R} (tolerance {tolerance})");
    }

    public static void AllClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tolerance = 1e-9, string what = "array")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Close(expected[i], actual[i], tolerance, $"{what}[{i}]");
    }

    /// <summary>∂f/∂x_i by central differences, h = 1e-6, for every i.</summary>
    public static double[] Gradient(Func<double[], double> f, double[] x, double h = 1e-6)
    {
        var grad = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            var plus = (double[])x.Clone(); plus[i] += h;
            var minus = (double[])x.Clone(); minus[i] -= h;
            grad[i] = (f(plus) - f(minus)) / (2 * h);
        }
        return grad;
    }

    public static double[] Random(Random rng, int n, double low, double high) =>
        Enumerable.Range(0, n).Select(_ => low + (high - low) * rng.NextDouble()).ToArray();
}
