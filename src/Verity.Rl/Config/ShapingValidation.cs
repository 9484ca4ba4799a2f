using Verity.Rl.Tracking;

namespace Verity.Rl.Config;

/// <summary>
/// Cross-field rules of reward shaping, sample weighting, stop strings, periodic evaluation and tracking
/// (called from <see cref="ConfigValidation"/>). Each failure is one line: the key, what is wrong, and the fix.
/// </summary>
internal static class ShapingValidation
{
    public static void Validate(RunConfig c)
    {
        var a = c.Algorithm;
        Check(a.SampleWeighting is null || !a.Daro.Enable, "algorithm.sample_weighting",
            $"('{a.SampleWeighting}') and algorithm.daro.enable both set the per-sample weight", "keep one: DARO learns its weights, sample_weighting fixes them");
        Check(a.SampleWeighting is null || c.Rollout.N >= 2, "algorithm.sample_weighting",
            "weights samples by their group's pass rate, which needs groups", "set rollout.n ≥ 2 (e.g. 8) or algorithm.sample_weighting=null");
        Check(!a.Overlong.Punish || !c.Reward.Any(r => r.Name == "soft_overlong"), "algorithm.overlong.punish",
            "and the soft_overlong reward would both apply the soft overlong penalty", "remove soft_overlong from reward, or set algorithm.overlong.punish=false");

        for (int i = 0; i < c.Rollout.Stop.Count; i++)
            Check(!string.IsNullOrEmpty(c.Rollout.Stop[i]), $"rollout.stop.{i}", "is empty and would stop every sample at once", "give non-empty stop strings or remove it");

        var t = c.Trainer;
        Check(t.EvalMaxPrompts >= 0, "trainer.eval_max_prompts", $"must be ≥ 0, got {t.EvalMaxPrompts}", "use 0 for every prompt, or e.g. 64");
        if (t.EvalEvery > 0)
        {
            Check(c.Data.EvalFiles.Count > 0, "trainer.eval_every", $"is {t.EvalEvery} but data.eval_files is empty", "set data.eval_files=[held_out.jsonl] or trainer.eval_every=0");
            Check(t.EvalK >= 1, "trainer.eval_k", $"must be ≥ 1, got {t.EvalK}", "use 4 (or 32 as SRPO's avg@32)");
            Check(t.EvalTemperature > 0, "trainer.eval_temperature", $"must be > 0, got {t.EvalTemperature}", "use 0.6; greedy accuracy is reported besides");
        }
        foreach (var name in t.Trackers)
            Check(Tracker.Backends.ContainsKey(name), "trainer.trackers", $"'{name}' is not known", $"use some of: {string.Join(", ", Tracker.Backends.Keys)}");
        Check(t.Trackers.Contains("jsonl"), "trainer.trackers", "lacks jsonl: metrics.jsonl is what verity report and --resume read",
            $"add jsonl, e.g. trainer.trackers=[{string.Join(", ", t.Trackers.Append("jsonl").Distinct())}]");
    }

    private static void Check(bool ok, string key, string problem, string fix)
    {
        if (!ok) throw new InvalidDataException($"config: {key} {problem}. HINT: {fix}");
    }
}
