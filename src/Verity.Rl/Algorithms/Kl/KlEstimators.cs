namespace Verity.Rl.Algorithms.Kl;

/// <summary>One token's KL estimate from δ = lp − lp_ref, and its derivative d/dδ (= d/dlp).</summary>
public delegate double KlEstimator(double delta, out double grad);

/// <summary>
/// KL estimators to a frozen reference, keyed by <c>algorithm.kl.type</c> (Schulman's k1/k2/k3; rl-anchors §2.4).
/// δ is clamped to ±20 and k3 to ≤10 as verl does; where a clamp is active the gradient is 0.
/// </summary>
public static class KlEstimators
{
    public const double MaxDelta = 20, MaxK3 = 10;

    public static IReadOnlyDictionary<string, KlEstimator> All { get; } = new Dictionary<string, KlEstimator>
    {
        // k1 = δ: unbiased, high variance, can be negative per token.
        ["k1"] = (double delta, out double grad) => Clamped(delta, out grad, d => (d, 1)),
        // k2 = δ²/2: biased, low variance, gradient is δ.
        ["k2"] = (double delta, out double grad) => Clamped(delta, out grad, d => (0.5 * d * d, d)),
        // k3 = e^{−δ} − 1 + δ (verl low_var_kl): unbiased, non-negative, gradient 1 − e^{−δ}.
        ["k3"] = (double delta, out double grad) =>
        {
            double value = Clamped(delta, out grad, d => (Math.Exp(-d) - 1 + d, 1 - Math.Exp(-d)));
            if (value > MaxK3) { grad = 0; return MaxK3; }
            return value;
        },
    };

    public static KlEstimator Get(string name) => Registry.Resolve(All, name, "KL estimator (algorithm.kl.type)");

    /// <summary>Per token: kl[i] and ∂kl/∂lp[i] over [B*T], zero outside the mask.</summary>
    public static void Compute(KlEstimator estimator, ReadOnlySpan<double> logProbs, ReadOnlySpan<double> refLogProbs,
        ReadOnlySpan<double> mask, Span<double> kl, Span<double> gradLogProb)
    {
        for (int i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0) { kl[i] = 0; gradLogProb[i] = 0; continue; }
            kl[i] = estimator(logProbs[i] - refLogProbs[i], out gradLogProb[i]);
        }
    }

    private static double Clamped(double delta, out double grad, Func<double, (double Value, double Grad)> f)
    {
        var (value, g) = f(Math.Clamp(delta, -MaxDelta, MaxDelta));
        grad = Math.Abs(delta) > MaxDelta ? 0 : g;
        return value;
    }
}
