namespace Verity.Data.Templates;

/// <summary>
/// Instruction templates appended to a question, registered by config name. The two of seed 001:
/// GSM8K style (answer after <c>####</c>) and boxed style (answer in <c>\boxed{}</c>); <c>none</c>
/// passes the question through (for chat models whose system prompt carries the instruction).
/// </summary>
public static class InstructionTemplates
{
    public static readonly IReadOnlyDictionary<string, Func<string, string>> Registry = new Dictionary<string, Func<string, string>>
    {
        ["gsm8k"] = q => q + "\nLet's think step by step and output the final answer after \"####\".",
        ["boxed"] = q => q + "\nLet's think step by step and output the final answer within \\boxed{}.",
        ["none"] = q => q,
    };

    public static Func<string, string> Get(string name) => Registry.TryGetValue(name, out var t)
        ? t
        : throw new ArgumentException($"unknown instruction template \"{name}\"; known: {string.Join(", ", Registry.Keys)}.");
}
