using System.Text.Json;
using System.Text.Json.Nodes;

namespace Verity.Rl.Training;

/// <summary>
/// Curriculum by score (R1-Code-Interpreter, seed note 004: train stage 1 on the prompts with the top 25 % of an
/// improvement-potential score, then 50 %, 75 %, all): keeps the ⌈fraction·N⌉ prompts with the highest
/// data.score_key, ties broken by file order, in file order. With `stages:` each stage sets its own
/// data.top_fraction.
/// </summary>
public static class ScoreCurriculum
{
    /// <summary>Indices (ascending) of the top ⌈fraction·N⌉ scores.</summary>
    public static int[] Top(IReadOnlyList<double> scores, double fraction)
    {
        int keep = Math.Min(scores.Count, (int)Math.Ceiling(fraction * scores.Count - 1e-9));
        return Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(Math.Max(1, keep)).Order().ToArray();
    }

    /// <summary>The score of a line: a finite number; missing or anything else is an error naming the line and the fix.</summary>
    public static double Score(JsonObject row, string key, string path, int line)
    {
        if (!row.TryGetPropertyValue(key, out var node) || node is null)
            throw new InvalidDataException($"{path}:{line}: missing field \"{key}\" needed by data.top_fraction. HINT: add the score to every line, set data.score_key to your field, or set data.top_fraction=1");
        double score = node.GetValueKind() == JsonValueKind.Number ? node.GetValue<double>() : double.NaN;
        return double.IsFinite(score) ? score
            : throw new InvalidDataException($"{path}:{line}: field \"{key}\" must be a number, found {node.ToJsonString()}. HINT: write the prompt's score as a JSON number");
    }
}
