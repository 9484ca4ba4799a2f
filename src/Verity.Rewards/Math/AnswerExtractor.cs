namespace Verity.Rewards.Math;

/// <summary>One place in a response that may hold the final answer.</summary>
internal readonly record struct AnswerCandidate(string Text, AnswerSource Source, int Position);

/// <summary>
/// Finds final-answer candidates in a response, by source: brace-matched <c>\boxed{}</c> / <c>\fbox{}</c>
/// (adjacent boxes joined by "and", commas or punctuation become one list), "final answer is", <c>####</c>,
/// "Answer:" (also "réponse", "答案"), and the last LaTeX environment or number. Linear in the response length;
/// never reads a fixed-size tail, so an answer followed by a long note is still found.
/// </summary>
internal static class AnswerExtractor
{
    private const int MaxSegment = 600;

    /// <summary>Candidates of one source, the most likely first (rightmost first, then fallbacks).</summary>
    public static List<AnswerCandidate> Find(string text, AnswerSource source, MathVerifyOptions o) => source switch
    {
        AnswerSource.Boxed => Boxed(text, o),
        AnswerSource.FinalAnswerIs => Markers(text, ["final answer is"], AnswerSource.FinalAnswerIs),
        AnswerSource.Gsm8kMarker => Gsm8k(text),
        AnswerSource.AnswerMarker => Markers(text, ["answer", "réponse", "respuesta", "antwort", "答案", "الإجابة"], AnswerSource.AnswerMarker),
        AnswerSource.LastMath => LastMath(text),
        _ => [],
    };

    internal readonly record struct Box(int Start, int End, string Content);

    public static List<Box> FindBoxes(string s)
    {
        var boxes = new List<Box>();
        int i = 0, b = -2, f = -2;
        while (i < s.Length)
        {
            // Next occurrence of each name, recomputed only once passed: linear in the text length.
            if (b != -1 && b < i) b = s.IndexOf("\\boxed", i, StringComparison.Ordinal);
            if (f != -1 && f < i) f = s.IndexOf("\\fbox", i, StringComparison.Ordinal);
            int at = b < 0 ? f : f < 0 ? b : System.Math.Min(b, f);
            if (at < 0) break;
            int k = at + (at == b ? 6 : 5);
            if (k < s.Length && char.IsAsciiLetter(s[k])) { i = k; continue; }
            while (k < s.Length && s[k] == ' ') k++;
            if (k < s.Length && s[k] == '{')
            {
                int close = LatexCleaner.MatchBrace(s, k);
                if (close < 0)
                {
                    int end = System.Math.Min(s.Length, k + 1 + 2000);
                    boxes.Add(new Box(at, end, s.Substring(k + 1, end - k - 1)));
                    break;
                }
                boxes.Add(new Box(at, close + 1, s.Substring(k + 1, close - k - 1)));
                i = close + 1;
            }
            else
            {
                int e = k;
                while (e < s.Length && e - k < 200 && !char.IsWhiteSpace(s[e]) && s[e] != '$') e++;
                if (e > k) boxes.Add(new Box(at, e, s.Substring(k, e - k)));
                i = System.Math.Max(e, at + 1);
            }
        }
        return boxes;
    }

    private static List<AnswerCandidate> Boxed(string s, MathVerifyOptions o)
    {
        var boxes = FindBoxes(s);
        var result = new List<AnswerCandidate>();
        int idx = boxes.Count - 1;
        while (idx >= 0 && result.Count < 5)
        {
            int first = idx;
            while (first > 0 && IsJoiner(s.AsSpan(boxes[first - 1].End, boxes[first].Start - boxes[first - 1].End))) first--;
            var parts = new List<string>();
            for (int k = first; k <= idx; k++) if (boxes[k].Content.Trim().Length > 0) parts.Add(boxes[k].Content);
            if (parts.Count > 0) result.Add(new AnswerCandidate(string.Join(", ", parts), AnswerSource.Boxed, boxes[idx].Start));
            idx = first - 1;
        }
        return result;
    }

    /// <summary>Text between two boxes that makes them one answer: punctuation only, or a short phrase with "and"/"or"/",".</summary>
    private static bool IsJoiner(ReadOnlySpan<char> between)
    {
        if (between.Length > 120) return false;
        string t = between.ToString()
            .Replace("\\text", " ").Replace("\\quad", " ").Replace("\\qquad", " ").Replace("\\(", " ").Replace("\\)", " ")
            .Replace("\\[", " ").Replace("\\]", " ").Replace("\\,", " ").Replace("\\;", " ").Replace("\\ ", " ");
        bool anyAlnum = false;
        foreach (char c in t) if (char.IsLetterOrDigit(c)) { anyAlnum = true; break; }
        if (!anyAlnum) return true;
        var words = t.Split([' ', '\n', '\t', '{', '}', '$', ','], StringSplitOptions.RemoveEmptyEntries);
        static bool IsJoin(string w) => w.Equals("and", StringComparison.OrdinalIgnoreCase) || w.Equals("or", StringComparison.OrdinalIgnoreCase);
        bool join = t.Contains(',') || words.Any(IsJoin);
        return join && words.Count(w => !IsJoin(w)) <= 3 && words.Length <= 5;
    }

    private static List<AnswerCandidate> Markers(string s, string[] markers, AnswerSource source)
    {
        var found = new List<(int At, int After)>();
        foreach (var m in markers)
        {
            int i = 0;
            while (i < s.Length)
            {
                int at = s.IndexOf(m, i, StringComparison.OrdinalIgnoreCase);
                if (at < 0) break;
                i = at + m.Length;
                bool asciiMarker = char.IsAsciiLetter(m[0]);
                if (asciiMarker && at > 0 && char.IsLetter(s[at - 1])) continue;
                if (asciiMarker && i < s.Length && char.IsLetter(s[i]) && !m.EndsWith(' ')) continue;
                found.Add((at, i));
            }
        }
        found.Sort((a, b) => b.At.CompareTo(a.At));
        var result = new List<AnswerCandidate>();
        foreach (var (at, after) in found.Take(6))
            foreach (var t in Refine(s, after)) result.Add(new AnswerCandidate(t, source, at));
        return result;
    }

    private static List<AnswerCandidate> Gsm8k(string s)
    {
        var result = new List<AnswerCandidate>();
        int i = s.Length;
        while (i > 0 && result.Count < 6)
        {
            int at = s.LastIndexOf("####", i - 1, StringComparison.Ordinal);
            if (at < 0) break;
            i = at;
            int runStart = at;
            while (runStart > 0 && s[runStart - 1] == '#') runStart--;
            int runEnd = at + 4;
            while (runEnd < s.Length && s[runEnd] == '#') runEnd++;
            i = runStart;
            if (runEnd - runStart != 4) continue;
            int eol = s.IndexOf('\n', runEnd);
            string line = s.Substring(runEnd, (eol < 0 ? s.Length : eol) - runEnd);
            if (line.Length > MaxSegment) line = line.Substring(0, MaxSegment);
            foreach (var t in RefineSegment(line)) result.Add(new AnswerCandidate(t, AnswerSource.Gsm8kMarker, runStart));
        }
        return result;
    }

    /// <summary>The answer text after a marker ending at <paramref name="after"/>: the whole remainder, then its first math.</summary>
    private static List<string> Refine(string s, int after)
    {
        int k = after;
        while (k < s.Length)
        {
            char c = s[k];
            if (c is ' ' or '*' or ':' or '：' or '\t' or '=' or '\n' or '\r') { k++; continue; }
            if (Starts(s, k, "is:")) { k += 3; continue; }
            if (Starts(s, k, "is ")) { k += 3; continue; }
            if (Starts(s, k, "est ")) { k += 4; continue; }
            if (Starts(s, k, "es ")) { k += 3; continue; }
            if (c == '是') { k++; continue; }
            break;
        }
        if (k >= s.Length) return [];
        var env = EnvAt(s, k);
        if (env != null) return [env.Value.Content];
        int end = System.Math.Min(s.Length, k + MaxSegment);
        return RefineSegment(s.Substring(k, end - k));
    }

    private static bool Starts(string s, int k, string w) => string.Compare(s, k, w, 0, w.Length, StringComparison.OrdinalIgnoreCase) == 0;

    private static List<string> RefineSegment(string seg)
    {
        var boxes = FindBoxes(seg);
        if (boxes.Count > 0) return [boxes[0].Content];
        seg = CutSentence(seg);
        foreach (var sep in new[] { " is ", " est ", " es ", "是", " equals " })
        {
            int at = seg.LastIndexOf(sep, StringComparison.OrdinalIgnoreCase);
            if (at >= 0 && at + sep.Length < seg.Length) { seg = seg.Substring(at + sep.Length); break; }
        }
        seg = seg.Replace("\\\"", "").Replace("\"", "").Trim();
        if (seg.Length == 0) return [];
        var list = new List<string> { seg };
        var firstEnv = FirstMath(seg);
        if (firstEnv != null && firstEnv != seg) list.Add(firstEnv);
        return list;
    }

    /// <summary>Up to the end of the first sentence or line (a '.' between digits is a decimal point).</summary>
    private static string CutSentence(string seg)
    {
        int inEnv = 0;
        for (int i = 0; i < seg.Length; i++)
        {
            char c = seg[i];
            if (c == '$' && (i == 0 || seg[i - 1] != '\\')) inEnv ^= 1;
            if (inEnv == 1) continue;
            if (c == '\n' && i > 0) return seg.Substring(0, i);
            if (c == '。') return seg.Substring(0, i);
            if (c == '.' && (i + 1 >= seg.Length || char.IsWhiteSpace(seg[i + 1]) || seg[i + 1] == '$'))
            {
                if (i > 0 && char.IsAsciiDigit(seg[i - 1]) && i + 1 < seg.Length && char.IsAsciiDigit(seg[i + 1])) continue;
                return seg.Substring(0, i);
            }
        }
        return seg;
    }

    private readonly record struct Env(int Start, int End, string Content);

    /// <summary>Where the next closer of each kind lies (or -1), so a scan over many unclosed openers stays linear.</summary>
    private sealed class CloserCache
    {
        public readonly int[] Next = [-2, -2, -2, -2];
        public readonly int[] From = [0, 0, 0, 0];
    }

    private static readonly string[] Closers = ["$", "$$", "\\)", "\\]"];

    private static int NextCloser(string s, int kind, int from, CloserCache? cache)
    {
        if (cache == null) return FindCloser(s, kind, from);
        ref int next = ref cache.Next[kind];
        if (next == -1 && from >= cache.From[kind]) return -1;
        if (next >= from) return next;
        next = FindCloser(s, kind, from);
        cache.From[kind] = from;
        return next;
    }

    private static int FindCloser(string s, int kind, int from)
    {
        string close = Closers[kind];
        int j = from;
        while (true)
        {
            j = s.IndexOf(close, j, StringComparison.Ordinal);
            if (j < 0) return -1;
            if (kind == 0 && j > 0 && s[j - 1] == '\\') { j++; continue; }   // \$ is not a delimiter
            return j;
        }
    }

    /// <summary>A math environment opening at k: $…$ (one line), $$…$$, \(…\), \[…\].</summary>
    private static Env? EnvAt(string s, int k, CloserCache? cache = null)
    {
        if (k >= s.Length) return null;
        int kind, open;
        if (s[k] == '$' && (k == 0 || s[k - 1] != '\\'))
        {
            if (k + 1 < s.Length && s[k + 1] == '$') { kind = 1; open = 2; }
            else { kind = 0; open = 1; }
        }
        else if (s[k] == '\\' && k + 1 < s.Length && (s[k + 1] == '(' || s[k + 1] == '['))
        {
            kind = s[k + 1] == '(' ? 2 : 3;
            open = 2;
        }
        else return null;
        int from = k + open;
        int j = NextCloser(s, kind, from, cache);
        if (j < 0 || j - from > 4000) return null;
        if (kind == 0)
        {
            if (j + 1 < s.Length && s[j + 1] == '$') return null;
            int nl = s.IndexOf('\n', from, j - from);
            if (nl >= 0) return null;
        }
        var content = s.Substring(from, j - from);
        if (content.Trim().Length == 0) return null;
        return new Env(k, j + Closers[kind].Length, content);
    }

    private static string? FirstMath(string seg)
    {
        for (int i = 0; i < seg.Length; i++)
        {
            var env = EnvAt(seg, i);
            if (env != null) return env.Value.Content;
            if (NumberAt(seg, i, out int end)) return seg.Substring(i, end - i);
            if (seg[i] == '\\' && Starts(seg, i, "\\frac")) { int e = FracEnd(seg, i); if (e > 0) return seg.Substring(i, e - i); }
        }
        return null;
    }

    /// <summary>A plain number at i (sign, thousands groups, decimals, a/b, %); false inside a word.</summary>
    private static bool NumberAt(string s, int i, out int end)
    {
        end = i;
        int k = i;
        if (k < s.Length && s[k] == '-' && k + 1 < s.Length && (char.IsAsciiDigit(s[k + 1]) || s[k + 1] == '.')) k++;
        if (k >= s.Length) return false;
        if (i > 0 && (char.IsAsciiLetter(s[i - 1]) || char.IsAsciiDigit(s[i - 1]) || s[i - 1] == '.' || s[i - 1] == '_' || s[i - 1] == '^' || s[i - 1] == '\\')) return false;
        bool lead = s[k] == '.' && k + 1 < s.Length && char.IsAsciiDigit(s[k + 1]);
        if (!char.IsAsciiDigit(s[k]) && !lead) return false;
        while (k < s.Length && char.IsAsciiDigit(s[k])) k++;
        while (k + 3 < s.Length + 0 && s[k] == ',' && Digits(s, k + 1, 3) && (k + 4 >= s.Length || !char.IsAsciiDigit(s[k + 4]))) k += 4;
        if (k + 1 < s.Length && s[k] == '.' && char.IsAsciiDigit(s[k + 1])) { k++; while (k < s.Length && char.IsAsciiDigit(s[k])) k++; }
        if (k + 1 < s.Length && s[k] == '/' && char.IsAsciiDigit(s[k + 1])) { k++; while (k < s.Length && char.IsAsciiDigit(s[k])) k++; }
        if (k < s.Length && s[k] == '%') k++;
        else if (k + 1 < s.Length && s[k] == '\\' && s[k + 1] == '%') k += 2;
        end = k;
        return true;
    }

    private static bool Digits(string s, int at, int n)
    {
        if (at + n > s.Length) return false;
        for (int j = at; j < at + n; j++) if (!char.IsAsciiDigit(s[j])) return false;
        return true;
    }

    private static string? LastNumber(string s)
    {
        string? last = null;
        for (int i = 0; i < s.Length; i++)
            if (NumberAt(s, i, out int end) && end > i) { last = s.Substring(i, end - i); i = end - 1; }
        return last;
    }

    private static int FracEnd(string s, int i)
    {
        int k = i + 5;
        for (int arg = 0; arg < 2; arg++)
        {
            while (k < s.Length && s[k] == ' ') k++;
            if (k >= s.Length) return -1;
            if (s[k] == '{') { int c = LatexCleaner.MatchBrace(s, k); if (c < 0) return -1; k = c + 1; }
            else if (char.IsLetterOrDigit(s[k])) k++;
            else return -1;
        }
        return k;
    }

    /// <summary>The last math environments, bare \frac and plain numbers, rightmost first (the whole response first when short).</summary>
    private static List<AnswerCandidate> LastMath(string s)
    {
        var result = new List<AnswerCandidate>();
        string trimmed = s.Trim();
        if (trimmed.Length > 0 && trimmed.Length <= 80 && trimmed.IndexOf('\n') < 0 && trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length <= 4) result.Add(new AnswerCandidate(trimmed, AnswerSource.LastMath, s.Length));
        var ring = new (int End, string Text)[8];
        var cache = new CloserCache();
        int count = 0;
        int i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (c == '$' || (c == '\\' && i + 1 < s.Length && (s[i + 1] == '(' || s[i + 1] == '[')))
            {
                var env = EnvAt(s, i, cache);
                if (env != null)
                {
                    ring[count++ % ring.Length] = (env.Value.End, env.Value.Content);
                    string? inner = LastNumber(env.Value.Content);
                    if (inner != null && inner != env.Value.Content.Trim()) ring[count++ % ring.Length] = (env.Value.End - 1, inner);
                    i = env.Value.End;
                    continue;
                }
                i += c == '$' ? 1 : 2;
                continue;
            }
            if (c == '\\' && Starts(s, i, "\\frac"))
            {
                int e = FracEnd(s, i);
                if (e > 0) { ring[count++ % ring.Length] = (e, s.Substring(i, e - i)); i = e; continue; }
            }
            if ((char.IsAsciiDigit(c) || c == '-' || c == '.') && NumberAt(s, i, out int end) && end > i)
            {
                string num = s.Substring(i, end - i);
                if (num != "-" && num != ".") ring[count++ % ring.Length] = (end, num);
                i = end;
                continue;
            }
            i++;
        }
        int n = System.Math.Min(count, ring.Length);
        for (int k = 0; k < n; k++)
        {
            var (end, text) = ring[(count - 1 - k) % ring.Length];
            result.Add(new AnswerCandidate(text, AnswerSource.LastMath, end));
        }
        return result;
    }
}
