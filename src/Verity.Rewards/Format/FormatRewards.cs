namespace Verity.Rewards.Format;

/// <summary>
/// Format rewards over text: a non-empty <c>\boxed{}</c> is present; the response is one <c>&lt;think&gt;…&lt;/think&gt;</c>
/// block followed by a non-empty answer. Both return 1 on success and <see cref="RewardSettings.FormatFailure"/> otherwise.
/// </summary>
public static class FormatRewards
{
    /// <summary>True when the response holds at least one brace-matched <c>\boxed{…}</c> / <c>\fbox{…}</c> with content.</summary>
    public static bool HasBoxedAnswer(string response)
    {
        foreach (var box in Math.AnswerExtractor.FindBoxes(response))
            if (box.Content.Trim().Length > 0) return true;
        return false;
    }

    /// <summary>
    /// True when the response is exactly: optional whitespace, one <c>&lt;think&gt;</c> block with non-empty reasoning,
    /// <c>&lt;/think&gt;</c>, then a non-empty answer with no further think tags.
    /// </summary>
    public static bool HasThinkStructure(string response)
    {
        const string open = "<think>", close = "</think>";
        var t = response.AsSpan().TrimStart();
        if (!t.StartsWith(open, StringComparison.Ordinal)) return false;
        t = t[open.Length..];
        int end = t.IndexOf(close, StringComparison.Ordinal);
        if (end < 0) return false;
        var thinking = t[..end];
        var answer = t[(end + close.Length)..];
        if (thinking.Trim().IsEmpty || answer.Trim().IsEmpty) return false;
        if (thinking.IndexOf(open, StringComparison.Ordinal) >= 0) return false;
        return answer.IndexOf(open, StringComparison.Ordinal) < 0 && answer.IndexOf(close, StringComparison.Ordinal) < 0;
    }

    public static double BoxedPresent(RewardInput input, RewardSettings settings) => HasBoxedAnswer(input.Response) ? 1 : settings.FormatFailure;

    public static double ThinkFormat(RewardInput input, RewardSettings settings) => HasThinkStructure(input.Response) ? 1 : settings.FormatFailure;
}
