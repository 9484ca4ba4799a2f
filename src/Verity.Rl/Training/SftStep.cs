using Verity.Engine.Model;
using Verity.Engine.Optim;

namespace Verity.Rl.Training;

/// <summary>
/// One supervised step: mean negative log-likelihood of the response tokens only (the prompt is
/// context), accumulated over micro-batches with the normalizer of the whole batch, then one AdamW step.
/// The normalizer is the step's response-token count whatever the layout, so padded and packed
/// micro-batches (<see cref="SftBatching"/>) give the same loss and gradient.
/// </summary>
public static class SftStep
{
    /// <summary>Padded layout, <paramref name="microBatch"/> examples per pass. Returns the mean token NLL before the update and the pre-clip gradient norm.</summary>
    public static (double Loss, double GradNorm) Run(TransformerModel model, AdamW optimizer, IReadOnlyList<(int[] Prompt, int[] Response)> examples,
        double learningRate, double gradClip, int microBatch)
    {
        if (examples.Count == 0) throw new ArgumentException("sft: empty batch.");
        return Run(model, optimizer, SftBatching.Padded(examples, microBatch), learningRate, gradClip);
    }

    /// <summary>Any layout. Returns the mean token NLL before the update and the pre-clip gradient norm.</summary>
    public static (double Loss, double GradNorm) Run(TransformerModel model, AdamW optimizer, IReadOnlyList<SftMicroBatch> batches, double learningRate, double gradClip)
    {
        model.ZeroGrad();
        double loss = Accumulate(model, batches);
        double norm = GradientOps.ClipGlobalNorm(optimizer.Parameters, gradClip);
        optimizer.Step(learningRate);
        return (loss, norm);
    }

    /// <summary>Adds d(mean response-token NLL)/dθ over all <paramref name="batches"/> to the parameters' gradients; returns that mean NLL.</summary>
    public static double Accumulate(TransformerModel model, IReadOnlyList<SftMicroBatch> batches)
    {
        double tokens = batches.Sum(b => b.ResponseRows.Length);
        if (tokens == 0) throw new ArgumentException("sft: the batch has no response tokens.");
        double loss = 0;
        foreach (var batch in batches)
        {
            var forward = model.Forward(batch.Engine);
            var grad = new float[batch.Engine.Rows];
            foreach (int row in batch.ResponseRows)
            {
                loss -= forward.LogProbs[row] / tokens;
                grad[row] = (float)(-1.0 / tokens);
            }
            model.Backward(batch.Engine, grad);
        }
        return loss;
    }
}
