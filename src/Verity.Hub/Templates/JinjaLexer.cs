using System.Text;

namespace Verity.Hub.Templates;

internal enum TokKind { Text, ExprOpen, StmtOpen, Close, Name, String, Int, Float, Op, End }

internal readonly record struct Tok(TokKind Kind, string Value, int Line, int Column);

/// <summary>
/// Splits a template into text and tag tokens with the whitespace rules HF's apply_chat_template uses:
/// trim_blocks and lstrip_blocks on, '-' modifiers strip all whitespace on that side, one trailing
/// newline of the template dropped (Jinja's keep_trailing_newline=False).
/// </summary>
internal static class JinjaLexer
{
    private static readonly string[] Ops = ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"];

    private sealed record Segment(bool IsText, string Text, char TagKind, bool StripLeft, bool StripRight, List<Tok> Tokens, int Line, int Column);

    public static List<Tok> Tokenize(string source)
    {
        if (source.EndsWith('\n')) source = source[..^1];
        var segments = Scan(source);
        ApplyWhitespaceRules(segments);
        var tokens = new List<Tok>();
        foreach (var s in segments)
        {
            if (s.IsText) { if (s.Text.Length > 0) tokens.Add(new Tok(TokKind.Text, s.Text, s.Line, s.Column)); continue; }
            if (s.TagKind == '#') continue;
            tokens.Add(new Tok(s.TagKind == '{' ? TokKind.ExprOpen : TokKind.StmtOpen, "", s.Line, s.Column));
            tokens.AddRange(s.Tokens);
            tokens.Add(new Tok(TokKind.Close, "", s.Line, s.Column));
        }
        tokens.Add(new Tok(TokKind.End, "", Line(source, source.Length), 1));
        return tokens;
    }

    private static int Line(string s, int pos) { int n = 1; for (int i = 0; i < pos && i < s.Length; i++) if (s[i] == '\n') n++; return n; }

    private static List<Segment> Scan(string src)
    {
        var segments = new List<Segment>();
        int pos = 0, line = 1, lineStart = 0;
        void Advance(int to)
        {
            for (int i = pos; i < to; i++) if (src[i] == '\n') { line++; lineStart = i + 1; }
            pos = to;
        }
        while (pos < src.Length)
        {
            int open = FindOpen(src, pos);
            if (open < 0) { segments.Add(new Segment(true, src[pos..], ' ', false, false, [], line, pos - lineStart + 1)); break; }
            if (open > pos) segments.Add(new Segment(true, src[pos..open], ' ', false, false, [], line, pos - lineStart + 1));
            Advance(open);
            int tagLine = line, tagCol = open - lineStart + 1;
            char kind = src[open + 1];  // '{', '%' or '#'
            int i = open + 2;
            bool stripLeft = i < src.Length && src[i] == '-';
            if (i < src.Length && (src[i] == '-' || src[i] == '+')) i++;
            if (kind == '#')
            {
                int close = src.IndexOf("#}", i, StringComparison.Ordinal);
                if (close < 0) throw new FormatException($"chat template line {tagLine} column {tagCol}: comment '{{#' is never closed. HINT: end it with '#}}'.");
                bool stripRight = src[close - 1] == '-';
                segments.Add(new Segment(false, "", '#', stripLeft, stripRight, [], tagLine, tagCol));
                Advance(close + 2);
                continue;
            }
            char closeChar = kind == '{' ? '}' : '%';
            var tokens = new List<Tok>();
            bool closed = false, stripR = false;
            Advance(i);
            while (pos < src.Length)
            {
                char c = src[pos];
                int col = pos - lineStart + 1;
                if (char.IsWhiteSpace(c)) { Advance(pos + 1); continue; }
                if (c == '-' && Matches(src, pos + 1, closeChar, '}')) { stripR = true; Advance(pos + 3); closed = true; break; }
                if (c == '+' && Matches(src, pos + 1, closeChar, '}')) { Advance(pos + 3); closed = true; break; }
                if (Matches(src, pos, closeChar, '}')) { Advance(pos + 2); closed = true; break; }
                if (c == '\'' || c == '"') { tokens.Add(new Tok(TokKind.String, ReadString(src, ref pos, line, col), line, col)); continue; }
                if (char.IsDigit(c))
                {
                    int s = pos;
                    while (pos < src.Length && (char.IsDigit(src[pos]) || src[pos] == '_')) pos++;
                    bool isFloat = false;
                    if (pos + 1 < src.Length && src[pos] == '.' && char.IsDigit(src[pos + 1]))
                    {
                        isFloat = true; pos++;
                        while (pos < src.Length && char.IsDigit(src[pos])) pos++;
                    }
                    tokens.Add(new Tok(isFloat ? TokKind.Float : TokKind.Int, src[s..pos].Replace("_", ""), line, col));
                    continue;
                }
                if (char.IsLetter(c) || c == '_')
                {
                    int s = pos;
                    while (pos < src.Length && (char.IsLetterOrDigit(src[pos]) || src[pos] == '_')) pos++;
                    tokens.Add(new Tok(TokKind.Name, src[s..pos], line, col));
                    continue;
                }
                string? op = Ops.FirstOrDefault(o => string.CompareOrdinal(src, pos, o, 0, o.Length) == 0);
                if (op == null) throw new FormatException($"chat template line {line} column {col}: unexpected character '{c}'. HINT: only Jinja expression syntax is allowed inside tags.");
                tokens.Add(new Tok(TokKind.Op, op, line, col));
                Advance(pos + op.Length);
            }
            if (!closed) throw new FormatException($"chat template line {tagLine} column {tagCol}: tag '{{{kind}' is never closed. HINT: end it with '{closeChar}}}'.");
            segments.Add(new Segment(false, "", kind, stripLeft, stripR, tokens, tagLine, tagCol));
        }
        return segments;
    }

    private static bool Matches(string s, int i, char a, char b) => i + 1 < s.Length && s[i] == a && s[i + 1] == b;

    private static int FindOpen(string s, int from)
    {
        for (int i = s.IndexOf('{', from); i >= 0 && i + 1 < s.Length; i = s.IndexOf('{', i + 1))
            if (s[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }

    private static string ReadString(string src, ref int pos, int line, int col)
    {
        char quote = src[pos++];
        var sb = new StringBuilder();
        while (pos < src.Length && src[pos] != quote)
        {
            char c = src[pos++];
            if (c != '\\' || pos >= src.Length) { sb.Append(c); continue; }
            char e = src[pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'u' when pos + 4 <= src.Length: sb.Append((char)Convert.ToInt32(src.Substring(pos, 4), 16)); pos += 4; break;
                case 'x' when pos + 2 <= src.Length: sb.Append((char)Convert.ToInt32(src.Substring(pos, 2), 16)); pos += 2; break;
                default: sb.Append('\\').Append(e); break;
            }
        }
        if (pos >= src.Length) throw new FormatException($"chat template line {line} column {col}: string literal is never closed. HINT: close it with {quote}.");
        pos++;
        return sb.ToString();
    }

    /// <summary>'-' strips all whitespace beside the tag; trim_blocks drops one newline after a block or
    /// comment tag; lstrip_blocks drops spaces/tabs between a line start and a block or comment tag.
    /// Both rules look at the raw text (a text segment starts a line only at the template start).</summary>
    private static void ApplyWhitespaceRules(List<Segment> segments)
    {
        for (int k = 0; k < segments.Count; k++)
        {
            var s = segments[k];
            if (!s.IsText) continue;
            string raw = s.Text;
            var prev = k > 0 ? segments[k - 1] : null;
            var next = k + 1 < segments.Count ? segments[k + 1] : null;
            int start = 0, end = raw.Length;
            if (next != null)
            {
                if (next.StripLeft) end = raw.TrimEnd().Length;
                else if (next.TagKind is '%' or '#')
                {
                    int j = raw.Length;
                    while (j > 0 && raw[j - 1] is ' ' or '\t') j--;
                    if (j > 0 ? raw[j - 1] == '\n' : k == 0) end = j;
                }
            }
            if (prev != null)
            {
                if (prev.StripRight) start = raw.Length - raw.TrimStart().Length;
                else if (prev.TagKind is '%' or '#')
                {
                    if (raw.StartsWith('\n')) start = 1;
                    else if (raw.StartsWith("\r\n", StringComparison.Ordinal)) start = 2;
                }
            }
            segments[k] = s with { Text = start >= end ? "" : raw[start..end] };
        }
    }
}
