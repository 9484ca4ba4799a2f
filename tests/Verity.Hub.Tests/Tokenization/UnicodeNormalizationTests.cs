using System.Text;
using System.Text.Json;
using Verity.Hub.Tokenization.Unicode;

namespace Verity.Hub.Tests.Tokenization;

public class UnicodeNormalizationTests
{
    [Fact]
    public void All_four_forms_match_python_unicodedata_on_tricky_and_random_strings()
    {
        var failures = new List<string>();
        int lines = 0;
        foreach (var raw in File.ReadLines(TestPaths.Fixtures("tokenizer", "normalization.jsonl")))
        {
            using var doc = JsonDocument.Parse(raw);
            var r = doc.RootElement;
            string text = r.GetProperty("text").GetString()!;
            foreach (var (name, form) in new[] { ("NFC", NormalizationForm.FormC), ("NFD", NormalizationForm.FormD), ("NFKC", NormalizationForm.FormKC), ("NFKD", NormalizationForm.FormKD) })
            {
                string expected = r.GetProperty(name).GetString()!;
                string actual = UnicodeNormalization.Normalize(text, form);
                if (!string.Equals(expected, actual, StringComparison.Ordinal))
                    failures.Add($"{name}({JsonSerializer.Serialize(text)}): expected {JsonSerializer.Serialize(expected)} got {JsonSerializer.Serialize(actual)}");
            }
            lines++;
        }
        Assert.True(lines > 200);
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void Ascii_text_is_returned_as_the_same_instance()
    {
        string text = "plain ascii text";
        Assert.Same(text, UnicodeNormalization.Normalize(text, NormalizationForm.FormC));
    }
}
