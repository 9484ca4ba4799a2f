using Verity.Engine.Model;

namespace Verity.Engine.Generation;

/// <summary>
/// Recomputes generated tokens' log-probs with the training forward and compares them with the ones
/// the generator reported. Both paths are float32 with different summation orders, so they agree to
/// about 1e-5; a larger gap means the rollout and the learner disagree about the policy.
/// </summary>
public static class ParityCheck
{
    public static double MaxMismatch(TransformerModel model, IReadOnlyList<GenerationRequest> requests, IReadOnlyList<RequestResult> results, int sequencesPerBatch = 16)
    {
        var items = new List<(int[] Prompt, GeneratedSample Sample)>();
        for (int r = 0; r < requests.Count; r++)
            foreach (var s in results[r].Samples)
                if (s.CompletionIds.Length > 0) items.Add((requests[r].PromptIds, s));
        double max = 0;
        for (int start = 0; start < items.Count; start += sequencesPerBatch)
        {
            var chunk = items.Skip(start).Take(sequencesPerBatch).ToList();
            var inputs = new List<int[]>();
            var targets = new List<int[]>();
            foreach (var (prompt, s) in chunk)
            {
                int[] seq = [.. prompt, .. s.CompletionIds];
                inputs.Add(seq[..^1]);
                targets.Add(seq[1..]);
            }
            var batch = Batch.FromSequences(inputs, targets);
            var logp = model.Forward(batch).LogProbs;
            for (int i = 0; i < chunk.Count; i++)
            {
                var (prompt, s) = chunk[i];
                for (int k = 0; k < s.CompletionIds.Length; k++)
                    max = Math.Max(max, Math.Abs(logp[i * batch.T + prompt.Length - 1 + k] - s.PolicyLogProbs[k]));
            }
        }
        return max;
    }
}
