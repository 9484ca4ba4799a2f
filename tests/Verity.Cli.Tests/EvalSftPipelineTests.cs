using System.Text.Json.Nodes;

namespace Verity.Cli.Tests;

/// <summary>
/// The generation-based commands end to end on a real tiny model: tokenizer train → init-model → eval
/// (random model) → sft → eval → data difficulty → data reject-sample, on a 3-problem --benchmark-file.
/// </summary>
public class EvalSftPipelineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-evalsft-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string P(string name) => Path.Combine(_dir, name);

    private static void Ok((int Code, string Out, string Err) r) => Assert.True(r.Code == 0, r.Err + r.Out);

    private static JsonObject Summary(string outDir) =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(Directory.GetFiles(outDir, "eval_*.json").Single()))!;

    private static readonly (int A, int B)[] Sums = [(3, 4), (10, 20), (7, 8)];

    private string[] Eval(string model, string outDir) =>
        ["eval", "--model", model, "--benchmark-file", $"tiny={P("problems.jsonl")}", "--k", "4", "--temperature", "0.6",
         "--max-new-tokens", "24", "--seed", "3", "--out", outDir];

    [Fact]
    public void Eval_scores_a_random_model_zero_and_an_sft_model_above_zero_and_the_data_steps_agree()
    {
        // Given a tokenizer and a random 1-layer model, and 3 problems with their SFT answers
        var rng = new Random(1);
        File.WriteAllLines(P("corpus.txt"), Enumerable.Range(0, 200).Select(_ => { int a = rng.Next(1, 50), b = rng.Next(1, 50); return $"What is {a} plus {b}? The answer is \\boxed{{{a + b}}}."; }));
        File.WriteAllLines(P("problems.jsonl"), Sums.Select((s, i) => new JsonObject { ["id"] = $"p{i}", ["problem"] = $"What is {s.A} plus {s.B}?", ["answer"] = $"{s.A + s.B}" }.ToJsonString()));
        File.WriteAllLines(P("pairs.jsonl"), Sums.Select(s => new JsonObject { ["prompt"] = $"What is {s.A} plus {s.B}?", ["response"] = $"The answer is \\boxed{{{s.A + s.B}}}." }.ToJsonString()));
        Ok(CliRunner.Run("tokenizer", "train", "--input", P("corpus.txt"), "--vocab-size", "300", "--out", P("m")));
        Ok(CliRunner.Run("init-model", "--family", "llama", "--hidden", "16", "--layers", "1", "--heads", "2", "--intermediate", "32", "--vocab", "300", "--std", "0.5", "--seed", "2", "--out", P("m")));

        // When the random model is evaluated, it is never right, and every file is written
        var random = CliRunner.Run(Eval(P("m"), P("eval0")));
        Ok(random);
        Assert.Contains("tiny       3", random.Out);
        var s0 = Summary(P("eval0"))["benchmarks"]!["tiny"]!;
        Assert.Equal(0.0, (double)s0["avg@4"]!);
        Assert.Equal(0.0, (double)s0["pass@4"]!);
        Assert.Equal(12, File.ReadAllLines(P("eval0/eval_samples.jsonl")).Length);

        // When it is fine-tuned on the answers and evaluated again
        var sft = CliRunner.Run("sft", $"model.path={P("m")}", $"data.train_files=[{P("pairs.jsonl")}]", "data.batch_size=3", "sft.epochs=60",
            "optim.lr=0.01", "optim.weight_decay=0", $"trainer.run_dir={P("run")}");
        Ok(sft);
        string tuned = P("run/checkpoint-60");
        Ok(CliRunner.Run(Eval(tuned, P("eval1"))));

        // Then accuracy is above zero and the metrics are consistent with the per-sample records
        var s1 = Summary(P("eval1"))["benchmarks"]!["tiny"]!;
        double avg = (double)s1["avg@4"]!, pass = (double)s1["pass@4"]!, maj = (double)s1["maj@4"]!;
        Assert.InRange(avg, 0.01, 1.0);
        Assert.True(pass >= avg);
        Assert.InRange(maj, 0.0, 1.0);
        var samples = File.ReadAllLines(P("eval1/eval_samples.jsonl")).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();
        Assert.Equal(avg, samples.Average(r => (int)r["score"]!), 12);
        Assert.All(samples, r => Assert.Equal((int)r["score"]! == 1, (string?)r["verdict"] == "correct"));
        var correctById = samples.GroupBy(r => (string)r["id"]!).ToDictionary(g => g.Key, g => g.Count(r => (int)r["score"]! == 1));
        Assert.Equal(pass, correctById.Values.Count(c => c > 0) / 3.0, 12);

        // The difficulty step, sampling with the same settings, finds the same per-problem pass rates
        Ok(CliRunner.Run("data", "difficulty", "--model", tuned, "--input", P("problems.jsonl"), "--output", P("diff.jsonl"), "--k", "4",
            "--temperature", "0.6", "--max-new-tokens", "24", "--seed", "3", "--removed", P("diff_removed.jsonl")));
        var rated = File.ReadAllLines(P("diff.jsonl")).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();
        Assert.Equal(3, rated.Count);                                           // the default band [0, 1] keeps all
        foreach (var row in rated)
        {
            double rate = (double)row["pass_rate"]!;
            Assert.Equal(correctById[(string)row["id"]!] / 4.0, rate, 12);
            Assert.Equal(rate < 0.2 ? "hard" : rate > 0.8 ? "easy" : "medium", (string?)row["tier"]);
        }

        // A band that excludes the solved problems removes them with the reason
        var band = CliRunner.Run("data", "difficulty", "--model", tuned, "--input", P("problems.jsonl"), "--output", P("diff2.jsonl"), "--k", "4",
            "--temperature", "0.6", "--max-new-tokens", "24", "--seed", "3", "--max-pass", "0");
        Ok(band);
        int unsolved = correctById.Values.Count(c => c == 0);
        Assert.Equal(unsolved, File.ReadAllLines(P("diff2.jsonl")).Length);
        Assert.Contains($"removed {3 - unsolved}", band.Out);
        Assert.Contains("above --max-pass", band.Out);

        // Rejection sampling keeps only responses the verifier accepts, one per solved problem
        var reject = CliRunner.Run("data", "reject-sample", "--model", tuned, "--input", P("problems.jsonl"), "--output", P("sft.jsonl"), "--k", "4",
            "--temperature", "0.6", "--max-new-tokens", "24", "--seed", "3");
        Ok(reject);
        var kept = File.ReadAllLines(P("sft.jsonl")).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();
        Assert.Equal(correctById.Values.Count(c => c > 0), kept.Count);
        Assert.All(kept, r => Assert.Equal(1, Verity.Rewards.Math.MathVerifier.Verify((string?)r["response"], (string?)r["answer"]).Score));
        Assert.Contains("kept", reject.Out);
    }

    [Fact]
    public void Unknown_benchmark_is_a_one_line_error_listing_the_known_ones()
    {
        var (code, _, err) = CliRunner.Run("eval", "--model", P("none"), "--benchmarks", "gsm9k");
        Assert.NotEqual(0, code);
        Assert.Contains("unknown benchmark \"gsm9k\"", err);
        Assert.Contains("math500", err);
        Assert.Single(err.Trim().Split('\n'));
    }
}
