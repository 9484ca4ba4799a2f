using System.Text;
using System.Text.RegularExpressions;

namespace Verity.Rewards.Code;

/// <summary>What a response did with the code interpreter (read back from its text, for the turn and format rewards).</summary>
/// <param name="Calls">Python blocks answered by an output block: the tool calls.</param>
/// <param name="WellFormed">Every python block is closed and answered by an output block, every output block answers a
/// python block (none forged by the model), and text follows the last output (the response did not stop mid-call).</param>
public sealed record InterpreterTranscript(int Calls, bool WellFormed);

/// <summary>
/// The multi-turn code-interpreter protocol (R1-Code-Interpreter style), in text. The model writes
/// <code>
/// ```python
/// print(2 + 2)
/// ```
/// </code>
/// Generation stops as soon as the closing fence appears (a line starting with three backticks after a line that
/// opens a python block: ```python, ```py or ```python3 at the start of a line). The trainer runs the code and
/// appends the tool message
/// <code>
/// ```output
/// 4
/// ```
/// </code>
/// then generation continues. The rollout and the rewards both use this class, so they agree on the format.
/// </summary>
public static partial class InterpreterProtocol
{
    /// <summary>The info string of the tool's reply block.</summary>
    public const string OutputTag = "output";

    [GeneratedRegex(@"^[ \t]*```[ \t]*(?:python3?|py)[ \t]*\n", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex PythonOpen();

    // A closing fence: a newline, optional indentation, three backticks (what comes after on the line is ignored).
    [GeneratedRegex(@"\n[ \t]*```")]
    private static partial Regex Close();

    // Any fence line with its info string.
    [GeneratedRegex(@"^[ \t]*```[ \t]*(?<tag>[^\n`]*)$", RegexOptions.Multiline)]
    private static partial Regex FenceLine();

    /// <summary>
    /// The code of the first python block of <paramref name="text"/> whose closing fence has appeared, or null
    /// when no block is closed yet. The rollout calls this on a turn's text after each token (as its stop criterion).
    /// </summary>
    public static string? ClosedBlock(string text)
    {
        var open = PythonOpen().Match(text);
        if (!open.Success) return null;
        int newline = open.Index + open.Length - 1; // the '\n' ending the opening line: an empty body closes right after it
        var close = Close().Match(text, newline);
        return close.Success ? text[(newline + 1)..System.Math.Max(newline + 1, close.Index)] : null;
    }

    /// <summary>
    /// The tool message to append after a turn whose text is <paramref name="turnText"/>: a newline when the turn did
    /// not end with one, then the output block.
    /// </summary>
    public static string ToolMessage(string turnText, string output)
    {
        var sb = new StringBuilder();
        if (!turnText.EndsWith('\n')) sb.Append('\n');
        sb.Append("```").Append(OutputTag).Append('\n').Append(output);
        if (output.Length > 0 && !output.EndsWith('\n')) sb.Append('\n');
        sb.Append("```\n");
        return sb.ToString();
    }

    /// <summary>
    /// What the model sees of a run, like a notebook cell: stdout, then stderr (the traceback), then a line naming a
    /// limit that stopped it; cut to <paramref name="maxChars"/> characters (the first ¾ and the last ¼ are kept,
    /// so both the start of the output and the end of a traceback survive). <paramref name="truncated"/> says whether
    /// anything was cut.
    /// </summary>
    public static string FormatOutput(ProgramRun run, CodeLimits limits, int maxChars, out bool truncated)
    {
        var sb = new StringBuilder(run.Stdout);
        string stderr = run.Stderr;
        // The harness reports a compile error as "CE <exception>: <message>"; the model sees Python's own line.
        if (run.Verdict == CodeVerdict.CE && stderr.StartsWith("CE ", StringComparison.Ordinal)) stderr = stderr[3..];
        if (stderr.Length > 0)
        {
            if (sb.Length > 0 && sb[^1] != '\n') sb.Append('\n');
            sb.Append(stderr);
        }
        string? limit = run.Verdict switch
        {
            CodeVerdict.TLE => $"TimeoutError: the program ran longer than {limits.TestTimeout.TotalSeconds:0.###} s and was stopped",
            CodeVerdict.MLE => $"MemoryError: the program exceeded the memory limit of {limits.MemoryBytes >> 20} MiB",
            CodeVerdict.OLE => $"OutputLimitError: the program printed more than {limits.MaxOutputBytes} bytes and was stopped",
            CodeVerdict.SANDBOX_ERROR => "SandboxError: the program could not be run",
            _ => null,
        };
        if (limit is not null && !stderr.Contains(limit.Split(':')[0], StringComparison.Ordinal))
        {
            if (sb.Length > 0 && sb[^1] != '\n') sb.Append('\n');
            sb.Append(limit);
        }
        string text = sb.ToString().Replace("\r\n", "\n");
        truncated = text.Length > maxChars;
        if (!truncated) return text;
        int tail = maxChars / 4, head = maxChars - tail;
        return $"{text[..head]}\n…[{text.Length - maxChars} characters truncated]…\n{text[^tail..]}";
    }

    /// <summary>Reads the tool calls of a whole response (model turns and tool messages).</summary>
    public static InterpreterTranscript Parse(string response)
    {
        string text = response.Replace("\r\n", "\n");
        int calls = 0;
        bool wellFormed = text.Trim().Length > 0;
        bool expectOutput = false;
        string? open = null; // the info string of the block we are in, or null outside blocks
        int lastOutputEnd = -1;
        foreach (Match m in FenceLine().Matches(text))
        {
            string tag = m.Groups["tag"].Value.Trim().ToLowerInvariant();
            if (open is not null)
            {
                if (open == OutputTag) lastOutputEnd = m.Index + m.Length;
                expectOutput = open is "python" or "py" or "python3";
                open = null;
                continue;
            }
            if (expectOutput)
            {
                expectOutput = false;
                if (tag == OutputTag) calls++;
                else wellFormed = false; // a python block the tool did not answer
            }
            else if (tag == OutputTag) wellFormed = false; // an output block with no call before it: forged by the model
            open = tag;
        }
        if (open is not null || expectOutput) wellFormed = false; // unclosed, or the last call unanswered
        if (lastOutputEnd >= 0 && text[lastOutputEnd..].Trim().Length == 0) wellFormed = false; // stopped right after a tool reply
        return new InterpreterTranscript(calls, wellFormed);
    }
}
