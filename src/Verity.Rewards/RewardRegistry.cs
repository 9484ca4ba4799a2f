using Verity.Rewards.Format;
using Verity.Rewards.Math;

namespace Verity.Rewards;

/// <summary>
/// Rewards registered by config name. Each entry builds a pure <see cref="RewardFunction"/> from the settings;
/// an unknown name is an error listing the known ones. A new reward is one entry plus its tests.
/// </summary>
public static class RewardRegistry
{
    /// <summary>Every registered reward, by config name.</summary>
    public static IReadOnlyDictionary<string, Func<RewardSettings, RewardFunction>> Known { get; } =
        new Dictionary<string, Func<RewardSettings, RewardFunction>>(StringComparer.Ordinal)
        {
            // 1 when the extracted final answer equals the reference, else 0; void without a reference.
            ["math_accuracy"] = s => input => input.Reference == null ? null : MathVerifier.Verify(input.Response, input.Reference, s.Math).Score,
            // DAPO's sign convention: +1 correct, −1 otherwise; void without a reference.
            ["math_accuracy_signed"] = s => input => input.Reference == null ? null : MathVerifier.Verify(input.Response, input.Reference, s.Math).Score == 1 ? 1 : -1,
            // 1 when a non-empty \boxed{} is present.
            ["boxed_present"] = s => input => FormatRewards.BoxedPresent(input, s),
            // 1 for "<think>…</think> answer".
            ["think_format"] = s => input => FormatRewards.ThinkFormat(input, s),
            // 0, or negative for looping text / answer-marker spam.
            ["repetition_penalty"] = s => input => RepetitionDetector.Penalty(input, s),
            // DAPO soft overlong punishment.
            ["soft_overlong"] = s => input => LengthPenalty.Reward(input, s),
            // Code interpreter (R1-CI): +1 / −1 for well-formed tool calls; −1 beyond tool_turn_limit calls, else 0.
            ["code_format"] = s => input => Code.InterpreterRewards.Format(input),
            ["code_turns"] = s => input => Code.InterpreterRewards.Turns(input, s),
        };

    /// <summary>The reward named <paramref name="name"/>, built with <paramref name="settings"/>.</summary>
    public static RewardFunction Create(string name, RewardSettings? settings = null)
    {
        if (!Known.TryGetValue(name, out var factory))
            throw new ArgumentException($"unknown reward '{name}'. HINT: known rewards are {string.Join(", ", Known.Keys.Order())}.");
        return factory(settings ?? new RewardSettings());
    }
}
