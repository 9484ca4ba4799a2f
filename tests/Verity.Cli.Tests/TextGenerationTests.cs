using System.Text.Json;
using System.Text.Json.Nodes;
using Verity.Hub.Tokenization;

namespace Verity.Cli.Tests;

/// <summary>Text in and out of generate and score: a tokenizer trained in-process in a tiny random model's folder.</summary>
public class TextGenerationTests : IDisposable
{
    private const string Template = "<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\nthe cat<|im_end|>\n<|im_start|>assistant\n";

    private readonly string _dir = Directory.CreateTempSubdirectory("verity-text-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string P(string name) => Path.Combine(_dir, name);

    /// <summary>A model folder holding a BPE tokenizer (trained by `verity tokenizer train`) and random weights of its vocab size.</summary>
    private (string Folder, Tokenizer Tokenizer) ModelWithTokenizer()
    {
        string corpus = P("corpus.txt");
        File.WriteAllText(corpus, string.Concat(Enumerable.Repeat("the cat sat on the mat. the dog ate the hat. a cat and a dog sat.\n", 20)));
        string model = P("model");
        var (code, _, err) = CliRunner.Run("tokenizer", "train", "--input", corpus, "--vocab-size", "280", "--out", model);
        Assert.True(code == 0, err);
        var tokenizer = Tokenizer.FromFolder(model);
        (code, _, err) = CliRunner.Run("init-model", "--family", "qwen3", "--hidden", "16", "--layers", "1", "--heads", "2", "--intermediate", "24",
            "--vocab", tokenizer.VocabSize.ToString(), "--std", "0.4", "--seed", "2", "--tied", "--out", model);
        Assert.True(code == 0, err);
        return (model, tokenizer);
    }

    private static int[] IdsAfter(string stdout, string header)
    {
        string line = stdout.Split('\n').First(l => l.StartsWith(header, StringComparison.Ordinal));
        return line[(line.IndexOf(": ", StringComparison.Ordinal) + 2)..].Trim().Split(',').Select(int.Parse).ToArray();
    }

    /// <summary>The printed text of the only sample: from the line after its header to the stats line (it may hold newlines).</summary>
    private static string TextAfter(string stdout, string header)
    {
        int start = stdout.IndexOf('\n', stdout.IndexOf(header, StringComparison.Ordinal)) + 1;
        int end = stdout.LastIndexOf('\n', stdout.LastIndexOf(" new tokens in ", StringComparison.Ordinal));
        return stdout[start..end];
    }

    [Fact]
    public void Text_and_chat_prompts_are_encoded_with_the_folders_tokenizer_and_the_completion_is_decoded()
    {
        var (model, tok) = ModelWithTokenizer();
        string[] greedy = ["--temperature", "0", "--max-new-tokens", "10", "--show-ids"];

        var (code, text, err) = CliRunner.Run(["generate", "--model", model, "--prompt", "the cat", .. greedy]);
        Assert.True(code == 0, err);
        int[] completion = IdsAfter(text, "[0] ");
        // the same completion as the ids path with the tokenizer's own encoding of the prompt
        var (_, viaIds, _) = CliRunner.Run(["generate", "--model", model, "--prompt-ids", string.Join(',', tok.Encode("the cat")), .. greedy]);
        Assert.Equal(completion, IdsAfter(viaIds, "[0] "));
        Assert.Equal(tok.Decode(completion, skipSpecialTokens: true), TextAfter(text, "[0] "));

        (code, var chat, err) = CliRunner.Run(["generate", "--model", model, "--prompt", "the cat", "--chat", "--system", "be brief", .. greedy]);
        Assert.True(code == 0, err);
        var (_, chatIds, _) = CliRunner.Run(["generate", "--model", model, "--prompt-ids", string.Join(',', tok.Encode(Template, false)), .. greedy]);
        Assert.Equal(IdsAfter(chatIds, "[0] "), IdsAfter(chat, "[0] "));
        Assert.NotEqual(completion, IdsAfter(chat, "[0] "));

        var (bad, _, badErr) = CliRunner.Run("generate", "--model", model, "--prompt", "x", "--system", "s");
        Assert.Equal(2, bad);
        Assert.Contains("--system needs --chat", badErr);
    }

    [Fact]
    public void A_stop_string_ends_the_sample_on_the_token_that_completes_it_and_cuts_the_text()
    {
        var (model, tok) = ModelWithTokenizer();
        string[] args = ["generate", "--model", model, "--prompt", "a dog", "--temperature", "1", "--seed", "4", "--max-new-tokens", "40", "--show-ids"];
        var (code, free, err) = CliRunner.Run(args);
        Assert.True(code == 0, err);
        int[] ids = IdsAfter(free, "[0] ");
        string full = tok.Decode(ids, skipSpecialTokens: true);
        // an ASCII piece from the middle of the free-running text
        int at = Enumerable.Range(full.Length / 3, full.Length).First(i => i + 2 <= full.Length && full[i] < 128 && full[i + 1] < 128 && full[i] != '\n' && full[i + 1] != '\n');
        string stop = full.Substring(at, 2);
        int k = Enumerable.Range(1, ids.Length).First(n => tok.Decode(ids.AsSpan(0, n), skipSpecialTokens: true).Contains(stop, StringComparison.Ordinal));

        (code, var stopped, err) = CliRunner.Run([.. args, "--stop", stop, "--stop", "never-there"]);
        Assert.True(code == 0, err);
        Assert.StartsWith("[0] stop", stopped.Split('\n')[0]);
        Assert.Equal(ids[..k], IdsAfter(stopped, "[0] "));
        string decoded = tok.Decode(ids.AsSpan(0, k), skipSpecialTokens: true);
        Assert.Equal(decoded[..decoded.IndexOf(stop, StringComparison.Ordinal)], TextAfter(stopped, "[0] "));
    }

    [Fact]
    public void Jsonl_lines_take_text_messages_or_ids_with_their_own_stop_strings_and_samples_carry_text()
    {
        var (model, tok) = ModelWithTokenizer();
        string input = P("in.jsonl"), output = P("out.jsonl");
        File.WriteAllLines(input,
        [
            """{"prompt":"the cat","max_new_tokens":12,"temperature":0}""",
            """{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"the cat"}],"max_new_tokens":12,"temperature":0}""",
            $$"""{"prompt_ids":[{{string.Join(',', tok.Encode(Template, false))}}],"max_new_tokens":12,"temperature":0}""",
            """{"prompt":"a dog","n":4,"max_new_tokens":30,"stop":["o","a"," "]}""",
            """{"prompt":"x","stop":5}""",
            """{"prompt":"x","prompt_ids":[1]}""",
        ]);
        var (code, stdout, err) = CliRunner.Run("generate", "--model", model, "--input", input, "--output", output, "--stop", "zzz");
        Assert.True(code == 0, err);
        Assert.Contains("2 lines rejected", stdout);
        var rows = File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!).ToArray();
        JsonNode First(int row) => rows[row]["samples"]![0]!;
        int[] Ids(JsonNode s) => s["completion_ids"]!.AsArray().Select(x => (int)x!).ToArray();

        Assert.Equal(tok.Decode(Ids(First(0)), skipSpecialTokens: true), (string?)First(0)["text"]);
        Assert.Equal(Ids(First(2)), Ids(First(1)));  // messages render through the chat template
        foreach (var s in rows[3]["samples"]!.AsArray())
        {
            string text = (string)s!["text"]!;
            Assert.Equal(-1, text.IndexOfAny(['o', 'a', ' ']));
            string decoded = tok.Decode(Ids(s), skipSpecialTokens: true);
            if ((string?)s["finish_reason"] == "stop" && Ids(s)[^1] != tok.EosTokenId)
            {
                Assert.True(decoded.IndexOfAny(['o', 'a', ' ']) >= 0);
                string before = tok.Decode(Ids(s)[..^1], skipSpecialTokens: true);
                Assert.Equal(-1, before.IndexOfAny(['o', 'a', ' ']));  // stopped at the first occurrence
            }
        }
        Assert.Contains(rows[3]["samples"]!.AsArray(), s => (string?)s!["finish_reason"] == "stop" && Ids(s)[^1] != tok.EosTokenId);
        Assert.Contains("\"stop\" must be a string", (string?)rows[4]["error"]);
        Assert.Contains($"{input}:6:", (string?)rows[5]["error"]);
        Assert.Contains("exactly one of", (string?)rows[5]["error"]);
    }

    [Fact]
    public void A_folder_without_generation_config_stops_at_the_tokenizers_eos_token()
    {
        var (model, tok) = ModelWithTokenizer();
        Assert.False(File.Exists(Path.Combine(model, "generation_config.json")));
        string[] args = ["generate", "--model", model, "--prompt", "the cat", "--temperature", "0", "--max-new-tokens", "8", "--show-ids"];
        var (code, stdout, err) = CliRunner.Run(args);
        Assert.True(code == 0, err);
        int[] greedy = IdsAfter(stdout, "[0] ");
        // Make the greedy path's first token that has not occurred before (after position 0) the tokenizer's eos_token.
        int at = Enumerable.Range(1, greedy.Length - 1).First(i => Array.IndexOf(greedy, greedy[i]) == i);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(model, "tokenizer_config.json")))!.AsObject();
        config["eos_token"] = tok.IdToToken(greedy[at]);
        File.WriteAllText(Path.Combine(model, "tokenizer_config.json"), config.ToJsonString());

        (code, stdout, err) = CliRunner.Run(args);
        Assert.True(code == 0, err);
        Assert.StartsWith("[0] stop", stdout);
        Assert.Equal(greedy[..(at + 1)], IdsAfter(stdout, "[0] "));
    }

    [Fact]
    public void The_real_qwen3_chat_template_renders_through_generate_and_a_folder_without_one_says_so()
    {
        string qwen3 = TokenizerFolder("qwen3");
        var tok = Tokenizer.FromFolder(qwen3);
        string model = P("qwen3-tiny");
        Assert.Equal(0, CliRunner.Run("init-model", "--family", "qwen3", "--hidden", "8", "--layers", "1", "--heads", "2", "--intermediate", "8",
            "--vocab", tok.VocabSize.ToString(), "--tied", "--out", model).Code);
        foreach (var f in new[] { "tokenizer.json", "tokenizer_config.json" }) File.Copy(Path.Combine(qwen3, f), Path.Combine(model, f));

        string[] greedy = ["--temperature", "0", "--max-new-tokens", "4", "--show-ids"];
        var (code, chat, err) = CliRunner.Run(["generate", "--model", model, "--prompt", "What is 2+2?", "--chat", .. greedy]);
        Assert.True(code == 0, err);
        string rendered = Verity.Hub.Templates.ChatTemplate.Apply(tok, [new("user", "What is 2+2?")], addGenerationPrompt: true);
        Assert.EndsWith("<|im_start|>assistant\n", rendered);
        var (_, viaIds, _) = CliRunner.Run(["generate", "--model", model, "--prompt-ids", string.Join(',', tok.Encode(rendered, false)), .. greedy]);
        Assert.Equal(IdsAfter(viaIds, "[0] "), IdsAfter(chat, "[0] "));

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(model, "tokenizer_config.json")))!.AsObject();
        config.Remove("chat_template");
        File.WriteAllText(Path.Combine(model, "tokenizer_config.json"), config.ToJsonString());
        (code, _, err) = CliRunner.Run(["generate", "--model", model, "--prompt", "hi", "--chat", .. greedy]);
        Assert.Equal(2, code);
        Assert.Contains("no chat_template", err);
        Assert.Contains(Path.Combine(model, "tokenizer_config.json"), err);
    }

    private static string TokenizerFolder(string name)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Verity.slnx")))
                return Path.GetFullPath(Path.Combine(d.FullName, "..", "shared", "data", "tokenizers", name));
        throw new DirectoryNotFoundException("repository root not found above the test binaries");
    }

    [Fact]
    public void A_text_prompt_on_a_folder_without_a_tokenizer_is_a_one_line_error_naming_the_folder()
    {
        string model = P("bare");
        Assert.Equal(0, CliRunner.Run("init-model", "--family", "llama", "--hidden", "8", "--layers", "1", "--heads", "2", "--intermediate", "8",
            "--vocab", "30", "--out", model).Code);
        var (code, _, err) = CliRunner.Run("generate", "--model", model, "--prompt", "hello");
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains(model, err);
        Assert.Contains("no tokenizer files", err);
        Assert.Contains("HINT", err);

        File.WriteAllLines(P("in.jsonl"), ["""{"prompt":"hello"}""", """{"prompt_ids":[1,2]}"""]);
        Assert.Equal(0, CliRunner.Run("generate", "--model", model, "--input", P("in.jsonl"), "--output", P("out.jsonl"), "--max-new-tokens", "3").Code);
        var rows = File.ReadAllLines(P("out.jsonl")).Select(l => JsonNode.Parse(l)!).ToArray();
        Assert.Contains(model, (string?)rows[0]["error"]);
        Assert.Null(rows[1]["samples"]![0]!["text"]);  // ids only without a tokenizer
        Assert.Equal(3, rows[1]["samples"]![0]!["completion_ids"]!.AsArray().Count);

        File.WriteAllLines(P("score.jsonl"), ["""{"prompt":"a","completion":"b"}"""]);
        (code, _, err) = CliRunner.Run("score", "--model", model, "--input", P("score.jsonl"), "--output", P("s.jsonl"));
        Assert.Equal(2, code);
        Assert.Contains(model, err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Score_of_text_equals_score_of_its_ids_and_chat_applies_the_template()
    {
        var (model, tok) = ModelWithTokenizer();
        string Ids(int[] ids) => string.Join(',', ids);
        int[] completion = tok.Encode(" sat on the mat", false);
        File.WriteAllLines(P("text.jsonl"), ["""{"prompt":"the cat","completion":" sat on the mat"}"""]);
        File.WriteAllLines(P("ids.jsonl"), [$$"""{"prompt_ids":[{{Ids(tok.Encode("the cat"))}}],"completion_ids":[{{Ids(completion)}}]}"""]);
        File.WriteAllLines(P("chat.jsonl"), [$$"""{"prompt_ids":[{{Ids(tok.Encode(Template, false))}}],"completion_ids":[{{Ids(completion)}}]}"""]);

        string[] Score(string input, params string[] extra)
        {
            string output = P(input + ".out");
            var (code, _, err) = CliRunner.Run(["score", "--model", model, "--input", P(input), "--output", output, .. extra]);
            Assert.True(code == 0, err);
            return File.ReadAllLines(output);
        }
        var text = Score("text.jsonl");
        Assert.Equal(Score("ids.jsonl"), text);
        Assert.Equal(completion.Length, JsonDocument.Parse(text[0]).RootElement.GetProperty("logprobs").GetArrayLength());
        var chat = Score("text.jsonl", "--chat", "--system", "be brief");
        Assert.Equal(Score("chat.jsonl"), chat);
        Assert.NotEqual(text, chat);
    }
}
