using Verity.Engine.Model;
using Verity.Engine.Optim;

namespace Verity.Rl.Training;

/// <summary>
/// One supervised step: mean negative log-likelihood of the response tokens only (the prompt is
/// context), accumulated over micro-batches with the normalizer of the whole batch, then one AdamW step.
/// </summary>
public static class SftStep
{
    /// <summary>Returns the mean token NLL before the update and the pre-clip gradient norm.</summary>
    public static (double Loss, double GradNorm) Run(TransformerModel model, AdamW optimizer, IReadOnlyList<(int[] Prompt, int[] Response)> examples,
        double learningRate, double gradClip, int microBatch)
    {
        if (examples.Count == 0) throw new ArgumentException("sft: empty batch.");
        if (microBatch < 1) throw new ArgumentException($"sft: micro_batch must be ≥ 1, got {microBatch}.");
        double tokens = examples.Sum(e => e.Response.Length);
        if (tokens == 0) throw new ArgumentException("sft: every response in the batch is empty.");
        model.ZeroGrad();
        double loss = 0;
        for (int start = 0; start < examples.Count; start += microBatch)
        {
            var chunk = examples.Skip(start).Take(microBatch).ToList();
            var batch = new SequenceBatch(chunk.Select(e => e.Prompt).ToList(), chunk.Select(e => e.Response).ToList());
            var forward = model.Forward(batch.Engine);
            var logp = batch.Gather(forward.LogProbs);
            var grad = new double[logp.Length];
            for (int i = 0; i < logp.Length; i++)
            {
                if (batch.Mask[i] == 0) continue;
                loss -= logp[i] / tokens;
                grad[i] = -1.0 / tokens;
            }
            model.Backward(batch.Engine, batch.Scatter(grad));
        }
        double norm = GradientOps.ClipGlobalNorm(optimizer.Parameters, gradClip);
        optimizer.Step(learningRate);
        return (loss, norm);
    }
}
