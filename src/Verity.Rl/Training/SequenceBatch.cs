using Verity.Engine.Model;

namespace Verity.Rl.Training;

/// <summary>
/// Prompt + response sequences laid out for the engine and for the RL functions at once.
/// Engine side: a right-padded <see cref="Batch"/> whose inputs are seq[..^1] and targets seq[1..], so
/// engine row b·T_e + (P_b − 1 + k) predicts response token k of sequence b.
/// RL side: response-only arrays [B·T] (T = longest response) with a 0/1 mask, as the algorithms expect.
/// </summary>
public sealed class SequenceBatch
{
    public SequenceBatch(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses, IReadOnlyList<double[]>? responseMask = null, int? responseWidth = null)
    {
        if (prompts.Count != responses.Count || prompts.Count == 0)
            throw new ArgumentException($"sequence batch: {prompts.Count} prompts and {responses.Count} responses; need the same positive number.");
        B = prompts.Count;
        T = Math.Max(1, responses.Max(r => r.Length));
        if (responseWidth is { } w)
        {
            if (w < T) throw new ArgumentException($"sequence batch: response width {w} is shorter than the longest response ({T}).");
            T = w;
        }
        PromptLengths = prompts.Select(p => p.Length).ToArray();
        ResponseLengths = responses.Select(r => r.Length).ToArray();
        Mask = new double[B * T];
        var inputs = new List<int[]>(B);
        var targets = new List<int[]>(B);
        for (int b = 0; b < B; b++)
        {
            if (prompts[b].Length == 0) throw new ArgumentException($"sequence batch: prompt {b} is empty; the first response token needs a context token.");
            int[] seq = [.. prompts[b], .. responses[b]];
            inputs.Add(seq.Length > 1 ? seq[..^1] : seq);
            targets.Add(seq.Length > 1 ? seq[1..] : [0]);
            for (int k = 0; k < responses[b].Length; k++)
                Mask[b * T + k] = responseMask?[b][k] ?? 1.0;
        }
        // Only response positions go through the vocabulary head: prompt positions are context.
        var padded = Batch.FromSequences(inputs, targets);
        var scored = new bool[padded.Rows];
        for (int b = 0; b < B; b++)
            for (int k = 0; k < ResponseLengths[b]; k++) scored[b * padded.T + PromptLengths[b] - 1 + k] = true;
        Engine = new Batch(padded.B, padded.T, padded.Tokens, padded.Lengths, padded.Targets, scoreMask: scored);
    }

    /// <summary>Sequences.</summary>
    public int B { get; }

    /// <summary>Row length of the RL arrays: the longest response, or the width asked for.</summary>
    public int T { get; }

    public int[] PromptLengths { get; }

    public int[] ResponseLengths { get; }

    /// <summary>[B·T] 1 on response tokens that count in the loss.</summary>
    public double[] Mask { get; }

    /// <summary>The engine's view.</summary>
    public Batch Engine { get; }

    /// <summary>Engine row of response token k of sequence b.</summary>
    public int EngineRow(int b, int k) => b * Engine.T + PromptLengths[b] - 1 + k;

    /// <summary>Gathers per-row engine values [B·T_e] into response layout [B·T] (0 outside responses).</summary>
    public double[] Gather(float[] engineValues)
    {
        var result = new double[B * T];
        for (int b = 0; b < B; b++)
            for (int k = 0; k < ResponseLengths[b]; k++)
                result[b * T + k] = engineValues[EngineRow(b, k)];
        return result;
    }

    /// <summary>Scatters response-layout gradients [B·T] into engine rows [B·T_e] (0 elsewhere).</summary>
    public float[] Scatter(ReadOnlySpan<double> responseValues)
    {
        var result = new float[Engine.Rows];
        for (int b = 0; b < B; b++)
            for (int k = 0; k < ResponseLengths[b]; k++)
                result[EngineRow(b, k)] = (float)responseValues[b * T + k];
        return result;
    }
}
