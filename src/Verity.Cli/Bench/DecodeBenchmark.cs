using System.Diagnostics;
using Verity.Engine.Generation;
using Verity.Engine.Model;

namespace Verity.Cli.Bench;

/// <summary>
/// Generated tokens/s of the <see cref="Generator"/> (KV cache, continuous batching) for 1, 16 and 64
/// concurrent sequences, each with its own 64-token random prompt, sampling 256 new tokens at temperature 1
/// (32 with --quick; no stop token, so every sequence runs to the limit), prefill included in the time; against
/// a plain PyTorch KV-cache sampler. The single-sequence row also gives the memory-bandwidth bound:
/// weight bytes / measured read bandwidth, and the fraction of it reached.
/// </summary>
internal sealed class DecodeBenchmark : IBenchmarkFamily
{
    public string Name => "decode";

    public const int PromptTokens = 64;

    private sealed record Spec(ModelShapes.Shape Model, int Sequences, int NewTokens);

    static readonly int[] Concurrency = [1, 16, 64];

    public IReadOnlyList<BenchCase> Cases(bool quick)
    {
        int newTokens = ModelShapes.Tiny ? 8 : quick ? 32 : 256;
        return ModelShapes.For(quick, batch: 1, seq: PromptTokens)
            .SelectMany(s => Concurrency.Select(n => new BenchCase(Name, $"{s.Name}.x{n}", new Spec(s, n, newTokens))))
            .ToList();
    }

    public IReadOnlyList<BenchRow> Run(IReadOnlyList<BenchCase> cases, BenchSettings settings)
    {
        ReadBandwidth? probe = null;
        var rows = new List<BenchRow>();
        foreach (var group in cases.GroupBy(c => ((Spec)c.Spec).Model.Name))
        {
            var shape = ((Spec)group.First().Spec).Model;
            var model = ModelShapes.Build(shape.Config);
            long weightBytes = ModelShapes.WeightBytes(model);
            foreach (var c in group)
            {
                var spec = (Spec)c.Spec;
                // Single sequence: sample the read bandwidth before and after every timed generation, so the bound
                // and the decode rate come from the same minutes of this shared machine.
                if (spec.Sequences == 1) probe ??= new ReadBandwidth();
                var samples = new List<double>();
                Action? between = spec.Sequences == 1 ? () => samples.Add(probe!.Sample()) : null;
                var runs = Measure(model, spec, settings, between);
                double verity = spec.Sequences * spec.NewTokens / runs.Min(r => r.Seconds);
                settings.Log.WriteLine($"bench decode {c.Shape}: verity {verity:0.0} tokens/s");
                var extra = new Dictionary<string, object>
                {
                    ["layers"] = shape.Config.NumLayers, ["sequences"] = spec.Sequences, ["prompt_tokens"] = PromptTokens,
                    ["new_tokens"] = spec.NewTokens, ["weight_bytes"] = weightBytes,
                };
                string detail = $"L{shape.Config.NumLayers} {spec.Sequences} seq × {spec.NewTokens} new, prompt {PromptTokens}";
                if (spec.Sequences == 1)
                {
                    double bandwidth = samples.Max();
                    double bound = bandwidth * 1e9 / weightBytes;
                    double paired = PairedFraction(runs.Select(r => spec.NewTokens / r.Seconds).ToList(), samples, weightBytes);
                    double stepRate = runs.Max(r => r.DecodeStepsPerSecond);
                    double pairedSteps = PairedFraction(runs.Select(r => r.DecodeStepsPerSecond).ToList(), samples, weightBytes);
                    extra["read_gb_per_s"] = Math.Round(bandwidth, 2);
                    extra["bound_tokens_per_s"] = Math.Round(bound, 2);
                    extra["fraction_of_bound"] = Math.Round(verity / bound, 3);
                    extra["paired_fraction_of_bound"] = Math.Round(paired, 3);
                    extra["decode_steps_per_s"] = Math.Round(stepRate, 2);
                    extra["decode_fraction_of_bound"] = Math.Round(stepRate / bound, 3);
                    extra["paired_decode_fraction_of_bound"] = Math.Round(pairedSteps, 3);
                    detail += $"; bound {ModelShapes.Inv(bound)} tok/s ({ModelShapes.Inv(weightBytes / 1e9, "0.00")} GB / {ModelShapes.Inv(bandwidth)} GB/s), reached {ModelShapes.Inv(100 * verity / bound, "0")}% best/best, {ModelShapes.Inv(100 * paired, "0")}% paired; decode steps alone (prefill excluded) {ModelShapes.Inv(100 * stepRate / bound, "0")}% / {ModelShapes.Inv(100 * pairedSteps, "0")}%";
                    settings.Log.WriteLine($"bench decode {c.Shape}: {detail}");
                }
                var payload = new { model = shape.PeerJson, sequences = spec.Sequences, prompt = PromptTokens, new_tokens = spec.NewTokens };
                var (result, problem) = ModelPeer.Run("peer_decode.py", payload, settings);
                var (peer, peerName) = ModelPeer.Read(result, problem, "tokens_per_s", extra);
                settings.Log.WriteLine($"bench decode {c.Shape}: peer {(peer is { } p ? ModelShapes.Inv(p) : "n/a")} tokens/s");
                rows.Add(new BenchRow(Name, shape.Name, spec.Sequences, spec.NewTokens, settings.Threads, "tokens/s", verity, peer, peerName, detail, extra));
            }
        }
        return rows;
    }

    /// <summary>
    /// The median over timed runs of (run's rate) / (bound from the mean of the bandwidth samples just before and just
    /// after it). The VM's bandwidth drifts within seconds to minutes, so pairing each run with its neighbours compares
    /// like with like; best decode over best probe compares the two luckiest moments, which need not coincide.
    /// <paramref name="rates"/> [runs] are tokens/s with the prefill in the time, or decode steps/s without it.
    /// </summary>
    internal static double PairedFraction(IReadOnlyList<double> rates, IReadOnlyList<double> samples, long weightBytes)
    {
        var fractions = rates.Select((rate, r) => rate / ((samples[r] + samples[r + 1]) / 2 * 1e9 / weightBytes)).Order().ToList();
        return fractions.Count % 2 == 1 ? fractions[fractions.Count / 2] : (fractions[fractions.Count / 2 - 1] + fractions[fractions.Count / 2]) / 2;
    }

    /// <summary>One timed generation: wall seconds, prefill included, and decode steps per second, prefill excluded.</summary>
    private readonly record struct TimedRun(double Seconds, double DecodeStepsPerSecond);

    /// <summary>
    /// Each timed full generation, after a short warm-up generation; <paramref name="between"/> (if given) runs
    /// before every timed generation and after the last one, outside the timed region.
    /// </summary>
    static List<TimedRun> Measure(TransformerModel model, Spec spec, BenchSettings settings, Action? between)
    {
        var rng = new Random(3);
        var prompts = Enumerable.Range(0, spec.Sequences)
            .Select(_ => Enumerable.Range(0, PromptTokens).Select(_ => rng.Next(model.Config.VocabSize)).ToArray())
            .ToArray();
        GenerationRequest[] Requests(int newTokens) => prompts
            .Select((p, i) => new GenerationRequest(p, new SamplingParams { Temperature = 1f, MaxNewTokens = newTokens, Seed = (ulong)i }))
            .ToArray();
        var generator = new Generator(model, new GeneratorOptions { MaxConcurrentSequences = spec.Sequences, MaxKvBytes = 16L << 30 });
        generator.Generate(Requests(Math.Min(spec.NewTokens, 4)));
        var requests = Requests(spec.NewTokens);
        var runs = new List<TimedRun>();
        var total = Stopwatch.StartNew();
        for (int r = 0; r < settings.Repetitions; r++)
        {
            between?.Invoke();
            long t0 = Stopwatch.GetTimestamp();
            var result = generator.Generate(requests);
            double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            runs.Add(new TimedRun(seconds, result.Stats.DecodeSteps / (result.Stats.Seconds - result.Stats.PrefillSeconds)));
            if (result.Stats.GeneratedTokens != (long)spec.Sequences * spec.NewTokens)
                throw new InvalidOperationException($"decode bench: generated {result.Stats.GeneratedTokens} tokens, expected {spec.Sequences * spec.NewTokens}; a request failed: {result.Requests.FirstOrDefault(q => !q.Ok)?.Error}");
            if (total.Elapsed > settings.Budget) break;
        }
        between?.Invoke();
        return runs;
    }
}
