using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Verity.Rl.Config;
using Verity.Rl.Training;

namespace Verity.Rl.Demo;

/// <summary>The SFT start of one seed: what every preset begins from.</summary>
public sealed record SeedStart(int Seed, DemoAccuracy Sft, double Seconds);

/// <summary>Everything the comparison measured.</summary>
public sealed record ComparisonResult(IReadOnlyList<SeedStart> Starts, IReadOnlyList<PresetRun> Runs);

/// <summary>
/// The small-scale check of the seed papers' claims: per seed, SFT once (the demo's noisy-teacher
/// protocol), then for each preset <c>verity train</c> with that preset's file from the same SFT
/// checkpoint — its algorithm, optimizer and sampler settings — under the demo's sample budget, learning
/// rate and response length; then the held-out evaluation of the final checkpoint.
/// </summary>
public static class AlgorithmComparison
{
    public static ComparisonResult Run(ComparisonOptions c, TextWriter log)
    {
        var starts = new List<SeedStart>();
        var runs = new List<PresetRun>();
        foreach (int seed in c.Seeds)
        {
            var clock = Stopwatch.StartNew();
            string seedDir = Path.Combine(c.WorkDir, $"seed-{seed}");
            var o = c.Demo with { Seed = seed, RunDir = seedDir, SftCheckpoint = Path.Combine(seedDir, "sft") };
            var session = ArithmeticDemo.Sft(o, Path.Combine(seedDir, "sft"), new Random(seed), log, clock);
            var sft = DemoEvaluator.Evaluate(session, session.Model, o, salt: 1);
            starts.Add(new SeedStart(seed, sft, clock.Elapsed.TotalSeconds));
            log.WriteLine(Invariant($"seed {seed}: SFT held-out avg@{o.K} {sft.AvgAtK:P1}, greedy {sft.Greedy:P1}"));
            string prompts = WritePrompts(session, Path.Combine(seedDir, "train.jsonl"), o.RlSteps * o.PromptsPerStep * 2, seed);
            foreach (var preset in c.Presets)
            {
                var run = RunPreset(c, o, session, preset, prompts, sft, log);
                runs.Add(run);
                log.WriteLine(run.NotRun is { } why
                    ? $"  {preset}: not run: {why}"
                    : Invariant($"  {preset}: avg@{o.K} {run.AvgAtK:P1}, greedy {run.Greedy:P1}, steps to target {run.StepsToTarget?.ToString(CultureInfo.InvariantCulture) ?? "—"}, entropy {run.EntropyEnd:F3}, {run.Seconds:F0}s"));
            }
        }
        var result = new ComparisonResult(starts, runs);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(c.OutPath));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(c.OutPath, ComparisonTable.Markdown(c, result));
        log.WriteLine($"wrote {c.OutPath}");
        return result;
    }

    /// <summary>
    /// The overrides that put a preset on the demo task: the SFT checkpoint, the prompts, the demo's response
    /// length and learning rate, and the same samples per step for every preset (prompts = budget / n, so a
    /// preset's own n is kept); DAPO's generation batch keeps its 3× ratio and the overlong buffer its 1/5.
    /// </summary>
    public static List<string> Overrides(RunConfig preset, DemoOptions o, string modelDir, string prompts, string runDir)
    {
        int samples = o.PromptsPerStep * o.GroupSize;
        int n = preset.Rollout.N;
        if (samples % n != 0)
            throw new ArgumentException($"compare: {samples} samples per step is not a multiple of the preset's rollout.n={n}. HINT: choose prompts × group size divisible by every preset's n (e.g. 16 × 8)");
        int batch = samples / n;
        var list = new List<string>
        {
            $"model.path={modelDir}", $"data.train_files=[{prompts}]", "data.template=none", $"data.batch_size={batch}",
            Invariant($"rollout.max_new_tokens={o.MaxNewTokens}"), Invariant($"optim.lr={o.RlLr}"), $"optim.micro_batch={samples}",
            $"trainer.steps={o.RlSteps}", $"trainer.seed={o.Seed}", $"trainer.run_dir={runDir}", "trainer.completions_every=0",
        };
        if (preset.Data.GenBatchSize is int gen)
            list.Add($"data.gen_batch_size={Math.Max(batch, (int)Math.Round(batch * gen / (double)preset.Data.BatchSize))}");
        if (preset.Algorithm.Overlong.Punish || preset.Algorithm.Overlong.Filter)
            list.Add($"algorithm.overlong.buffer_len={Math.Max(1, o.MaxNewTokens / 5)}");
        return list;
    }

    static PresetRun RunPreset(ComparisonOptions c, DemoOptions o, DemoSession session, string preset, string prompts, DemoAccuracy sft, TextWriter log)
    {
        string path = Path.Combine(c.ConfigDir, preset + ".yaml");
        string runDir = Path.Combine(o.RunDir, preset);
        string record = Path.Combine(runDir, RecordFile);
        if (File.Exists(record))
        {
            log.WriteLine($"  {preset}: reusing the finished run in {runDir} (delete the folder to run it again)");
            return JsonSerializer.Deserialize<PresetRun>(File.ReadAllText(record))!;
        }
        if (c.ReuseOnly)
            return new PresetRun { Preset = preset, Seed = o.Seed, NotRun = $"no finished run in {runDir} (--reuse-only)" };
        var clock = Stopwatch.StartNew();
        try
        {
            if (!File.Exists(path))
                throw new FileNotFoundException($"{path}: preset not found. HINT: name a file of {c.ConfigDir}/ without .yaml", path);
            if (Directory.Exists(runDir)) Directory.Delete(runDir, recursive: true);
            var overrides = Overrides(ConfigLoader.Resolve(path), o, session.TokenizerDir, prompts, runDir);
            var notApplied = Trainer.NotYetApplied(ConfigLoader.Load(path, overrides)).ToList();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var trained = Trainer.Run(new TrainOptions { ConfigPath = path, Overrides = overrides, Progress = TextWriter.Null, PlainProgress = true });
            double seconds = clock.Elapsed.TotalSeconds;
            double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            var final = DemoSession.Load(o, trained.FinalCheckpoint ?? throw new InvalidOperationException($"{preset}: the trainer saved no final checkpoint"));
            var accuracy = DemoEvaluator.Evaluate(final, final.Model, o, salt: 2);
            var run = Summarize(preset, o.Seed, Path.Combine(runDir, "metrics.jsonl"), sft.AvgAtK + c.TargetGain) with
            {
                AvgAtK = accuracy.AvgAtK, Greedy = accuracy.Greedy, Seconds = seconds, CpuSeconds = cpuSeconds, NotApplied = notApplied,
            };
            File.WriteAllText(record, JsonSerializer.Serialize(run));
            return run;
        }
        catch (Exception ex) when (ex is NotSupportedException or ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
        {
            log.WriteLine($"  {preset}: {ex.Message}");
            return new PresetRun { Preset = preset, Seed = o.Seed, NotRun = ex.Message.ReplaceLineEndings(" ") };
        }
    }

    /// <summary>A finished preset run's figures, so that a later invocation (e.g. all seeds after one process per seed) reuses it.</summary>
    public const string RecordFile = "compare-run.json";

    /// <summary>Steps to target, end-of-run entropy and length, and the zero-advantage fraction, from a run's metrics.jsonl.</summary>
    public static PresetRun Summarize(string preset, int seed, string metricsPath, double target)
    {
        var rows = File.ReadLines(metricsPath).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        double Get(JsonElement row, string key) => row.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;
        var reward = rows.Select(r => Get(r, "reward")).ToArray();
        int? reached = null;
        for (int i = 9; i < reward.Length && reached is null; i++)
            if (reward[(i - 9)..(i + 1)].Average() >= target) reached = (int)Get(rows[i], "step");
        var tail = rows.Skip(rows.Count - Math.Max(1, rows.Count / 10)).ToList();
        return new PresetRun
        {
            Preset = preset, Seed = seed, StepsToTarget = reached,
            EntropyEnd = tail.Average(r => Get(r, "entropy")),
            LengthEnd = tail.Average(r => Get(r, "completions/mean_length")),
            ZeroAdvantageFraction = rows.Average(r => Get(r, "frac_reward_zero_std")),
        };
    }

    /// <summary>Fresh training problems (never held-out) as the prompts file of <c>verity train</c>.</summary>
    static string WritePrompts(DemoSession session, string path, int count, int seed)
    {
        var rng = new Random(seed + 3000);
        using var w = new StreamWriter(path);
        for (int i = 0; i < count; i++)
        {
            var p = session.Task.SampleTrain(rng);
            w.WriteLine(JsonSerializer.Serialize(new Dictionary<string, string> { ["prompt"] = p.Prompt, ["answer"] = p.Answer }));
        }
        return path;
    }

    static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
