using System.Text;
using System.Text.RegularExpressions;

namespace Verity.Rewards.Math;

/// <summary>
/// String-level normalization of an extracted answer before parsing: math delimiters, sizing and spacing
/// commands, <c>\dfrac</c>, currency, markdown, doubled backslashes (a JSON/raw-string artifact), thousands
/// separators, and text wrappers. <c>\text{…}</c> holding words becomes a word marker (U+0001…U+0001) so the
/// parser can tell a unit or a text answer from single-letter variables.
/// </summary>
internal static partial class LatexCleaner
{
    public const char WordMark = '\u0001';
    private const char ThousandsMark = '\u0002';

    private static readonly HashSet<string> Dropped = new(StringComparer.Ordinal)
    {
        "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "Biggl", "Biggr",
        "displaystyle", "textstyle", "scriptstyle", "limits", "nolimits", "middle", "hfill", "notag", "nonumber",
    };

    private static readonly HashSet<string> Spaces = new(StringComparer.Ordinal)
    {
        "!", ",", ";", ":", " ", "quad", "qquad", "enspace", "thinspace", "medspace", "thickspace", "negthinspace", "hspace", "\n", "\t",
    };

    private static readonly HashSet<string> TextWrappers = new(StringComparer.Ordinal)
    {
        "text", "textbf", "textit", "textrm", "textnormal", "textsf", "texttt", "textup", "mbox", "hbox", "mathrm", "mathbf",
        "mathit", "mathsf", "mathtt", "operatorname", "boldsymbol", "bm", "emph", "mathbb", "mathcal", "mathscr", "mathfrak",
        "boxed", "fbox", "textsc", "mathnormal",
    };

    /// <summary>Commands recognized after a doubled backslash (<c>\\frac</c> → <c>\frac</c>).</summary>
    private static readonly HashSet<string> KnownCommands = new(StringComparer.Ordinal)
    {
        "frac", "dfrac", "tfrac", "cfrac", "sqrt", "left", "right", "le", "leq", "ge", "geq", "lt", "gt", "ne", "neq",
        "text", "textbf", "mathrm", "mbox", "boxed", "pi", "infty", "in", "cup", "cap", "pm", "mp", "cdot", "times", "div",
        "sin", "cos", "tan", "log", "ln", "exp", "circ", "approx", "begin", "end", "theta", "alpha", "beta", "gamma",
        "emptyset", "varnothing", "binom", "dbinom", "ldots", "cdots", "dots", "quad", "qquad", "sec", "csc", "cot",
    };

    /// <summary>Cleans one extracted answer; null when it is too long to parse.</summary>
    public static string? Clean(string raw, MathVerifyOptions options)
    {
        if (raw.Length > options.MaxAnswerChars) return null;
        string s = ThousandsMarkers().Replace(raw, ThousandsMark.ToString());
        var sb = new StringBuilder(s.Length + 8);
        CleanInto(s, sb, 0);
        s = sb.ToString();
        if (s.IndexOf(ThousandsMark) >= 0)
        {
            s = ThousandsJoin().Replace(s, "");
            s = s.Replace(ThousandsMark, ',');
        }
        s = s.Trim().TrimEnd('.', ',', ';', '\\', ' ', '\n', '\t', '\r', ':').Trim();
        s = NormalizeWholeNumber(s, options);
        return s;
    }

    private static string NormalizeWholeNumber(string s, MathVerifyOptions options)
    {
        if (s.Length == 0 || s.Length > 64) return s;
        if (options.DecimalComma)
        {
            var m = DecimalCommaNumber().Match(s);
            if (m.Success) return s.Substring(0, m.Length).Replace(',', '.') + s.Substring(m.Length);
        }
        var t = CommaThousands().Match(s);
        if (t.Success) return s.Substring(0, t.Length).Replace(",", "") + s.Substring(t.Length);
        var sp = SpaceThousands().Match(s);
        if (sp.Success) return s.Substring(0, sp.Length).Replace(" ", "") + s.Substring(sp.Length);
        return s;
    }

    private static void CleanInto(string s, StringBuilder sb, int depth)
    {
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            switch (c)
            {
                case '$': continue;
                case '*' when i + 1 < s.Length && s[i + 1] == '*': i++; continue;
                case '\\':
                    i = Command(s, i, sb, depth);
                    continue;
                case '\r': case '\n': case '\t': case '\f': case '\u00a0': case '~': sb.Append(' '); continue;
                case '−': case '–': case '—': sb.Append('-'); continue;
                case '×': sb.Append(@"\times "); continue;
                case '÷': sb.Append('/'); continue;
                case '·': case '⋅': sb.Append(@"\cdot "); continue;
                case '≤': case '⩽': sb.Append(@"\le "); continue;
                case '≥': case '⩾': sb.Append(@"\ge "); continue;
                case '≠': sb.Append(@"\ne "); continue;
                case '±': sb.Append(@"\pm "); continue;
                case '∓': sb.Append(@"\mp "); continue;
                case 'π': sb.Append(@"\pi "); continue;
                case '∞': sb.Append(@"\infty "); continue;
                case '√': sb.Append(@"\sqrt "); continue;
                case '∪': sb.Append(@"\cup "); continue;
                case '∈': sb.Append(@"\in "); continue;
                case '≈': sb.Append(@"\approx "); continue;
                case '²': sb.Append("^2"); continue;
                case '³': sb.Append("^3"); continue;
                case '，': sb.Append(','); continue;
                case '：': sb.Append(':'); continue;
                case '；': sb.Append(';'); continue;
                case '（': sb.Append('('); continue;
                case '）': sb.Append(')'); continue;
                case '’': case '‘': sb.Append('\''); continue;
                case '€': case '£': case '¥': case '₹': continue;
                default: sb.Append(c); continue;
            }
        }
    }

    /// <summary>Handles the command starting at s[i] == '\'; returns the index of its last character.</summary>
    private static int Command(string s, int i, StringBuilder sb, int depth)
    {
        int j = i + 1;
        if (j >= s.Length) return i;
        char c = s[j];
        if (c == '\\')
        {
            // "\\frac" (doubled backslash from an escaped string) → "\frac"; a real "\\" row break stays.
            int k = j + 1;
            while (k < s.Length && char.IsAsciiLetter(s[k])) k++;
            if (k > j + 1 && KnownCommands.Contains(s.Substring(j + 1, k - j - 1))) return Command(s, j, sb, depth);
            sb.Append(@"\\");
            return j;
        }
        if (!char.IsAsciiLetter(c))
        {
            string one = c.ToString();
            if (Spaces.Contains(one)) { sb.Append(' '); return j; }
            switch (c)
            {
                case '$': return j;
                case '%': sb.Append('%'); return j;
                case '(': case ')': case '[': case ']': sb.Append(' '); return j;
                case '{': sb.Append(@"\{"); return j;
                case '}': sb.Append(@"\}"); return j;
                case '|': sb.Append('|'); return j;
                default: sb.Append('\\').Append(c); return j;
            }
        }
        int end = j;
        while (end < s.Length && char.IsAsciiLetter(s[end])) end++;
        string name = s.Substring(j, end - j);
        int last = end - 1;
        if (Dropped.Contains(name))
        {
            if ((name == "left" || name == "right") && end < s.Length && s[end] == '.') return end;
            sb.Append(' ');
            return last;
        }
        if (Spaces.Contains(name)) { sb.Append(' '); return last; }
        if (name.StartsWith("qquad", StringComparison.Ordinal) || name.StartsWith("quad", StringComparison.Ordinal))
        {
            // "\quadx_2" (missing space): the spacing command, then the letters as text.
            int skip = name.StartsWith("qquad", StringComparison.Ordinal) ? 5 : 4;
            sb.Append(' ').Append(name, skip, name.Length - skip);
            return last;
        }
        if (name is "dfrac" or "tfrac" or "cfrac") { sb.Append(@"\frac"); return last; }
        if (name is "dbinom" or "tbinom") { sb.Append(@"\binom"); return last; }
        if (name is "hspace" or "vspace" or "phantom" or "label" or "tag")
        {
            int k = SkipSpaces(s, end);
            if (k < s.Length && s[k] == '{') { int close = MatchBrace(s, k); return close < 0 ? s.Length - 1 : close; }
            return last;
        }
        if (TextWrappers.Contains(name) || name is "rm" or "bf" or "it")
        {
            int k = SkipSpaces(s, end);
            if (k >= s.Length || s[k] != '{') { sb.Append(' '); return last; }
            int close = MatchBrace(s, k);
            if (close < 0) close = s.Length;
            string inner = s.Substring(k + 1, close - k - 1);
            if (depth > 20) { sb.Append(' '); return System.Math.Min(close, s.Length - 1); }
            var innerSb = new StringBuilder(inner.Length + 4);
            CleanInto(inner, innerSb, depth + 1);
            string content = innerSb.ToString().Trim();
            if (name is "boxed" or "fbox" or "mathbb" or "mathcal" or "mathscr" or "mathfrak") sb.Append(' ').Append(content).Append(' ');
            else if (IsJoinWord(content)) sb.Append(" and ");
            else if (IsWordLike(content)) sb.Append(' ').Append(WordMark).Append(content).Append(WordMark).Append(' ');
            else sb.Append(' ').Append(content).Append(' ');
            return System.Math.Min(close, s.Length - 1);
        }
        sb.Append('\\').Append(name);
        return last;
    }

    public static bool IsJoinWord(string t) => t.Equals("and", StringComparison.OrdinalIgnoreCase) || t.Equals("or", StringComparison.OrdinalIgnoreCase)
        || t == "," || t.Equals("or equivalently", StringComparison.OrdinalIgnoreCase);

    private static bool IsWordLike(string t)
    {
        int letters = 0;
        foreach (char ch in t)
        {
            if (char.IsLetter(ch)) letters++;
            else if (ch is not (' ' or '\'' or '-' or '.')) return false;
        }
        return letters >= 2;
    }

    private static int SkipSpaces(string s, int k) { while (k < s.Length && s[k] == ' ') k++; return k; }

    /// <summary>Index of the '}' matching the '{' at <paramref name="open"/> (escaped braces skipped), or -1.</summary>
    public static int MatchBrace(string s, int open)
    {
        int depth = 0;
        for (int i = open; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '\\') { i++; continue; }
            if (c == '{') depth++;
            else if (c == '}' && --depth == 0) return i;
        }
        return -1;
    }

    [GeneratedRegex(@"\{\s*,\s*\}|,\s*\\!")]
    private static partial Regex ThousandsMarkers();

    [GeneratedRegex("(?<=\\d)\\s*\u0002\\s*(?=\\d{3}(?!\\d))")]
    private static partial Regex ThousandsJoin();

    [GeneratedRegex(@"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?=[^\d,.]*$)")]
    private static partial Regex CommaThousands();

    [GeneratedRegex(@"^[-+]?\d{1,3}(?: \d{3})+(?:\.\d+)?(?=[^\d,.]*$)")]
    private static partial Regex SpaceThousands();

    [GeneratedRegex(@"^[-+]?\d+,\d+(?=[^\d,.]*$)")]
    private static partial Regex DecimalCommaNumber();
}
