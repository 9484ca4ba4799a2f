using System.Text.Json;
using Verity.Hub.Checkpoints;
using Verity.Rl.Demo;

namespace Verity.Rl.Tests.Demo;

public class ArithmeticDemoTests
{
    /// <summary>
    /// The CI-sized demo: noisy-teacher SFT, then GRPO, on a model and tokenizer made on the spot.
    /// With 100 held-out problems × 4 samples, avg@4 moves by about ±5 points between seeds (2σ);
    /// RL must beat the SFT start by twice that, and greedy accuracy must not fall beyond noise.
    /// </summary>
    [Fact]
    public void Quick_demo_rl_beats_the_sft_plateau_beyond_seed_noise()
    {
        var dir = Directory.CreateTempSubdirectory("verity-demo-").FullName;
        try
        {
            var log = new StringWriter();
            var summary = ArithmeticDemo.Run(DemoOptions.Quick(dir), log);

            Assert.True(summary.SftAccuracy > 0.05, $"SFT should learn the task format and some arithmetic:\n{log}");
            Assert.True(summary.RlAccuracy - summary.SftAccuracy >= 0.10,
                $"avg@4 SFT {summary.SftAccuracy:P1} → RL {summary.RlAccuracy:P1}:\n{log}");
            Assert.True(summary.RlGreedyAccuracy >= summary.SftGreedyAccuracy - 0.05,
                $"greedy SFT {summary.SftGreedyAccuracy:P1} → RL {summary.RlGreedyAccuracy:P1}");

            // the run directory holds what the README promises
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
            foreach (var key in new[] { "sft_accuracy", "rl_accuracy", "sft_greedy_accuracy", "rl_greedy_accuracy", "k", "temperature", "heldout_size", "seconds" })
                Assert.True(json.RootElement.TryGetProperty(key, out _), key);
            Assert.Equal(DemoOptions.Quick(dir).RlSteps, File.ReadAllLines(Path.Combine(dir, "metrics.jsonl")).Length);
            var loaded = ModelFolder.Load(Path.Combine(dir, "model"));
            Assert.Equal(100, summary.HeldOutSize);
            Assert.True(loaded.Model.Parameters.Count > 0);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
