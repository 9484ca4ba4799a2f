namespace Verity.Rewards.Code;

/// <summary>
/// The shaping rewards of R1-Code-Interpreter (SEEDS.md: +1 correct, ±0.1 format, −0.1 beyond 6 turns), read from
/// the response text through <see cref="InterpreterProtocol.Parse"/>. They return ±1 / −1 / 0; the paper's 0.1 scale
/// is the weight in the config's reward list (e.g. code_format: 0.1, code_turns: 0.1 beside math_accuracy: 1).
/// </summary>
public static class InterpreterRewards
{
    /// <summary>+1 when every code call is well formed (closed, answered by the tool, no forged output block, an
    /// answer after the last tool reply; a response without code counts as well formed), else −1.</summary>
    public static double? Format(RewardInput input) => InterpreterProtocol.Parse(input.Response).WellFormed ? 1 : -1;

    /// <summary>−1 when the response made more than <see cref="RewardSettings.ToolTurnLimit"/> tool calls, else 0.</summary>
    public static double? Turns(RewardInput input, RewardSettings settings) =>
        InterpreterProtocol.Parse(input.Response).Calls > settings.ToolTurnLimit ? -1 : 0;
}
