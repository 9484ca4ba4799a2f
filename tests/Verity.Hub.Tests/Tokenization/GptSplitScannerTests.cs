using System.Text;
using System.Text.RegularExpressions;
using Verity.Hub.Tokenization;

namespace Verity.Hub.Tests.Tokenization;

/// <summary>The hand-written scanner must split exactly like the regex it replaces.</summary>
public class GptSplitScannerTests
{
    // BMP only: here .NET's Regex is a correct reference (astral chars are what the scanner adds).
    private static readonly string Alphabet = "aZé中ク\u0301 \u00a0\u3000\t\r\n'sStTrReEvVmMlLdD0129٣½.,!?-_\"#()[]{}…";

    public static TheoryData<string> Patterns => new() { GptSplitScanner.Gpt2Pattern, GptSplitScanner.Llama3Pattern, GptSplitScanner.QwenPattern };

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Scanner_equals_dotnet_regex_on_random_bmp_text(string pattern)
    {
        var scanner = GptSplitScanner.ForPattern(pattern)!;
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        var rng = new Random(1234);
        var runes = Alphabet.EnumerateRunes().ToArray();
        for (int trial = 0; trial < 3000; trial++)
        {
            var sb = new StringBuilder();
            int len = rng.Next(0, 24);
            for (int i = 0; i < len; i++) sb.Append(runes[rng.Next(runes.Length)].ToString());
            string text = sb.ToString();
            var expected = regex.Matches(text).Select(m => (m.Index, m.Length)).ToList();
            var actual = new List<(int, int)>();
            scanner.Split(text, actual);
            Assert.True(expected.SequenceEqual(actual), $"pattern {pattern} text {System.Text.Json.JsonSerializer.Serialize(text)}: regex [{string.Join(" ", expected)}] scanner [{string.Join(" ", actual)}]");
        }
    }

    [Fact]
    public void Astral_letters_and_digits_are_letters_and_digits()
    {
        Assert.Equal(["x𝐀y", " 𝐁"], Pieces(GptSplitScanner.Qwen, "x𝐀y 𝐁"));
        Assert.Equal(["1", "𝟙", "2"], Pieces(GptSplitScanner.Qwen, "1𝟙2"));
        Assert.Equal(["1𝟙2"], Pieces(GptSplitScanner.Llama3, "1𝟙2"));
        Assert.Equal([" 𝐀𝐁"], Pieces(GptSplitScanner.Gpt2, " 𝐀𝐁"));
        // An astral non-letter is one code point, so it may prefix a word (.NET Regex would split it off).
        Assert.Equal(["😀er"], Pieces(GptSplitScanner.Qwen, "😀er"));
    }

    [Fact]
    public void Llama3_groups_digits_by_three_and_qwen_by_one()
    {
        Assert.Equal(["123", "456", "7"], Pieces(GptSplitScanner.Llama3, "1234567"));
        Assert.Equal(["1", "2", "3"], Pieces(GptSplitScanner.Qwen, "123"));
        Assert.Equal(["1234567"], Pieces(GptSplitScanner.Gpt2, "1234567"));
    }

    private static string[] Pieces(GptSplitScanner scanner, string text)
    {
        var spans = new List<(int Start, int Length)>();
        scanner.Split(text, spans);
        return spans.Select(s => text.Substring(s.Start, s.Length)).ToArray();
    }
}

public class DigitsPreTokenizerTests
{
    [Fact]
    public void Digits_splits_on_every_numeric_char_like_rust_char_is_numeric()
    {
        var input = new List<ReadOnlyMemory<char>> { "a12１２½b𝟙".AsMemory() };
        var individual = new List<ReadOnlyMemory<char>>();
        new DigitsPreTokenizer(individual: true).Split(input, individual);
        Assert.Equal(["a", "1", "2", "１", "２", "½", "b", "𝟙"], individual.Select(m => m.ToString()));
        var runs = new List<ReadOnlyMemory<char>>();
        new DigitsPreTokenizer(individual: false).Split(input, runs);
        Assert.Equal(["a", "12１２½", "b", "𝟙"], runs.Select(m => m.ToString()));
    }
}
