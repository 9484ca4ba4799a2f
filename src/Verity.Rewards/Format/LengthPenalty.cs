namespace Verity.Rewards.Format;

/// <summary>
/// DAPO's soft overlong punishment: 0 while L ≤ L_max − L_cache, then linear down to −1 at L_max, and −1 beyond.
/// L is the response length in tokens when the sampler reports it, else in characters.
/// </summary>
public static class LengthPenalty
{
    /// <summary>The penalty for a length <paramref name="length"/> (same unit as the limits).</summary>
    public static double SoftOverlong(int length, int maxLength, int cacheLength)
    {
        if (cacheLength <= 0 || cacheLength > maxLength)
            throw new ArgumentException($"cache length {cacheLength} must be in 1..max length {maxLength}. HINT: DAPO uses max 20480 with cache 4096.");
        int start = maxLength - cacheLength;
        if (length <= start) return 0;
        if (length >= maxLength) return -1;
        return (double)(start - length) / cacheLength;
    }

    public static double Reward(RewardInput input, RewardSettings settings) =>
        SoftOverlong(input.ResponseTokens ?? input.Response.Length, settings.MaxLength, settings.CacheLength);
}
