using System.Text.RegularExpressions;

namespace Verity.Rewards.Code;

/// <summary>Which fenced block to take when a response has several.</summary>
public enum CodeBlockPick { Last, First }

/// <summary>
/// Pulls the program out of a model response: a fenced block (```python … ```). By default only python tags
/// (python, py, python3) count and the last block wins (as rllm/DeepCoder); <c>anyLanguage</c> accepts any tag or
/// none. No block → null, which the rewarder scores as FORMAT.
/// </summary>
public static partial class CodeExtractor
{
    // An opening fence at line start, an optional info string, the body, then a closing fence at line start
    // (or the end of the text: a truncated response still has its code).
    [GeneratedRegex(@"^[ \t]*```[ \t]*(?<tag>[^\n`]*)\n(?<body>.*?)(?:^[ \t]*```[ \t]*$|\z)", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    private static readonly HashSet<string> PythonTags = new(StringComparer.OrdinalIgnoreCase) { "python", "py", "python3" };

    public static string? Extract(string response, CodeBlockPick pick = CodeBlockPick.Last, bool anyLanguage = false)
    {
        string? chosen = null;
        foreach (Match m in Fence().Matches(response.Replace("\r\n", "\n")))
        {
            string tag = m.Groups["tag"].Value.Trim().Split(' ', 2)[0];
            if (!anyLanguage && !PythonTags.Contains(tag)) continue;
            chosen = m.Groups["body"].Value;
            if (pick == CodeBlockPick.First) break;
        }
        return chosen;
    }
}
