using Verity.Engine.Generation;
using Verity.Engine.Model;
using Verity.Engine.Optim;
using Verity.Rl.Algorithms;
using Verity.Rl.Config;
using Verity.Rl.Training;

namespace Verity.Rl.Tests.Training;

/// <summary>
/// DAPO refill and the online pass-rate filter inside one step. Prompts carry their reward rule in the answer:
/// "one" (every response rewarded: zero std), "zero" (none: zero std), "mix" (rewarded iff the first token is
/// below 10: about half, so a mixed group).
/// </summary>
public class DynamicSamplingStepTests
{
    private static RlContext Context(AlgorithmSection algorithm, int batch = 4, int? gen = 4)
    {
        var model = TinyPolicy.Create(3);
        var config = new RunConfig
        {
            Data = new DataSection { BatchSize = batch, GenBatchSize = gen },
            Rollout = new RolloutSection { N = 8, Temperature = 1.0, MaxNewTokens = 3 },
            Algorithm = algorithm with { AdvEstimator = "grpo" },
            Optim = new OptimSection { Lr = 0.02, WeightDecay = 0, MicroBatch = 8 },
            Trainer = new TrainerSection { Seed = 5 },
        };
        return new RlContext
        {
            Policy = model,
            Optimizer = new AdamW(model.Parameters, new AdamWOptions { LearningRate = 0.02, WeightDecay = 0 }),
            Generator = new Generator(model),
            Decode = ids => string.Join(' ', ids),
            Reward = (response, answer) => answer switch
            {
                "one" => 1.0,
                "zero" => 0.0,
                _ => int.Parse(response.Split(' ')[0]) < 10 ? 1.0 : 0.0,
            },
            Config = config,
            Setup = AlgorithmSetup.From(config),
        };
    }

    /// <summary>An endless prompt stream; records how many prompts each draw asked for.</summary>
    private sealed class Stream(Func<int, string> answerOf)
    {
        public List<int> Draws { get; } = [];
        public int Drawn => Draws.Sum();

        public IReadOnlyList<RlPrompt> Next(int n)
        {
            var batch = Enumerable.Range(Drawn, n).Select(k => new RlPrompt([1 + k % 7, 2, 3], answerOf(k))).ToList();
            Draws.Add(n);
            return batch;
        }
    }

    private static readonly AlgorithmSection Dapo = new() { DynamicSampling = new DynamicSamplingSection { Enable = true, MaxGenBatches = 5 } };

    private static double TokensOf(IEnumerable<RlSample> samples) => samples.Sum(s => s.ResponseIds.Length);

    [Fact]
    public void Refill_generates_rounds_until_batch_size_informative_groups_and_trains_on_the_first_of_them()
    {
        // Given a stream where every other prompt is all-rewarded (zero std)
        var stream = new Stream(k => k % 2 == 0 ? "one" : "mix");

        // When a DAPO step wants 4 groups from rounds of 4 prompts
        var result = RlStep.Run(Context(Dapo), stream.Next, 1, 0.02);

        // Then it ran two rounds of gen_batch_size prompts (2 informative groups each), drew nothing more
        var m = result.Metrics;
        Assert.Equal([4, 4], stream.Draws);
        Assert.Equal(2, m["dynamic_sampling/gen_batches"]);
        Assert.Equal(4, m["dynamic_sampling/kept_groups"]);
        Assert.Equal(1, m["dynamic_sampling/batch_full"]);
        Assert.Equal(0.5, m["frac_reward_zero_std"]); // before the filter, over both rounds
        Assert.Equal(8 * 8, result.Samples.Count);
        Assert.Equal(Enumerable.Range(0, 8), result.Samples.Select(s => s.Group).Distinct());

        // and trained on exactly the responses of the mixed groups 1, 3, 5, 7
        Assert.Equal(TokensOf(result.Samples.Where(s => s.Group % 2 == 1)), m["num_tokens"]);
    }

    [Fact]
    public void Refill_keeps_only_the_first_batch_size_groups_when_a_round_overshoots()
    {
        var stream = new Stream(_ => "mix");
        var result = RlStep.Run(Context(Dapo, batch: 2, gen: 6), stream.Next, 1, 0.02);
        Assert.Equal([6], stream.Draws);
        Assert.Equal(2, result.Metrics["dynamic_sampling/kept_groups"]);
        Assert.Equal(TokensOf(result.Samples.Where(s => s.Group < 2)), result.Metrics["num_tokens"]);
    }

    [Fact]
    public void Refill_stops_after_max_gen_batches_and_says_the_batch_is_not_full()
    {
        var stream = new Stream(_ => "zero");
        var result = RlStep.Run(Context(Dapo), stream.Next, 1, 0.02);
        Assert.Equal([4, 4, 4, 4, 4], stream.Draws);
        Assert.Equal(5, result.Metrics["dynamic_sampling/gen_batches"]);
        Assert.Equal(0, result.Metrics["dynamic_sampling/batch_full"]);
        Assert.False(result.Metrics.ContainsKey("loss")); // nothing to train on
    }

    [Fact]
    public void Round_seeds_differ_so_a_refilled_prompt_is_not_a_copy_of_the_first_round()
    {
        // the same prompt in rounds 1 and 2 must be sampled with different seeds
        var stream = new Stream(k => k < 4 ? "one" : "mix");
        var result = RlStep.Run(Context(Dapo, batch: 4, gen: 4), n => stream.Next(n).Select(p => p with { PromptIds = [1, 2, 3] }).ToList(), 1, 0.02);
        var round1 = result.Samples.Where(s => s.Group < 4).Select(s => string.Join(',', s.ResponseIds)).ToList();
        var round2 = result.Samples.Where(s => s.Group >= 4).Select(s => string.Join(',', s.ResponseIds)).ToList();
        Assert.NotEqual(round1, round2);
    }

    [Fact]
    public void Without_dynamic_sampling_one_round_of_batch_size_prompts_is_drawn_and_gen_batch_size_is_unused()
    {
        var stream = new Stream(k => k % 2 == 0 ? "one" : "mix");
        var result = RlStep.Run(Context(new AlgorithmSection(), batch: 4, gen: 12), stream.Next, 1, 0.02);
        Assert.Equal([4], stream.Draws);
        Assert.False(result.Metrics.ContainsKey("dynamic_sampling/gen_batches"));
        Assert.Equal(TokensOf(result.Samples), result.Metrics["num_tokens"]); // zero-std groups are trained on (advantage 0)
    }

    [Fact]
    public void Online_pass_rate_filter_drops_groups_outside_the_band_and_refills_them()
    {
        // Given groups with pass rate 1, 0 and about ½, in turn
        var stream = new Stream(k => (k % 3) switch { 0 => "one", 1 => "zero", _ => "mix" });
        var band = new AlgorithmSection { PassRateFilter = new PassRateFilterSection { Enable = true, Low = 0.1, High = 0.9 } };

        // Without refill: one round of 6; the two mixed groups are trained on
        var plain = RlStep.Run(Context(band, batch: 6, gen: null), stream.Next, 1, 0.02);
        Assert.Equal(4 / 6.0, plain.Metrics["pass_rate_filter/frac_dropped"], 12);
        Assert.Equal(TokensOf(plain.Samples.Where(s => s.Group % 3 == 2)), plain.Metrics["num_tokens"]);

        // With dynamic sampling: rounds of 6 until 4 groups in the band are kept
        var refill = new Stream(k => (k % 3) switch { 0 => "one", 1 => "zero", _ => "mix" });
        var result = RlStep.Run(Context(band with { DynamicSampling = Dapo.DynamicSampling }, batch: 4, gen: 6), refill.Next, 1, 0.02);
        Assert.Equal([6, 6], refill.Draws);
        Assert.Equal(4, result.Metrics["dynamic_sampling/kept_groups"]);
        Assert.Equal(TokensOf(result.Samples.Where(s => s.Group % 3 == 2)), result.Metrics["num_tokens"]);
    }
}
