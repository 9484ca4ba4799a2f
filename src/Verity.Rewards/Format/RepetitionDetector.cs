namespace Verity.Rewards.Format;

/// <summary>
/// Detects degenerate repetition: looping text (a high fraction of repeated word n-grams) and answer-marker spam
/// (many <c>\boxed</c> / "Answer:" markers — the hack seed 000 saw a policy use to farm process-reward-model score).
/// </summary>
public static class RepetitionDetector
{
    /// <summary>
    /// 1 − distinct/total over the word n-grams of the text (0 for no repetition, near 1 for a loop). Hashes n-grams
    /// instead of building strings, so it is allocation-light.
    /// </summary>
    public static double RepeatedNgramFraction(string text, int n)
    {
        if (n < 1) throw new ArgumentException($"n-gram size {n} must be at least 1. HINT: set repetition_ngram to 3 or 4.");
        var words = new List<ulong>();
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i >= text.Length) break;
            ulong h = 14695981039346656037UL;
            while (i < text.Length && !char.IsWhiteSpace(text[i])) { h = (h ^ char.ToLowerInvariant(text[i])) * 1099511628211UL; i++; }
            words.Add(h);
        }
        int total = words.Count - n + 1;
        if (total <= 1) return 0;
        var seen = new HashSet<ulong>(total);
        for (int s = 0; s < total; s++)
        {
            ulong h = 0xcbf29ce484222325UL;
            for (int k = 0; k < n; k++) h = (h ^ words[s + k]) * 0x100000001b3UL + (ulong)k;
            seen.Add(h);
        }
        return 1.0 - (double)seen.Count / total;
    }

    /// <summary>Occurrences of final-answer markers: \boxed, \fbox, "Answer:", "final answer".</summary>
    public static int AnswerMarkerCount(string text)
    {
        int count = Count(text, "\\boxed") + Count(text, "\\fbox") + Count(text, "final answer");
        // "Answer:" not already counted inside "final answer:".
        count += Count(text, "answer:") - Count(text, "final answer:");
        return count;
    }

    private static int Count(string s, string w)
    {
        int c = 0, i = 0;
        while ((i = s.IndexOf(w, i, StringComparison.OrdinalIgnoreCase)) >= 0) { c++; i += w.Length; }
        return c;
    }

    /// <summary>
    /// 0 for normal text; −1 for marker spam; otherwise −(f − threshold)/(1 − threshold) when the repeated n-gram
    /// fraction f exceeds the threshold (linear to −1 for a pure loop).
    /// </summary>
    public static double Penalty(RewardInput input, RewardSettings settings)
    {
        if (AnswerMarkerCount(input.Response) > settings.MaxAnswerMarkers) return -1;
        double f = RepeatedNgramFraction(input.Response, settings.RepetitionNgram);
        if (f <= settings.RepetitionThreshold) return 0;
        return -(f - settings.RepetitionThreshold) / (1 - settings.RepetitionThreshold);
    }
}
