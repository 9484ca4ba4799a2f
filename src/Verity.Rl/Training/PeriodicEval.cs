using Verity.Engine.Generation;
using Verity.Hub.Tokenization;
using Verity.Rl.Config;

namespace Verity.Rl.Training;

/// <summary>
/// Held-out evaluation inside <c>verity train</c> (trainer.eval_every): every prompt of data.eval_files (the first
/// trainer.eval_max_prompts of them when set) gets
/// trainer.eval_k samples at trainer.eval_temperature and one greedy response from the current policy, scored
/// by the training reward (a response is correct when its reward is &gt; 0, as the acc metric counts). Verity.Rl
/// cannot use Verity.Eval, so this is the small version: same generator, same reward, same stop rules.
/// Metrics: eval/avg@k (mean accuracy over all samples), eval/pass@k (a prompt has a correct sample),
/// eval/reward (mean reward of the samples), eval/greedy_acc, eval/mean_length. Void rewards are left out.
/// </summary>
public sealed class PeriodicEval
{
    /// <summary>Salt that keeps evaluation sampling seeds apart from the training rollouts of the same step.</summary>
    private const int SeedSalt = 0x5EED_E7A1;

    private readonly IReadOnlyList<RlPrompt> _prompts;
    private readonly RlContext _ctx;
    private readonly RewardFunction _reward;

    /// <param name="prompts">The eval prompts (templated and tokenized like the training ones).</param>
    /// <param name="ctx">The run's context: generator, stop rules, decode, config.</param>
    /// <param name="reward">A scorer of its own, so evaluation does not mix into the training reward's per-step means.</param>
    public PeriodicEval(IReadOnlyList<RlPrompt> prompts, RlContext ctx, RewardFunction reward)
    {
        _prompts = prompts;
        _ctx = ctx;
        _reward = reward;
    }

    /// <summary>
    /// The evaluator of a run, or null when trainer.eval_every is 0: data.eval_files loaded like the training prompts
    /// (same template and length filter), scored by a reward of its own built from the same config.
    /// </summary>
    public static PeriodicEval? Create(RlContext ctx, Tokenizer tokenizer)
    {
        var config = ctx.Config;
        if (config.Trainer.EvalEvery == 0) return null;
        foreach (var file in config.Data.EvalFiles)
            if (!File.Exists(file))
                throw new FileNotFoundException($"{file}: eval file not found (data.eval_files). HINT: check the path, or set trainer.eval_every=0", file);
        var prompts = PromptSet.Load(config.Data with { TrainFiles = config.Data.EvalFiles }, tokenizer, "data.eval_files").Prompts;
        if (config.Trainer.EvalMaxPrompts > 0) prompts = [.. prompts.Take(config.Trainer.EvalMaxPrompts)];
        var reward = new TrainingReward(config.Reward, TrainingReward.SettingsFor(config), text => tokenizer.Encode(text, addSpecialTokens: false).Length);
        return new PeriodicEval(prompts, ctx, reward.Score);
    }

    /// <summary>Whether trainer.eval_every asks for an evaluation after this step (always after the last one).</summary>
    public static bool IsDue(TrainerSection t, long step) => t.EvalEvery > 0 && (step % t.EvalEvery == 0 || step == t.Steps);

    /// <summary>Evaluates the current policy and adds the eval/* metrics.</summary>
    public void Run(long step, IDictionary<string, double> metrics)
    {
        var cfg = _ctx.Config;
        int k = cfg.Trainer.EvalK;
        var sampled = Generate(new SamplingParams
        {
            N = k, Temperature = (float)cfg.Trainer.EvalTemperature, MaxNewTokens = cfg.Rollout.MaxNewTokens,
        }, step);
        var greedy = Generate(new SamplingParams { N = 1, Temperature = 0, MaxNewTokens = cfg.Rollout.MaxNewTokens }, step);

        double correct = 0, rewardSum = 0, lengthSum = 0, passed = 0, greedyCorrect = 0;
        int scored = 0, prompts = 0, greedyScored = 0;
        for (int p = 0; p < _prompts.Count; p++)
        {
            bool any = false, counted = false;
            foreach (var s in sampled[p])
            {
                if (Score(s, _prompts[p]) is not double r) continue;
                counted = true;
                scored++;
                rewardSum += r;
                lengthSum += s.CompletionIds.Length;
                if (r > 0) { correct++; any = true; }
            }
            if (counted) { prompts++; if (any) passed++; }
            if (Score(greedy[p][0], _prompts[p]) is double g) { greedyScored++; if (g > 0) greedyCorrect++; }
        }
        metrics[$"eval/avg@{k}"] = scored > 0 ? correct / scored : 0;
        metrics[$"eval/pass@{k}"] = prompts > 0 ? passed / prompts : 0;
        metrics["eval/reward"] = scored > 0 ? rewardSum / scored : 0;
        metrics["eval/mean_length"] = scored > 0 ? lengthSum / scored : 0;
        metrics["eval/greedy_acc"] = greedyScored > 0 ? greedyCorrect / greedyScored : 0;
        metrics["eval/prompts"] = _prompts.Count;
    }

    private double? Score(GeneratedSample sample, RlPrompt prompt) => _reward(_ctx.Decode(sample.CompletionIds), prompt.Answer);

    private List<IReadOnlyList<GeneratedSample>> Generate(SamplingParams sampling, long step)
    {
        var requests = _prompts.Select((p, i) => new GenerationRequest(p.PromptIds,
            sampling with { Seed = RlStep.SeedFor(_ctx.Config.Trainer.Seed ^ SeedSalt, step, i) })
        { StopTokenIds = _ctx.StopTokenIds, StopCriterion = _ctx.StopCriterion }).ToList();
        var result = _ctx.Generator.Generate(requests);
        return result.Requests.Select((r, i) => r.Ok ? r.Samples : throw new ArgumentException($"eval: prompt {i}: {r.Error}")).ToList();
    }
}
