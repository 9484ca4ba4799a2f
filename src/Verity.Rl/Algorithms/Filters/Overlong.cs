namespace Verity.Rl.Algorithms.Filters;

/// <summary>
/// DAPO's two treatments of responses that hit the length limit (rl-anchors §2.6).
/// </summary>
public static class Overlong
{
    /// <summary>
    /// Soft overlong punishment: with L_exp = L_max − L_cache, the reward gets
    /// min(−(|y| − L_exp)/L_cache·factor, 0), i.e. 0 up to L_exp, then linearly down to −factor at L_max
    /// (capped there: a response cannot be longer than L_max anyway).
    /// </summary>
    public static double Penalty(int length, int maxLength, int bufferLength, double factor)
    {
        int expected = maxLength - bufferLength;
        double excess = Math.Min(length, maxLength) - expected;
        return Math.Min(-excess / bufferLength * factor, 0);
    }

    /// <summary>Overlong filtering: zero the loss mask of every truncated sequence (no end-of-sequence token).</summary>
    public static void MaskTruncated(ReadOnlySpan<bool> truncated, int tokens, Span<double> mask)
    {
        for (int b = 0; b < truncated.Length; b++)
            if (truncated[b]) mask.Slice(b * tokens, tokens).Clear();
    }
}
