using System.Diagnostics;
using Verity.Engine.Generation;
using Verity.Rl.Algorithms.Filters;
using Verity.Rl.Rollout;

namespace Verity.Rl.Training;

/// <summary>
/// One generation round of a step: rollout (n samples per prompt, each prompt prefilled once) → reward (text
/// only, + overlong penalty) → group filters. Groups are numbered from <c>firstGroup</c> so that the rounds of a step never share a
/// group id or a sampling seed (round 0 of a step is numbered exactly as a single-round step).
/// </summary>
internal sealed record RolloutRound(List<RlSample> Samples, List<RlSample> Kept, int Groups, int KeptGroups, int PassRateDropped,
    double PenaltySum, double GenerateSeconds, double PrefillSeconds, double RewardSeconds)
{
    public static RolloutRound Run(RlContext ctx, IReadOnlyList<RlPrompt> prompts, long step, int firstGroup, IDictionary<string, double> metrics)
    {
        var cfg = ctx.Config;
        var clock = Stopwatch.StartNew();

        // rollout
        var sampling = new SamplingParams
        {
            N = cfg.Rollout.N, Temperature = (float)cfg.Rollout.Temperature, TopP = (float)cfg.Rollout.TopP,
            TopK = cfg.Rollout.TopK, MinP = (float)cfg.Rollout.MinP, MaxNewTokens = cfg.Rollout.MaxNewTokens,
        };
        var requests = prompts.Select((p, i) => new GenerationRequest(p.PromptIds,
            sampling with { Seed = RlStep.SeedFor(cfg.Trainer.Seed, step, firstGroup + i) }) { StopTokenIds = ctx.StopTokenIds, StopCriterion = ctx.StopCriterion }).ToList();
        double prefill = 0; // of the generate's seconds, those in prompt forwards (GenerationStats.PrefillSeconds)
        GenerationResult Generate(IReadOnlyList<GenerationRequest> batch)
        {
            var result = ctx.Generator.Generate(batch);
            prefill += result.Stats.PrefillSeconds;
            return result;
        }
        var toolSamples = ToolRolloutStage.RunIfEnabled(ctx, prompts, requests, firstGroup, Generate, metrics); // null unless rollout.tool is set
        var generation = toolSamples is null ? Generate(requests) : null;
        var samples = toolSamples ?? [];
        for (int g = 0; generation is not null && g < prompts.Count; g++)
        {
            var r = generation.Requests[g];
            if (!r.Ok) throw new ArgumentException($"rollout: prompt {firstGroup + g}: {r.Error}");
            foreach (var s in r.Samples)
                samples.Add(new RlSample(firstGroup + g, prompts[g].PromptIds, s.CompletionIds, s.PolicyLogProbs, "", null, s.Finish));
        }
        double generate = clock.Elapsed.TotalSeconds;

        // reward
        clock.Restart();
        for (int i = 0; i < samples.Count; i++)
        {
            string text = ctx.Decode(samples[i].ResponseIds);
            samples[i] = samples[i] with { Response = text, Reward = ctx.Reward(text, prompts[samples[i].Group - firstGroup].Answer) };
        }
        // DAPO soft overlong penalty, before the group filters see the rewards
        double penaltySum = cfg.Algorithm.Overlong.Punish ? OverlongHandling.Punish(samples, cfg) * samples.Count(s => s.Reward is not null) : 0;
        double reward = clock.Elapsed.TotalSeconds;

        // group filters: void samples leave; dynamic sampling drops zero-variance groups; the pass-rate band drops
        // too easy / too hard groups
        var scored = samples.Where(s => s.Reward is not null).ToList();
        var rewards = scored.Select(s => s.Reward!.Value).ToArray();
        var groups = scored.Select(s => s.Group).ToArray();
        var keep = new bool[scored.Count];
        if (cfg.Algorithm.DynamicSampling.Enable) DynamicSampling.KeepSequences(rewards, groups, keep);
        else keep.AsSpan().Fill(true);
        int passRateDropped = 0;
        var band = cfg.Algorithm.PassRateFilter;
        if (band.Enable) passRateDropped = PassRateFilter.Apply(rewards, groups, band.Low, band.High, keep);
        var kept = scored.Where((_, i) => keep[i]).ToList();
        return new RolloutRound(samples, kept, prompts.Count, kept.Select(s => s.Group).Distinct().Count(), passRateDropped, penaltySum, generate, prefill, reward);
    }
}
