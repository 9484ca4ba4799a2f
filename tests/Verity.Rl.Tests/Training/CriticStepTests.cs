using Verity.Engine.Generation;
using Verity.Engine.Model;
using Verity.Engine.Optim;
using Verity.Hub.Checkpoints;
using Verity.Hub.Config;
using Verity.Rl.Algorithms;
using Verity.Rl.Algorithms.Advantages;
using Verity.Rl.Algorithms.Aggregation;
using Verity.Rl.Config;
using Verity.Rl.Tests.Algorithms;
using Verity.Rl.Training;

namespace Verity.Rl.Tests.Training;

public class CriticStepTests
{
    private static readonly ModelConfig Shape = new()
    {
        VocabSize = 20, HiddenSize = 16, IntermediateSize = 32, NumLayers = 2, NumHeads = 4, NumKvHeads = 2, HeadDim = 4,
        TieWordEmbeddings = false, MaxPositionEmbeddings = 64,
    };

    private static LoadedModel Policy(int seed = 3, ModelConfig? shape = null)
    {
        var m = new TransformerModel(shape ?? Shape);
        m.InitRandom(seed, std: 0.1f);
        return new LoadedModel(new HfModelConfig { Family = ModelFamily.Llama, Model = m.Config }, m, null);
    }

    private static RunConfig Config(string lossAgg = "token_mean", int ppoEpochs = 1, int? miniBatch = null, int micro = 64, int warmup = 0, double criticLr = 0.02) => new()
    {
        Data = new DataSection { BatchSize = 8 },
        Rollout = new RolloutSection { N = 8, Temperature = 1.0, MaxNewTokens = 4 },
        Algorithm = new AlgorithmSection { AdvEstimator = "gae", Gamma = 1.0, Lam = 0.95, PolicyLoss = "ppo_clip", LossAggMode = lossAgg, ValueClip = 0.5 },
        Optim = new OptimSection { Lr = 0.02, CriticLr = criticLr, WeightDecay = 0, MicroBatch = micro, MiniBatch = miniBatch, PpoEpochs = ppoEpochs },
        Trainer = new TrainerSection { Seed = 5, CriticWarmup = warmup },
    };

    /// <summary>Text is the ids themselves; the reward likes responses whose first token is below 5 (as in RlStepTests).</summary>
    private static RlContext Context(LoadedModel policy, RunConfig config) => new()
    {
        Policy = policy.Model,
        Optimizer = new AdamW(policy.Model.Parameters, new AdamWOptions { LearningRate = config.Optim.Lr, WeightDecay = 0 }),
        Critic = Critic.Create(config, policy, 20),
        Generator = new Generator(policy.Model),
        Decode = ids => string.Join(' ', ids),
        Reward = (response, _) => int.Parse(response.Split(' ')[0]) < 5 ? 1.0 : 0.0,
        Config = config,
        Setup = AlgorithmSetup.From(config),
    };

    private static List<RlPrompt> Prompts(int step) =>
        Enumerable.Range(0, 8).Select(i => new RlPrompt([1 + (i + step) % 7, 2, 3], "")).ToList();

    private static List<RlSample> Samples() =>
    [
        new(0, [1, 2], [3, 4, 5], [], "", 1, FinishReason.Stop),
        new(1, [6, 7, 8], [9], [], "", 0, FinishReason.Stop),
        new(2, [10], [11, 12], [], "", 1, FinishReason.Length),
    ];

    [Fact]
    public void Gae_with_the_ppo_preset_gamma_and_lambda_matches_a_hand_computation()
    {
        // γ = 1, λ = 0.95, reward 1 on the last of 3 tokens, V = [0.2, 0.5, 0.9], a second sequence of 1 token
        // δ = [0.5 − 0.2, 0.9 − 0.5, 1 − 0.9] = [0.3, 0.4, 0.1]; A2 = 0.1, A1 = 0.4 + 0.95·0.1 = 0.495,
        // A0 = 0.3 + 0.95·0.495 = 0.77025; returns = A + V = [0.97025, 0.995, 1.0]; sequence 2: A = 0 − 0.4
        var batch = new AdvantageBatch { Rewards = [1, 0], Groups = [0, 1], Mask = [1, 1, 1, 1, 0, 0], Tokens = 3, Values = [0.2, 0.5, 0.9, 0.4, 7, 7] };
        double[] a = new double[6], ret = new double[6];
        AdvantageEstimators.Get("gae")(batch, new AdvantageOptions { Gamma = 1.0, Lambda = 0.95 }, a, ret);
        Numerics.AllClose([0.97025, 0.995, 1.0, 0, 0, 0], ret, 1e-12);
        double[] raw = [0.77025, 0.495, 0.1, -0.4];
        double mean = raw.Average(), std = Math.Sqrt(raw.Sum(x => (x - mean) * (x - mean)) / 3 + 1e-8);
        Numerics.AllClose([.. raw.Select(x => (x - mean) / std), 0, 0], a, 1e-12);
    }

    [Fact]
    public void Value_loss_gradient_through_the_critic_matches_float64_finite_differences()
    {
        // Given a critic with a random value head (so the backbone gets a gradient too) and three samples of mixed lengths
        var critic = Critic.Create(Config(lossAgg: "seq_mean_token_mean"), Policy(), 20);
        var rng = new Random(9);
        var head = critic.Model.Get(new ParameterKey(ParameterKind.ValueHead)).Data;
        for (int i = 0; i < head.Length; i++) head[i] = (float)(rng.NextDouble() - 0.5);
        var samples = Samples();
        const int T = 3;
        var mask = new SequenceBatch(samples.Select(s => s.PromptIds).ToList(), samples.Select(s => s.ResponseIds).ToList()).Mask;
        var values = CriticStep.Values(critic, samples, T, micro: 2);
        // old values far outside (clipped branch) or well inside the 0.5 clip range; random targets
        var old = values.Select((v, i) => v + (i % 2 == 0 ? 0.1 : -0.9)).ToArray();
        var returns = Numerics.Random(rng, values.Length, -1, 1);
        var agg = LossAggregations.Get("seq_mean_token_mean");
        var normalizer = LossNormalizer.ForMiniBatch(mask, T, 4);

        // When accumulating the gradient over two micro-batches
        critic.Model.ZeroGrad();
        CriticStep.Accumulate(critic, samples, 0, 2, T, mask, old, returns, agg, normalizer);
        CriticStep.Accumulate(critic, samples, 2, 3, T, mask, old, returns, agg, normalizer);

        // Then every parameter's gradient matches central differences of the float64 reference model's value loss
        var reference = ReferenceModel.From(critic.Model);
        var mbAll = CriticStep.Micro(samples, 0, 3, T);
        var engine = CriticStep.ValueBatch(mbAll);
        double[] Gather(double[] rows)
        {
            var v = new double[samples.Count * T];
            for (int b = 0; b < samples.Count; b++)
                for (int k = 0; k < samples[b].ResponseIds.Length; k++) v[b * T + k] = rows[mbAll.EngineRow(b, k)];
            return v;
        }
        Numerics.AllClose(Gather(reference.Forward(engine).Value!), values, 1e-5, "values vs float64 reference");
        double Loss()
        {
            var v = Gather(reference.Forward(engine).Value!);
            var input = new CriticLossInput { Values = v, OldValues = old, Returns = returns, Mask = mask, Tokens = T };
            return CriticLoss.Compute(input, agg, normalizer, 0.5, new double[v.Length]).Loss;
        }
        foreach (var p in critic.Model.Parameters)
        {
            var w = (double[])reference.Weights[p.Key];
            int[] idx = p.Length <= 40 ? [.. Enumerable.Range(0, p.Length)] : [.. Enumerable.Range(0, 25).Select(_ => rng.Next(p.Length)).Distinct()];
            double scale = 1e-3 + p.Grad.Max(Math.Abs);
            foreach (int i in idx)
            {
                double keep = w[i];
                w[i] = keep + 1e-5; double up = Loss();
                w[i] = keep - 1e-5; double down = Loss();
                w[i] = keep;
                double numeric = (up - down) / 2e-5;
                Assert.True(Math.Abs(numeric - p.Grad[i]) <= 2e-4 * scale + 1e-7, $"{p.Key}[{i}]: analytic {p.Grad[i]} vs float64 {numeric}");
            }
        }
        Assert.All(critic.Model.Get(new ParameterKey(ParameterKind.LmHead)).Grad, g => Assert.Equal(0f, g));
        Assert.Contains(critic.Model.Get(new ParameterKey(ParameterKind.QProj, 0)).Grad, g => g != 0);
    }

    [Fact]
    public void A_fresh_critic_is_the_policy_with_a_zero_value_head_and_round_trips_through_its_folder()
    {
        using var dir = new TempDir();
        var policy = Policy();
        var critic = Critic.Create(Config(), policy, 20);
        foreach (var p in policy.Model.Parameters) Assert.Equal(p.Data, critic.Model.Get(p.Key).Data);
        Assert.All(critic.Model.Get(new ParameterKey(ParameterKind.ValueHead)).Data, v => Assert.Equal(0f, v));
        Assert.All(CriticStep.Values(critic, Samples(), 3, 4), v => Assert.Equal(0, v));

        // After a training step, save it and load it as model.critic_path: the same weights, no LM head on disk
        var ctx = Context(policy, Config());
        RlStep.Run(ctx, Prompts(0), 1, 0.02);
        string folder = dir.File("critic");
        ctx.Critic!.Save(folder);
        using (var file = Verity.Hub.Safetensors.SafetensorsCheckpoint.OpenDirectory(folder))
        {
            Assert.Contains("score.weight", file.Names);
            Assert.DoesNotContain("lm_head.weight", file.Names);
        }
        var loaded = Critic.Create(Config() with { Model = new ModelSection { CriticPath = folder } }, policy, 20);
        foreach (var p in ctx.Critic.Model.Parameters.Where(p => p.Key.Kind != ParameterKind.LmHead))
            Assert.Equal(p.Data, loaded.Model.Get(p.Key).Data);
        Assert.Contains(loaded.Model.Get(new ParameterKey(ParameterKind.ValueHead)).Data, v => v != 0);
    }

    [Fact]
    public void A_critic_path_without_a_value_head_or_a_checkpoint_without_a_critic_is_a_one_line_error_naming_the_fix()
    {
        using var dir = new TempDir();
        var policy = Policy();
        string folder = dir.File("policy");
        ModelFolder.Save(folder, policy.Config, policy.Model.Parameters, new ModelSaveOptions());
        var ex = Assert.Throws<InvalidDataException>(() => Critic.Create(Config() with { Model = new ModelSection { CriticPath = folder } }, policy, 20));
        Assert.Contains("score.weight", ex.Message);
        Assert.Contains("HINT", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        var notCritic = Assert.Throws<InvalidDataException>(() => Critic.Create(Config(), policy, 20).Restore(dir.Path));
        Assert.Contains("critic/", notCritic.Message);
        Assert.Contains("--resume none", notCritic.Message);
        var missing = Assert.Throws<DirectoryNotFoundException>(() => Critic.Create(Config() with { Model = new ModelSection { CriticPath = dir.File("nope") } }, policy, 20));
        Assert.Contains("model.critic_path", missing.Message);
    }

    [Fact]
    public void Ppo_steps_lower_the_value_loss_and_report_verl_critic_metrics()
    {
        // Given a random policy and a fresh critic (values 0 while rewards are 0/1)
        var ctx = Context(Policy(), Config(ppoEpochs: 4, miniBatch: 32, micro: 16, criticLr: 0.05));
        var losses = new List<double>();
        IReadOnlyDictionary<string, double> last = new Dictionary<string, double>();
        for (int s = 1; s <= 16; s++)
        {
            last = RlStep.Run(ctx, Prompts(s), s, 0.002).Metrics;
            losses.Add(last["critic/vf_loss"]);
        }

        // Then the critic learned to predict the return: the value loss fell and the values explain the returns
        foreach (var key in new[] { "critic/vf_loss", "critic/vf_clipfrac", "critic/vpred_mean", "critic/grad_norm", "critic/lr",
                     "critic/values/mean", "critic/returns/mean", "critic/vf_explained_var", "loss", "grad_norm" })
            Assert.True(last.ContainsKey(key), key);
        double first = losses.Take(2).Average(), end = losses.TakeLast(3).Average();
        Assert.True(end < 0.5 * first, $"vf_loss went from {first:F4} to {end:F4}: {string.Join(", ", losses.Select(l => l.ToString("F4")))}");
        Assert.True(last["critic/vf_explained_var"] > 0, $"explained variance {last["critic/vf_explained_var"]}");
        Assert.InRange(last["critic/vf_clipfrac"], 0, 1);
    }

    [Fact]
    public void During_critic_warmup_only_the_critic_moves()
    {
        var policy = Policy();
        var ctx = Context(policy, Config(warmup: 1));
        var before = policy.Model.Parameters.Select(p => p.Data.ToArray()).ToList();
        var head = ctx.Critic!.Model.Get(new ParameterKey(ParameterKind.ValueHead)).Data;

        var warm = RlStep.Run(ctx, Prompts(1), 1, 0.02).Metrics;
        Assert.True(warm.ContainsKey("critic/vf_loss"));
        Assert.False(warm.ContainsKey("loss"));
        Assert.Contains(head, v => v != 0);
        for (int i = 0; i < before.Count; i++) Assert.Equal(before[i], policy.Model.Parameters[i].Data);

        var trained = RlStep.Run(ctx, Prompts(2), 2, 0.02).Metrics;
        Assert.True(trained.ContainsKey("loss"));
        Assert.Contains(Enumerable.Range(0, before.Count), i => !before[i].AsSpan().SequenceEqual(policy.Model.Parameters[i].Data));
    }
}
