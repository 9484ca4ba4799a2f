namespace Verity.Rl.Algorithms.Daro;

/// <summary>Per-sample weight w_i as a function of the group's pass rate μ.</summary>
public delegate double SampleWeighting(double passRate);

/// <summary>
/// The unified view of DARO (arXiv 2510.09001, SEEDS.md): GRPO, DAPO, Lite PPO and Dr.GRPO are the GRPO
/// token-mean loss with a per-sample weight w_i: 1, 𝟙(0&lt;μ&lt;1), ∝√(μ(1−μ)), ∝√(μ(1−μ)). For 0/1 rewards
/// √(μ(1−μ)) is the (biased) group std, which is exactly what dividing by the std removes or keeps:
/// Dr.GRPO's advantage R − mean = GRPO's (R − mean)/std × std. Keyed by <c>algorithm.sample_weighting</c>.
/// </summary>
public static class SampleWeightings
{
    public static IReadOnlyDictionary<string, SampleWeighting> All { get; } = new Dictionary<string, SampleWeighting>
    {
        ["grpo"] = _ => 1,
        ["dapo"] = mu => mu > 0 && mu < 1 ? 1 : 0,
        ["lite_ppo"] = mu => Math.Sqrt(mu * (1 - mu)),
        ["dr_grpo"] = mu => Math.Sqrt(mu * (1 - mu)),
    };

    public static SampleWeighting Get(string name) => Registry.Resolve(All, name, "sample weighting (algorithm.sample_weighting)");

    /// <summary>[B] weight of each sequence from its group's pass rate (reward &gt; 0 counts as a pass).</summary>
    public static void PerSequence(SampleWeighting weighting, ReadOnlySpan<double> rewards, ReadOnlySpan<int> groups, Span<double> weights)
    {
        for (int b = 0; b < rewards.Length; b++)
            weights[b] = weighting(Advantages.GroupStatistics.PassRate(rewards, groups, groups[b]));
    }
}
