namespace Verity.Rl.Algorithms;

/// <summary>
/// Shape of the per-token arrays every algorithm reads: B sequences padded to T tokens, row-major
/// (index b*T + t), with a 0/1 loss mask marking the response tokens that count. The RL side works in
/// float64: it is tiny next to the model (B*T numbers), and float64 keeps the finite-difference
/// gradient checks exact to ~1e-9; the trainer converts the engine's float32 log-probs at the boundary.
/// </summary>
public readonly record struct TokenLayout(int Sequences, int Tokens)
{
    /// <summary>B*T: the length of every per-token array.</summary>
    public int Count => Sequences * Tokens;

    public static TokenLayout Of(ReadOnlySpan<double> mask, int tokens)
    {
        if (tokens <= 0) throw new ArgumentException($"tokens per sequence must be positive, got {tokens}. HINT: pass the padded length T");
        if (mask.Length % tokens != 0)
            throw new ArgumentException($"mask length {mask.Length} is not a multiple of T={tokens}. HINT: per-token arrays are [B, T] row-major");
        return new TokenLayout(mask.Length / tokens, tokens);
    }

    /// <summary>Checks that a per-token array has B*T entries.</summary>
    public void Require(ReadOnlySpan<double> values, string name)
    {
        if (values.Length != Count)
            throw new ArgumentException($"{name} has {values.Length} entries, expected B*T = {Sequences}*{Tokens} = {Count}. HINT: every per-token array shares the mask's [B, T] layout");
    }

    /// <summary>Number of masked-in tokens of sequence <paramref name="b"/> (|o_b|).</summary>
    public double Length(ReadOnlySpan<double> mask, int b)
    {
        double n = 0;
        foreach (var m in mask.Slice(b * Tokens, Tokens)) n += m;
        return n;
    }

    /// <summary>Index of the last masked-in token of sequence <paramref name="b"/>, or -1 if none.</summary>
    public int LastToken(ReadOnlySpan<double> mask, int b)
    {
        var row = mask.Slice(b * Tokens, Tokens);
        for (int t = Tokens - 1; t >= 0; t--) if (row[t] != 0) return t;
        return -1;
    }
}
