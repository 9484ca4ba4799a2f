using Verity.Engine.Generation;
using Verity.Engine.Model;
using Verity.Hub.Tokenization;

namespace Verity.Hub.Tests.Tokenization;

public class StopStringsTests
{
    private static readonly Lazy<Tokenizer> Qwen3 = new(() => Tokenizer.FromFolder(TestPaths.SharedData("tokenizers", "qwen3")));

    private static int ByteToken(Tokenizer t, byte b) => t.TokenToId(ByteLevel.ByteToChar[b].ToString())!.Value;

    /// <summary>The first k such that the decoded ids[..k] contains stop, by brute force; -1 if none.</summary>
    private static int FirstContaining(Tokenizer t, int[] ids, string stop)
    {
        for (int k = 1; k <= ids.Length; k++)
            if (t.Decode(ids.AsSpan(0, k), skipSpecialTokens: true).Contains(stop, StringComparison.Ordinal)) return k;
        return -1;
    }

    [Fact]
    public void A_character_split_across_byte_tokens_matches_only_when_its_last_byte_arrives()
    {
        var tok = Qwen3.Value;
        var day = System.Text.Encoding.UTF8.GetBytes("日");  // E6 97 A5
        int[] ids = [.. tok.Encode("x ab", false), .. day.Select(b => ByteToken(tok, b)), .. tok.Encode(" end", false)];
        var stops = new StopStrings(tok, ["b日"]);
        int completeAt = ids.Length - tok.Encode(" end", false).Length;  // prefix length holding all three bytes
        for (int k = 1; k <= ids.Length; k++)
            Assert.Equal(k == completeAt, stops.ShouldStop(ids[..k]));
        Assert.Equal(completeAt, FirstContaining(tok, ids, "b日"));
    }

    [Fact]
    public void A_stop_string_spanning_several_tokens_is_found_on_the_token_that_completes_it()
    {
        var tok = Qwen3.Value;
        int[] ids = tok.Encode("The answer is 42. Therefore the final answer", false);
        var stops = new StopStrings(tok, ["nothing here", "42. Therefore"]);
        int expected = FirstContaining(tok, ids, "42. Therefore");
        Assert.True(expected > 2);
        Assert.DoesNotContain("42. Therefore", tok.Decode(ids.AsSpan(expected - 1, 1)));  // really spans tokens
        var fired = Enumerable.Range(1, ids.Length).Where(k => stops.ShouldStop(ids[..k])).ToArray();
        Assert.Equal([expected], fired);
    }

    [Fact]
    public void Completion_text_is_cut_before_the_earliest_stop_string()
    {
        var tok = Qwen3.Value;
        var stops = new StopStrings(tok, ["STOP", "\n\n"]);
        int[] ids = tok.Encode("first line\n\nsecond STOP third", false);
        Assert.Equal("first line", stops.CompletionText(ids));
        Assert.Equal("no stop here", stops.Truncate("no stop here"));
        Assert.Equal("a", stops.Truncate("aSTOPb\n\n"));
        Assert.Equal(-1, stops.FindFirst("nothing"));
        Assert.Throws<ArgumentException>(() => new StopStrings(tok, [""]));
        Assert.Null(new StopStrings(tok, []).Criterion);
    }

    [Fact]
    public void Special_tokens_are_skipped_unless_asked_for()
    {
        var tok = Qwen3.Value;
        int imEnd = tok.TokenToId("<|im_end|>")!.Value;
        int[] ids = [.. tok.Encode("hi", false), imEnd];
        Assert.False(new StopStrings(tok, ["<|im_end|>"]).ShouldStop(ids));
        Assert.True(new StopStrings(tok, ["<|im_end|>"], skipSpecialTokens: false).ShouldStop(ids));
    }

    [Fact]
    public void Generation_stops_exactly_when_the_decoded_text_first_contains_the_stop_string()
    {
        var tok = Qwen3.Value;
        var config = new ModelConfig
        {
            VocabSize = tok.VocabSize, HiddenSize = 8, IntermediateSize = 16, NumLayers = 1, NumHeads = 2, NumKvHeads = 1, HeadDim = 4,
            TieWordEmbeddings = true, QkNorm = true,
        };
        var model = new TransformerModel(config);
        model.InitRandom(seed: 5, std: 0.5f);
        var generator = new Generator(model, new GeneratorOptions { MaxConcurrentSequences = 4 });
        int[] prompt = tok.Encode("Question: what is 6 times 7?", false);
        var sampling = new SamplingParams { N = 3, MaxNewTokens = 48, Seed = 9, Temperature = 1f };
        var free = generator.Generate([new GenerationRequest(prompt, sampling)]).Requests[0].Samples;

        // A stop string cut from the middle of sample 0's text, chosen to span two or more tokens.
        var ids0 = free[0].CompletionIds;
        string text0 = tok.Decode(ids0, skipSpecialTokens: true);
        string? stop = null;
        for (int start = text0.Length / 3; start + 4 <= text0.Length && stop is null; start++)
        {
            string candidate = text0.Substring(start, 4);
            if (candidate.Contains('\uFFFD') || char.IsSurrogate(candidate[0]) || char.IsSurrogate(candidate[^1])) continue;
            int k = FirstContaining(tok, ids0, candidate);
            if (k > 0 && !tok.Decode(ids0.AsSpan(k - 1, 1), skipSpecialTokens: true).Contains(candidate)) stop = candidate;
        }
        Assert.NotNull(stop);

        var stops = new StopStrings(tok, [stop!]);
        var stopped = generator.Generate([new GenerationRequest(prompt, sampling) { StopCriterion = stops.Criterion }]).Requests[0].Samples;
        for (int j = 0; j < free.Count; j++)
        {
            int k = FirstContaining(tok, free[j].CompletionIds, stop!);
            if (k < 0)
            {
                Assert.Equal(free[j].CompletionIds, stopped[j].CompletionIds);
                Assert.Equal(FinishReason.Length, stopped[j].Finish);
                continue;
            }
            Assert.Equal(free[j].CompletionIds[..k], stopped[j].CompletionIds);  // the completing token is kept
            Assert.Equal(FinishReason.Stop, stopped[j].Finish);
            Assert.DoesNotContain(stop!, stops.CompletionText(stopped[j].CompletionIds));
            Assert.StartsWith(stops.CompletionText(stopped[j].CompletionIds), tok.Decode(stopped[j].CompletionIds, skipSpecialTokens: true));
        }
        Assert.Equal(FinishReason.Stop, stopped[0].Finish);
    }
}
