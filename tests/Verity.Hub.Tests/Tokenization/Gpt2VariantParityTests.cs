using System.Text.Json;
using System.Text.Json.Nodes;
using Verity.Hub.Tokenization;

namespace Verity.Hub.Tests.Tokenization;

/// <summary>
/// SmolLM2-style and Llama-3-style pipelines (Digits, ByteLevel use_regex/add_prefix_space, Sequence
/// normalizer, \p{N}{1,3} split, ignore_merges, TemplateProcessing BOS) on GPT-2's vocab, checked against
/// @lenml/tokenizers ids in gpt2_variants.jsonl. The tokenizer.json is rebuilt here from the shared GPT-2
/// files exactly as make_fixtures.mjs builds it.
/// </summary>
public class Gpt2VariantParityTests
{
    [Fact]
    public void Every_variant_matches_the_reference_ids_and_round_trips()
    {
        var variants = JsonNode.Parse(File.ReadAllText(TestPaths.Fixtures("tokenizer", "gpt2_variants.json")))!.AsArray();
        var tokenizers = variants.ToDictionary(v => (string)v!["name"]!, v => Build(v!));
        var failures = new List<string>();
        int lines = 0;
        foreach (var raw in File.ReadLines(TestPaths.Fixtures("tokenizer", "gpt2_variants.jsonl")))
        {
            var row = JsonNode.Parse(raw)!;
            var tok = tokenizers[(string)row["variant"]!];
            string text = (string)row["text"]!;
            bool special = (bool)row["add_special_tokens"]!;
            int[] expected = row["ids"]!.AsArray().Select(x => (int)x!).ToArray();
            int[] ids = tok.Encode(text, special);
            if (!ids.SequenceEqual(expected))
                failures.Add($"{row["variant"]} {JsonSerializer.Serialize(text)}: expected [{string.Join(",", expected)}] got [{string.Join(",", ids)}]");
            lines++;
        }
        Assert.Equal(3, tokenizers.Count);
        Assert.True(lines >= 150, $"only {lines} lines");
        Assert.True(failures.Count == 0, $"{failures.Count}/{lines} differ:\n" + string.Join("\n", failures.Take(15)));
    }

    [Fact]
    public void Bos_variant_prepends_bos_only_with_special_tokens()
    {
        var variants = JsonNode.Parse(File.ReadAllText(TestPaths.Fixtures("tokenizer", "gpt2_variants.json")))!.AsArray();
        var tok = Build(variants.First(v => (string)v!["name"]! == "prefix_space_nfc_llama3_regex_bos")!);
        int[] with = tok.Encode("hi there", addSpecialTokens: true);
        int[] without = tok.Encode("hi there", addSpecialTokens: false);
        Assert.Equal(50256, with[0]);
        Assert.Equal(without, with[1..]);
        Assert.Equal(" hi there", tok.Decode(without));  // add_prefix_space put a space in front
        Assert.Equal(" hi there", tok.Decode(with, skipSpecialTokens: true));
    }

    internal static Tokenizer Build(JsonNode variant)
    {
        string gpt2 = TestPaths.SharedData("tokenizers", "gpt2");
        var vocab = JsonNode.Parse(File.ReadAllText(Path.Combine(gpt2, "encoder.json")))!;
        var merges = new JsonArray();
        foreach (var line in File.ReadLines(Path.Combine(gpt2, "vocab.bpe")))
            if (line.Length > 0 && !line.StartsWith("#version", StringComparison.Ordinal)) merges.Add(line);
        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(new JsonObject { ["id"] = 50256, ["content"] = "<|endoftext|>", ["special"] = true }),
            ["normalizer"] = variant["normalizer"]?.DeepClone(),
            ["pre_tokenizer"] = variant["pre_tokenizer"]!.DeepClone(),
            ["post_processor"] = variant["post_processor"]?.DeepClone(),
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = new JsonObject { ["type"] = "BPE", ["ignore_merges"] = (bool)variant["ignore_merges"]!, ["vocab"] = vocab, ["merges"] = merges },
        };
        string file = Path.Combine(Path.GetTempPath(), $"verity-gpt2-{variant["name"]}-{Environment.ProcessId}.json");
        File.WriteAllText(file, json.ToJsonString());
        try { return Tokenizer.FromFile(file); }
        finally { File.Delete(file); }
    }
}
