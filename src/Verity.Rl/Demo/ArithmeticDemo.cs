using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Verity.Rl.Demo;

/// <summary>What <c>summary.json</c> holds.</summary>
public sealed record DemoSummary(double SftAccuracy, double RlAccuracy, double SftGreedyAccuracy, double RlGreedyAccuracy,
    int K, double Temperature, [property: JsonPropertyName("heldout_size")] int HeldOutSize, double Seconds);

/// <summary>
/// The demo, end to end: tokenizer → model → noisy-teacher SFT → evaluation → GRPO → evaluation →
/// summary.json. Every part is the product's own (BPE trainer, engine, generator, math verifier, RL
/// step); only the task is synthetic.
/// </summary>
public static class ArithmeticDemo
{
    public static DemoSummary Run(DemoOptions o, TextWriter log)
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(o.RunDir);
        string modelDir = Path.Combine(o.RunDir, "model");
        var rng = new Random(o.Seed);

        // 1–3. tokenizer and model made on the spot, SFT on the noisy teacher (or a saved SFT checkpoint)
        var session = Sft(o, modelDir, rng, log, clock);
        var sft = DemoEvaluator.Evaluate(session, session.Model, o, salt: 1);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"after SFT: held-out avg@{o.K} (T={o.Temperature}) {sft.AvgAtK:P1}, greedy {sft.Greedy:P1}  {clock.Elapsed.TotalSeconds:F0}s"));

        // 4. GRPO on fresh training problems
        DemoGrpo.Run(session, o, new Random(o.Seed + 2000), log, clock);
        var after = DemoEvaluator.Evaluate(session, session.Model, o, salt: 2);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"after GRPO: held-out avg@{o.K} (T={o.Temperature}) {after.AvgAtK:P1}, greedy {after.Greedy:P1}"));

        // 5. results: the trained model as a Hugging Face folder, and summary.json
        session.Save(modelDir);
        var summary = new DemoSummary(sft.AvgAtK, after.AvgAtK, sft.Greedy, after.Greedy, o.K, o.Temperature, o.HeldOut, clock.Elapsed.TotalSeconds);
        File.WriteAllText(Path.Combine(o.RunDir, "summary.json"), JsonSerializer.Serialize(summary, SummaryJson));
        log.WriteLine($"wrote {Path.Combine(o.RunDir, "summary.json")} and the trained model in {modelDir} ({clock.Elapsed.TotalSeconds:F0}s)");
        return summary;
    }

    /// <summary>
    /// The SFT model: loaded from <see cref="DemoOptions.SftCheckpoint"/> when that folder holds one, else made
    /// and fine-tuned here (and saved there when it is set, for the next run or the algorithm comparison).
    /// </summary>
    public static DemoSession Sft(DemoOptions o, string modelDir, Random rng, TextWriter log, Stopwatch clock)
    {
        if (o.SftCheckpoint is { } cached && DemoSession.IsSaved(cached))
        {
            log.WriteLine($"sft: loaded the SFT model from {cached}");
            return DemoSession.Load(o, cached);
        }
        Directory.CreateDirectory(modelDir);
        var session = DemoSession.Create(o, modelDir, rng);
        log.WriteLine($"demo: {session.Model.Parameters.Sum(p => (long)p.Length):N0}-parameter Llama-style model, {session.Tokenizer.VocabSize}-token BPE tokenizer, run dir {o.RunDir}");
        DemoSft.Run(session, o, rng, log, clock);
        if (o.SftCheckpoint is { } dir) session.Save(dir);
        return session;
    }

    static readonly JsonSerializerOptions SummaryJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };
}
