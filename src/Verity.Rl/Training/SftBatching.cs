using Verity.Engine.Model;

namespace Verity.Rl.Training;

/// <summary>One forward/backward pass of an SFT step: the engine batch and the engine rows [B·T_e] that predict response tokens.</summary>
public sealed record SftMicroBatch(Batch Engine, int[] ResponseRows)
{
    /// <summary>Engine positions computed (B·T_e): what the pass costs, padding included.</summary>
    public int Positions => Engine.Rows;
}

/// <summary>
/// Lays out one SFT step's (prompt, response) examples as micro-batches, either padded (one example per row,
/// <c>microBatch</c> examples per pass) or packed (<see cref="SftPacker"/> rows of at most <c>capacity</c> tokens,
/// <c>microBatch</c> rows per pass). Example i contributes the inputs seq[..^1] and targets seq[1..] of
/// seq = prompt ++ response either way; a packed row restarts RoPE positions at every example and gives each
/// example its own segment id, so attention never crosses examples and every response token sees exactly the
/// context it sees padded. Both layouts therefore score the same response tokens with the same log-probs.
/// </summary>
public static class SftBatching
{
    public static List<SftMicroBatch> Padded(IReadOnlyList<(int[] Prompt, int[] Response)> examples, int microBatch)
    {
        CheckMicroBatch(microBatch);
        var result = new List<SftMicroBatch>();
        for (int start = 0; start < examples.Count; start += microBatch)
        {
            var chunk = examples.Skip(start).Take(microBatch).ToList();
            var batch = new SequenceBatch(chunk.Select(e => e.Prompt).ToList(), chunk.Select(e => e.Response).ToList());
            var rows = new List<int>();
            for (int b = 0; b < batch.B; b++)
                for (int k = 0; k < batch.ResponseLengths[b]; k++) rows.Add(batch.EngineRow(b, k));
            result.Add(new SftMicroBatch(batch.Engine, [.. rows]));
        }
        return result;
    }

    /// <summary>Packs into rows of at most <paramref name="capacity"/> input tokens (an example of prompt + response = n tokens takes n − 1).</summary>
    public static List<SftMicroBatch> Packed(IReadOnlyList<(int[] Prompt, int[] Response)> examples, int microBatch, int capacity)
    {
        CheckMicroBatch(microBatch);
        foreach (var (p, r) in examples)
            if (p.Length == 0 || r.Length == 0) throw new ArgumentException("sft packing: every example needs a non-empty prompt and response.");
        var rows = SftPacker.Pack(examples.Select(e => e.Prompt.Length + e.Response.Length - 1).ToList(), capacity);
        var result = new List<SftMicroBatch>();
        for (int start = 0; start < rows.Count; start += microBatch)
            result.Add(Build(examples, rows.Skip(start).Take(microBatch).ToList()));
        return result;
    }

    /// <summary>B packed rows, T = the fullest row. Buffers [B,T]: tokens, targets, positions, segments, score mask.</summary>
    private static SftMicroBatch Build(IReadOnlyList<(int[] Prompt, int[] Response)> examples, List<List<int>> rows)
    {
        int b = rows.Count;
        int t = rows.Max(row => row.Sum(i => examples[i].Prompt.Length + examples[i].Response.Length - 1));
        var tokens = new int[b * t];
        var targets = new int[b * t];
        var positions = new int[b * t];
        var segments = new int[b * t];
        var scored = new bool[b * t];
        var lengths = new int[b];
        var responseRows = new List<int>();
        for (int r = 0; r < b; r++)
        {
            int at = r * t;
            for (int s = 0; s < rows[r].Count; s++)
            {
                var (prompt, response) = examples[rows[r][s]];
                int[] seq = [.. prompt, .. response];
                for (int j = 0; j < seq.Length - 1; j++)
                {
                    tokens[at + j] = seq[j];
                    targets[at + j] = seq[j + 1];
                    positions[at + j] = j;
                    segments[at + j] = s;
                }
                // input position P−1+k predicts response token k
                for (int k = 0; k < response.Length; k++)
                {
                    int row = at + prompt.Length - 1 + k;
                    scored[row] = true;
                    responseRows.Add(row);
                }
                at += seq.Length - 1;
            }
            lengths[r] = at - r * t;
            for (int j = at; j < (r + 1) * t; j++) segments[j] = rows[r].Count; // padding: a segment of its own
        }
        return new SftMicroBatch(new Batch(b, t, tokens, lengths, targets, positions, segments, scored), [.. responseRows]);
    }

    private static void CheckMicroBatch(int microBatch)
    {
        if (microBatch < 1) throw new ArgumentException($"sft: optim.micro_batch must be ≥ 1, got {microBatch}.");
    }
}
