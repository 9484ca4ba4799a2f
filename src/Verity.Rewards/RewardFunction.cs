namespace Verity.Rewards;

/// <summary>What a reward function sees: the response text, the reference answer, and what the sampler knows about length.</summary>
/// <param name="Response">The model's response (completion only, no prompt).</param>
/// <param name="Reference">The reference answer, when the task has one.</param>
/// <param name="ResponseTokens">Response length in tokens, when known; length rewards fall back to characters.</param>
public sealed record RewardInput(string Response, string? Reference = null, int? ResponseTokens = null);

/// <summary>A reward: a pure function of the input. Null means "void": the reward does not apply and is left out of a mix (not 0).</summary>
public delegate double? RewardFunction(RewardInput input);

/// <summary>
/// Settings shared by the registered rewards (one record so a config section binds to it directly).
/// </summary>
public sealed record RewardSettings
{
    /// <summary>Options of the math verifier used by <c>math_accuracy</c>.</summary>
    public Math.MathVerifyOptions Math { get; init; } = Verity.Rewards.Math.MathVerifyOptions.Default;

    /// <summary>Value of a failed format check (0 by default; Klear-style −1 penalizes a missing format).</summary>
    public double FormatFailure { get; init; }

    /// <summary>L_max of the soft overlong punishment (DAPO), in tokens (or characters when the token count is unknown).</summary>
    public int MaxLength { get; init; } = 4096;

    /// <summary>L_cache: the buffer before L_max over which the penalty grows linearly from 0 to −1 (DAPO: 4096 of 20480).</summary>
    public int CacheLength { get; init; } = 512;

    /// <summary>Word n-gram size of the repetition detector.</summary>
    public int RepetitionNgram { get; init; } = 4;

    /// <summary>Repeated n-gram fraction tolerated before the repetition penalty starts (natural text stays well below).</summary>
    public double RepetitionThreshold { get; init; } = 0.3;

    /// <summary>Most final-answer markers (\boxed, "Answer:", "final answer") allowed before a response counts as marker spam.</summary>
    public int MaxAnswerMarkers { get; init; } = 4;

    /// <summary>Tool calls a response may make before <c>code_turns</c> penalizes it (R1-Code-Interpreter: 6).</summary>
    public int ToolTurnLimit { get; init; } = 6;
}
