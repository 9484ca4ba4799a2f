namespace Verity.Rewards.Code;

/// <summary>
/// Outcome of one test of one program. <see cref="SANDBOX_ERROR"/> means the runner failed (not the program):
/// the sample is void and must be left out of the group statistics, never scored 0.
/// </summary>
public enum CodeVerdict
{
    /// <summary>Accepted: the test passed.</summary>
    AC,
    /// <summary>Wrong answer (includes values that cannot cross the boundary, e.g. an always-equal object).</summary>
    WA,
    /// <summary>Time limit exceeded (wall or CPU).</summary>
    TLE,
    /// <summary>Memory limit exceeded (MemoryError under RLIMIT_AS).</summary>
    MLE,
    /// <summary>Runtime error: exception, non-zero exit, exit before answering.</summary>
    RE,
    /// <summary>Output limit exceeded: stdout or stderr beyond the cap (the run is killed, never truncated).</summary>
    OLE,
    /// <summary>Compile error: the program is not valid Python.</summary>
    CE,
    /// <summary>The response has no fenced code block.</summary>
    FORMAT,
    /// <summary>The sandbox failed; the sample is void.</summary>
    SANDBOX_ERROR,
}

internal static class CodeVerdicts
{
    /// <summary>Parses a verdict sent by the harness; anything unknown is a runtime error of the program.</summary>
    public static CodeVerdict ParseFromHarness(string? text) => text switch
    {
        "AC" => CodeVerdict.AC,
        "WA" => CodeVerdict.WA,
        "TLE" => CodeVerdict.TLE,
        "MLE" => CodeVerdict.MLE,
        "OLE" => CodeVerdict.OLE,
        "CE" => CodeVerdict.CE,
        _ => CodeVerdict.RE,
    };
}
