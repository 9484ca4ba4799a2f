using Verity.Engine.Generation;
using Verity.Engine.Model;
using Verity.Engine.Optim;
using Verity.Rewards.Code;
using Verity.Rl.Algorithms;
using Verity.Rl.Config;
using Verity.Rl.Rollout;
using Verity.Rl.Training;

namespace Verity.Rl.Tests.Rollout;

/// <summary><see cref="RlStep"/> end to end with rollout.tool=code_interpreter on a tiny random model.</summary>
[Collection("sandbox")]
public sealed class ToolRlStepTests(SandboxFixture fixture)
{
    // A word-piece vocabulary in which random tokens often open and close python blocks. Id 0 is EOS.
    private static readonly string[] Pieces =
        ["", "```python\n", "print(6*7)", "\n```", "\n", "\n```output\n", "\n```\n", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", " ", "?", "x", "```output\n"];

    private static string Decode(int[] ids) => string.Concat(ids.Select(id => Pieces[id]));

    /// <summary>Greedy longest match; characters no piece starts with become "?".</summary>
    private static int[] Encode(string text)
    {
        var ids = new List<int>();
        for (int i = 0; i < text.Length;)
        {
            int best = 18, length = 1;
            for (int id = 1; id < Pieces.Length; id++)
                if (Pieces[id].Length > (best == 18 ? 0 : length) && string.CompareOrdinal(text, i, Pieces[id], 0, Pieces[id].Length) == 0)
                    (best, length) = (id, Pieces[id].Length);
            ids.Add(best);
            i += length;
        }
        return [.. ids];
    }

    private RlContext Context(TransformerModel model, bool withTool = true)
    {
        var config = new RunConfig
        {
            Data = new DataSection { BatchSize = 4 },
            Rollout = new RolloutSection { N = 8, Temperature = 1.0, MaxNewTokens = 40, Tool = "code_interpreter", MaxTurns = 2, ToolOutputMaxChars = 16 },
            Algorithm = new AlgorithmSection { AdvEstimator = "grpo", PolicyLoss = "ppo_clip", LossAggMode = "token_mean" },
            Optim = new OptimSection { Lr = 0.02, WeightDecay = 0, MicroBatch = 8 },
            Trainer = new TrainerSection { Seed = 5 },
        };
        var runner = new ProgramRunner(fixture.Sandbox, CodeInterpreterRollout.Limits(config.Rollout with { ToolTimeout = 10, ToolMemoryMb = 512 }), workers: 2);
        return new RlContext
        {
            Policy = model,
            Optimizer = new AdamW(model.Parameters, new AdamWOptions { LearningRate = 0.02, WeightDecay = 0 }),
            Generator = new Generator(model),
            Decode = Decode,
            // rewards responses that used the tool: groups are mixed, so there is a gradient
            Reward = (response, _) => response.Contains("```output", StringComparison.Ordinal) ? 1.0 : 0.0,
            Config = config,
            Setup = AlgorithmSetup.From(config),
            StopTokenIds = [0],
            ToolRollout = withTool ? new CodeInterpreterRollout(runner, Encode, config.Rollout.MaxTurns, config.Rollout.ToolOutputMaxChars) : null,
        };
    }

    private static TransformerModel Tiny()
    {
        var m = new TransformerModel(new ModelConfig
        {
            VocabSize = Pieces.Length, HiddenSize = 16, IntermediateSize = 32, NumLayers = 2, NumHeads = 4, NumKvHeads = 2, HeadDim = 4,
            TieWordEmbeddings = true, MaxPositionEmbeddings = 64,
        });
        m.InitRandom(3, std: 0.1f);
        return m;
    }

    private static List<RlPrompt> Prompts() => Enumerable.Range(0, 4).Select(i => new RlPrompt([7 + i, 17, 8 + i], "")).ToList();

    [Fact]
    public void A_tool_step_completes_and_keeps_masks_consistent()
    {
        // Given a random policy and the plain rollout the step would draw without the tool (same requests and seeds)
        var ctx = Context(Tiny());
        var r = ctx.Config.Rollout;
        var sampling = new SamplingParams { N = r.N, Temperature = 1, TopP = 1, MaxNewTokens = r.MaxNewTokens };
        var plain = ctx.Generator.Generate(Prompts().Select((p, i) =>
            new GenerationRequest(p.PromptIds, sampling with { Seed = RlStep.SeedFor(5, 1, i) }) { StopTokenIds = [0] }).ToList());

        // When one step runs with rollout.tool=code_interpreter
        var result = RlStep.Run(ctx, Prompts(), 1, 0.02);
        var m = result.Metrics;

        // Then code ran, and every response's mask marks exactly its tool replies (no rollout log-prob there)
        Assert.True(m["tool/calls_mean"] >= 0.1, $"tool/calls_mean = {m["tool/calls_mean"]}");
        Assert.Equal(32, result.Samples.Count);
        long generated = 0, total = 0;
        foreach (var s in result.Samples)
        {
            var mask = s.LossMask!;
            Assert.Equal(s.ResponseIds.Length, mask.Length);
            Assert.Equal(s.ResponseIds.Length, s.RolloutLogProbs.Length);
            Assert.True(s.ResponseIds.Length <= r.MaxNewTokens);
            int replies = 0;
            for (int k = 0; k < mask.Length; k++)
            {
                Assert.Equal(mask[k] == 0, s.RolloutLogProbs[k] == 0);
                if (mask[k] == 0 && (k == 0 || mask[k - 1] == 1))
                {
                    replies++;
                    Assert.Contains(s.ResponseIds[k], (int[])[5, 20]); // a reply starts with its output fence
                }
            }
            Assert.InRange(replies, 0, r.MaxTurns);
            generated += mask.Count(x => x == 1);
            total += mask.Length;

            // and a response that never called the tool is exactly the plain rollout's sample
            if (replies == 0)
            {
                int j = result.Samples.Where(x => x.Group == s.Group).ToList().IndexOf(s);
                Assert.Equal(plain.Requests[s.Group].Samples[j].CompletionIds, s.ResponseIds);
            }
        }
        // and the loss counted only generated tokens
        Assert.Equal(generated, m["num_tokens"]);
        Assert.True(generated < total);
        // and the learner agrees with the sampler on every generated token: after a re-prefill, the policy log-probs of
        // later turns are those of the whole sequence (an unmasked tool token would show up here as a gap of ~3 nats)
        Assert.True(m["rollout/logprob_mismatch_max"] < 1e-4, $"mismatch {m["rollout/logprob_mismatch_max"]}");
        Assert.True(double.IsFinite(m["loss"]) && m["grad_norm"] > 0);

        // and a second step runs too
        var next = RlStep.Run(ctx, Prompts(), 2, 0.02);
        Assert.True(double.IsFinite(next.Metrics["loss"]));
    }

    [Fact]
    public void Same_seed_same_tool_rollout()
    {
        // Given two runs from the same initial weights and seed
        var a = RlStep.Run(Context(Tiny()), Prompts(), 1, 0.02);
        var b = RlStep.Run(Context(Tiny()), Prompts(), 1, 0.02);

        // Then every response, its mask and its log-probs are the same (later rounds draw from derived seeds)
        Assert.True(a.Metrics["tool/calls_mean"] > 0);
        Assert.Equal(a.Samples.Count, b.Samples.Count);
        for (int i = 0; i < a.Samples.Count; i++)
            Assert.True(a.Samples[i].ResponseIds.SequenceEqual(b.Samples[i].ResponseIds), $"sample {i}: {System.Text.Json.JsonSerializer.Serialize(a.Samples[i].Response)} vs {System.Text.Json.JsonSerializer.Serialize(b.Samples[i].Response)}");
        Assert.Equal(a.Samples.Select(s => s.LossMask), b.Samples.Select(s => s.LossMask));
        Assert.Equal(a.Samples.Select(s => s.RolloutLogProbs), b.Samples.Select(s => s.RolloutLogProbs));
        Assert.Equal(a.Metrics["loss"], b.Metrics["loss"]);
    }

    [Fact]
    public void A_tool_config_without_a_tool_is_an_error_with_a_hint()
    {
        var ex = Assert.Throws<ArgumentException>(() => RlStep.Run(Context(Tiny(), withTool: false), Prompts(), 1, 0.02));
        Assert.Contains("rollout.tool=code_interpreter", ex.Message);
        Assert.Contains("HINT", ex.Message);
    }

    [Theory]
    [InlineData("rollout.tool=python", "rollout.tool 'python' is not known", "code_interpreter")]
    [InlineData("rollout.max_turns=0", "rollout.max_turns must be ≥ 1", "HINT")]
    [InlineData("rollout.tool_output_max_chars=3", "rollout.tool_output_max_chars", "HINT")]
    [InlineData("rollout.tool_timeout=0", "rollout.tool_timeout", "HINT")]
    [InlineData("rollout.tool_memory_mb=8", "rollout.tool_memory_mb", "HINT")]
    public void Bad_tool_keys_are_one_line_errors(string over, string expected, string hint)
    {
        var ex = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(null, [over]));
        Assert.Contains(expected, ex.Message);
        Assert.Contains(hint, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void The_tool_keys_reach_the_reward_settings_and_the_sandbox_limits()
    {
        var c = ConfigLoader.Load(null, ["rollout.tool=code_interpreter", "rollout.tool_turn_limit=3", "rollout.tool_timeout=2.5", "rollout.tool_memory_mb=256"]);
        Assert.Equal(3, TrainingReward.SettingsFor(c).ToolTurnLimit);
        var limits = CodeInterpreterRollout.Limits(c.Rollout);
        Assert.Equal((TimeSpan.FromSeconds(2.5), 256L << 20), (limits.TestTimeout, limits.MemoryBytes));
        Assert.Null(CodeInterpreterRollout.FromConfig(new RolloutSection(), s => []));
    }
}
