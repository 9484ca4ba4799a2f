using System.Globalization;
using System.Text;

namespace Verity.Eval.Tests;

/// <summary>
/// Two fake run directories of 50 steps each, shaped like what <c>verity train</c> writes, with the awkward bits a
/// report must survive: a torn last line, a null value, a metric only one run has, HTML in a completion.
/// </summary>
internal sealed class SyntheticRuns : IDisposable
{
    public const int Steps = 50;
    public const string Attack = "<script>alert('pwned')</script>";

    public static readonly string[] CommonMetrics =
    [
        "reward", "reward_std", "frac_reward_zero_std", "completions/mean_length", "completions/clipped_ratio",
        "entropy", "kl", "clip_ratio/low_mean", "clip_ratio/high_mean", "time/rollout", "time/update",
    ];

    public SyntheticRuns()
    {
        Root = Path.Combine(Path.GetTempPath(), "verity-eval-tests-" + Guid.NewGuid().ToString("N"));
        RunA = Path.Combine(Root, "grpo-a");
        RunB = Path.Combine(Root, "dapo-b");
        Write(RunA, seed: 0, lossType: "grpo", n: 8, withDaro: true);
        Write(RunB, seed: 1, lossType: "dapo", n: 16, withDaro: false);
        // A killed run: the last line was cut in the middle.
        File.AppendAllText(Path.Combine(RunA, "metrics.jsonl"), "{\"step\":51,\"rew");
    }

    public string Root { get; }
    public string RunA { get; }
    public string RunB { get; }

    /// <summary>Run B's kl is null at this step (a non-finite value), splitting its line in two.</summary>
    public const int NullKlStep = 20;

    private static void Write(string dir, int seed, string lossType, int n, bool withDaro)
    {
        Directory.CreateDirectory(dir);
        var sb = new StringBuilder();
        for (int step = 1; step <= Steps; step++)
        {
            double t = step / (double)Steps;
            var row = new List<string>
            {
                $"\"step\":{step}",
                F("reward", 0.2 + 0.6 * t + 0.05 * seed),
                F("reward_std", 0.3 - 0.1 * t),
                F("frac_reward_zero_std", 0.1 + 0.2 * t),
                F("completions/mean_length", 200 + 150 * t + 10 * seed),
                F("completions/clipped_ratio", 0.02 * t),
                F("entropy", 0.9 - 0.4 * t),
                seed == 1 && step == NullKlStep ? "\"kl\":null" : F("kl", 0.001 * step),
                F("clip_ratio/low_mean", 0.01 * t),
                F("clip_ratio/high_mean", 0.02 * t),
                F("time/rollout", 3.0 + seed),
                F("time/update", 1.0),
                "\"note\":\"strings are not plotted\"",
            };
            if (withDaro) row.Add(F("daro/weight_easy", 0.5 + 0.1 * Math.Sin(step)));
            sb.Append('{').AppendJoin(',', row).Append("}\n");
        }
        File.WriteAllText(Path.Combine(dir, "metrics.jsonl"), sb.ToString());
        File.WriteAllText(Path.Combine(dir, "config.yaml"), $"""
            model:
              path: tiny-llama
            algo:
              loss_type: {lossType}
              epsilon: 0.2
            rollout:
              n: {n}
              stop: ["</answer>", "\n\n"]
            seed: 42
            """);
        string pass1 = (0.4 + 0.1 * seed).ToString("R", CultureInfo.InvariantCulture);
        string avg4 = (0.5 + 0.1 * seed).ToString("R", CultureInfo.InvariantCulture);
        File.WriteAllText(Path.Combine(dir, "eval_gsm8k.json"), "{\"benchmark\":\"gsm8k\",\"pass@1\":" + pass1 + ",\"avg@4\":{\"accuracy\":" + avg4 + "}}");
        File.WriteAllText(Path.Combine(dir, "completions.jsonl"),
            $$"""
            {"step":10,"prompt":"What is 2+3? Use <answer></answer>.","completion":"{{Attack.Replace("'", "\\u0027")}} 5","reward":0,"answer":"5"}
            {"step":10,"prompt":"What is 2+3?","completion":"<answer>5</answer>","reward":1,"answer":"5"}
            {"step":50,"prompt":"What is 7*6?","completion":"<answer>42</answer> & done","reward":1,"answer":"42"}

            """.Replace("\r\n", "\n"));
    }

    private static string F(string name, double v) => $"\"{name}\":{v.ToString("R", CultureInfo.InvariantCulture)}";

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
