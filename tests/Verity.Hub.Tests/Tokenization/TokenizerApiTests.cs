using Verity.Hub.Tokenization;

namespace Verity.Hub.Tests.Tokenization;

public class TokenizerApiTests
{
    [Fact]
    public void Qwen3_folder_exposes_vocab_special_tokens_eos_and_template()
    {
        var tok = FixtureTokenizers.Qwen3;
        Assert.Equal(151669, tok.VocabSize);
        Assert.Equal(151645, tok.EosTokenId);          // tokenizer_config eos_token <|im_end|>
        Assert.Equal(151643, tok.PadTokenId);
        Assert.Null(tok.BosTokenId);
        Assert.Equal(151644, tok.TokenToId("<|im_start|>"));
        Assert.Equal(151667, tok.TokenToId("<think>"));
        Assert.Contains(151644, tok.SpecialTokenIds);
        Assert.DoesNotContain(151667, tok.SpecialTokenIds);  // <think> is added but not special
        Assert.Equal("<|im_end|>", tok.IdToToken(151645));
        Assert.Contains("enable_thinking", tok.ChatTemplate);
    }

    [Fact]
    public void Decode_skips_special_tokens_only_when_asked_and_keeps_non_special_added_ones()
    {
        var tok = FixtureTokenizers.Qwen3;
        int[] ids = tok.Encode("<|im_start|>user\nhi<think>x</think><|im_end|>", false);
        Assert.Equal("<|im_start|>user\nhi<think>x</think><|im_end|>", tok.Decode(ids));
        Assert.Equal("user\nhi<think>x</think>", tok.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void Streaming_decoder_holds_partial_utf8_and_emits_the_exact_text()
    {
        var tok = FixtureTokenizers.Qwen3;
        string text = "日本語 👨‍👩‍👧‍👦 𝟙𝟚 café ✓";
        int[] ids = tok.Encode(text, false);
        var decoder = tok.CreateStreamingDecoder();
        var pieces = ids.Select(decoder.Push).ToList();
        pieces.Add(decoder.Flush());
        Assert.Equal(text, string.Concat(pieces));
        Assert.DoesNotContain(pieces, p => p.Contains('\uFFFD'));
        Assert.Contains("", pieces);  // some token ended mid-character and was held back
    }

    [Fact]
    public void Streaming_flush_of_a_truncated_character_gives_a_replacement_char()
    {
        var tok = FixtureTokenizers.Qwen3;
        int[] ids = tok.Encode("𠀋", false);  // a rare CJK Extension B char: several byte tokens
        Assert.True(ids.Length > 1, "expected the char to span several byte tokens");
        var decoder = tok.CreateStreamingDecoder();
        Assert.Equal("", decoder.Push(ids[0]));
        Assert.Equal("\uFFFD", decoder.Flush());
    }

    [Fact]
    public void Word_cache_gives_the_same_ids_on_repeat_and_across_threads()
    {
        var tok = FixtureTokenizers.Qwen3;
        string text = string.Join(" ", Enumerable.Range(0, 300).Select(i => $"word{i % 37} 数{i}"));
        int[] first = tok.Encode(text, false);
        var results = new int[4][];
        Parallel.For(0, 4, k => results[k] = tok.Encode(text, false));
        Assert.All(results, r => Assert.Equal(first, r));
    }

    [Fact]
    public void Gpt2_files_load_with_endoftext_as_special()
    {
        var tok = FixtureTokenizers.Gpt2;
        Assert.Equal(50257, tok.VocabSize);
        Assert.Equal(50256, tok.EosTokenId);
        Assert.Equal([15496, 50256], tok.Encode("Hello<|endoftext|>", false));
        Assert.Equal("Hello", tok.Decode([15496, 50256], skipSpecialTokens: true));
    }

    [Fact]
    public void Out_of_range_id_is_an_argument_error_naming_the_id()
    {
        var ex = Assert.Throws<ArgumentException>(() => FixtureTokenizers.Gpt2.Decode([99999]));
        Assert.Contains("99999", ex.Message);
        Assert.Contains("HINT", ex.Message);
    }
}

public class TokenizerBenchmarkTests
{
    [Fact]
    public void Measure_reports_the_byte_and_token_counts_of_the_text()
    {
        var tok = FixtureTokenizers.Gpt2;
        string text = "Hello, wörld! " + string.Concat(Enumerable.Repeat("the quick brown fox ", 50));
        var r = TokenizerBenchmark.MeasureEncode(tok, text, iterations: 2);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(text), r.Bytes);
        Assert.Equal(tok.Encode(text, false).Length, r.Tokens);
        Assert.Equal(2, r.Iterations);
        Assert.True(r.MegabytesPerSecond > 0 && r.TokensPerSecond > 0);
    }
}
