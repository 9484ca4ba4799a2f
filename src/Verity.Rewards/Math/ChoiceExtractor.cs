namespace Verity.Rewards.Math;

/// <summary>
/// Multiple-choice letter extraction: the letter after an answer marker ("answer is D", "réponse est C",
/// "答案 B"), else a letter opening the text ("D.", "(B) Alina", "B。"), else the last standalone option letter.
/// </summary>
internal static class ChoiceExtractor
{
    private static readonly string[] Markers = ["answer", "réponse", "respuesta", "答案"];

    public static char? Extract(string text, string letters)
    {
        foreach (var m in Markers)
        {
            int at = text.LastIndexOf(m, StringComparison.OrdinalIgnoreCase);
            if (at < 0) continue;
            int k = at + m.Length;
            // Skip lower-case words and punctuation ("is for sure", ":") up to the first capital letter.
            for (int steps = 0; k < text.Length && steps < 40; k++, steps++)
            {
                char c = text[k];
                if (char.IsUpper(c))
                {
                    if (letters.Contains(c) && Standalone(text, k)) return c;
                    break;
                }
            }
        }
        string t = text.TrimStart();
        int off = text.Length - t.Length;
        if (t.Length > 0)
        {
            int k = t[0] == '(' ? 1 : 0;
            if (k < t.Length && letters.Contains(t[k]) && (k + 1 >= t.Length || !char.IsAsciiLetter(t[k + 1]))) return t[k];
        }
        for (int i = text.Length - 1; i >= off; i--)
            if (letters.Contains(text[i]) && Standalone(text, i)) return text[i];
        return null;
    }

    private static bool Standalone(string s, int i) =>
        (i == 0 || !char.IsAsciiLetter(s[i - 1])) && (i + 1 >= s.Length || !char.IsAsciiLetter(s[i + 1]));
}
