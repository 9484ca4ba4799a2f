using System.Globalization;


namespace Verity.Hub.Tokenization;

/// <summary>The classes the GPT-family split regexes distinguish: \p{L}, \p{N}, \s, and the rest.</summary>
internal enum CharClass : byte { Other, Letter, Number, Space }

/// <summary>
/// Classifies code points (not UTF-16 units) so astral letters such as 𝐀 count as \p{L}, as they do in the
/// Rust regex HF uses; .NET's Regex would see two surrogates in [^\s\p{L}\p{N}].
/// </summary>
internal static class CharClasses
{
    private static readonly CharClass[] Ascii = BuildAscii();

    private static CharClass[] BuildAscii()
    {
        var t = new CharClass[128];
        for (int c = 0; c < 128; c++) t[c] = Classify(c);
        return t;
    }

    /// <summary>Class of the code point starting at s[i]; width is 1 or 2 UTF-16 units.</summary>
    public static CharClass At(ReadOnlySpan<char> s, int i, out int width)
    {
        char c = s[i];
        if (c < 128) { width = 1; return Ascii[c]; }
        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            width = 2;
            return Classify(char.ConvertToUtf32(c, s[i + 1]));
        }
        width = 1;
        return Classify(c);
    }

    public static CharClass Classify(int codePoint)
    {
        // \s in Oniguruma/Rust regex is Unicode White_Space, which is what char.IsWhiteSpace tests.
        if (codePoint < 0x10000 && char.IsWhiteSpace((char)codePoint)) return CharClass.Space;
        switch (CharUnicodeInfo.GetUnicodeCategory(codePoint))
        {
            case UnicodeCategory.UppercaseLetter:
            case UnicodeCategory.LowercaseLetter:
            case UnicodeCategory.TitlecaseLetter:
            case UnicodeCategory.ModifierLetter:
            case UnicodeCategory.OtherLetter:
                return CharClass.Letter;
            case UnicodeCategory.DecimalDigitNumber:
            case UnicodeCategory.LetterNumber:
            case UnicodeCategory.OtherNumber:
                return CharClass.Number;
            default:
                return CharClass.Other;
        }
    }

    public static bool IsCrLf(char c) => c == '\r' || c == '\n';

}
