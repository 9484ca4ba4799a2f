namespace Verity.Rl.Algorithms.Advantages;

/// <summary>Masked whitening over all batch tokens: (x − μ)/sqrt(var_unbiased + 1e-8), zero outside the mask (verl).</summary>
public static class Whitening
{
    public const double VarianceEpsilon = 1e-8;

    public static void InPlace(Span<double> values, ReadOnlySpan<double> mask)
    {
        double n = 0, sum = 0;
        for (int i = 0; i < values.Length; i++) { n += mask[i]; sum += values[i] * mask[i]; }
        if (n == 0) { values.Clear(); return; }
        double mean = sum / n, ss = 0;
        for (int i = 0; i < values.Length; i++) ss += mask[i] * (values[i] - mean) * (values[i] - mean);
        double variance = n > 1 ? ss / (n - 1) : 0;
        double inv = 1 / Math.Sqrt(variance + VarianceEpsilon);
        for (int i = 0; i < values.Length; i++) values[i] = (values[i] - mean) * inv * mask[i];
    }
}
