namespace Verity.Rl.Config;

/// <summary>Cross-field rules of the rollout tool keys (rollout.tool, max_turns, tool_*); same one-line messages as
/// <see cref="ConfigValidation"/>.</summary>
internal static class ToolConfigValidation
{
    /// <summary>The values rollout.tool accepts.</summary>
    public static readonly string[] Tools = ["none", "code_interpreter"];

    public static void Validate(RunConfig c)
    {
        var r = c.Rollout;
        if (!Tools.Contains(r.Tool))
            throw new InvalidDataException($"config: rollout.tool '{r.Tool}' is not known. HINT: use one of: {string.Join(", ", Tools)}");
        Check(r.MaxTurns >= 1, "rollout.max_turns", $"must be ≥ 1, got {r.MaxTurns}", "R1-Code-Interpreter uses 8");
        Check(r.ToolOutputMaxChars >= 16, "rollout.tool_output_max_chars", $"must be ≥ 16, got {r.ToolOutputMaxChars}", "use e.g. 1024");
        Check(r.ToolTimeout > 0 && double.IsFinite(r.ToolTimeout), "rollout.tool_timeout", $"must be a positive number of seconds, got {r.ToolTimeout}", "use e.g. 10");
        Check(r.ToolMemoryMb >= 64, "rollout.tool_memory_mb", $"must be ≥ 64 (python3 needs it), got {r.ToolMemoryMb}", "use e.g. 1024");
        Check(r.ToolWorkers >= 0 && r.ToolWorkers <= 256, "rollout.tool_workers", $"must be in 0..256, got {r.ToolWorkers}", "use 0 for 2 × cores");
        Check(r.ToolTurnLimit >= 0, "rollout.tool_turn_limit", $"must be ≥ 0, got {r.ToolTurnLimit}", "R1-Code-Interpreter uses 6");
    }

    private static void Check(bool ok, string key, string problem, string fix)
    {
        if (!ok) throw new InvalidDataException($"config: {key} {problem}. HINT: {fix}");
    }
}
