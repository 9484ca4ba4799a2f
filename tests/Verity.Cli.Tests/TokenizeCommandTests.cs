using System.Text.Json;

namespace Verity.Cli.Tests;

public class TokenizeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-cli-tok-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string SharedTokenizer(string name)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Verity.slnx")))
                return Path.GetFullPath(Path.Combine(d.FullName, "..", "shared", "data", "tokenizers", name));
        throw new DirectoryNotFoundException("repository root not found above the test binaries");
    }

    [Fact]
    public void Tokenize_writes_one_ids_line_per_text_line()
    {
        string input = Path.Combine(_dir, "in.jsonl"), output = Path.Combine(_dir, "out.jsonl");
        File.WriteAllLines(input, ["{\"text\": \"Hello, world!\"}", "", "{\"text\": \"Hello<|endoftext|>\"}"]);
        var (code, stdout, stderr) = CliRunner.Run("tokenize", "--model", SharedTokenizer("gpt2"), "--input", input, "--output", output);
        Assert.True(code == 0, stderr);
        Assert.Contains("2 lines", stdout);
        var rows = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray()).ToList();
        Assert.Equal([[15496, 11, 995, 0], [15496, 50256]], rows);
    }

    [Fact]
    public void Malformed_line_is_a_one_line_error_naming_file_and_line()
    {
        string input = Path.Combine(_dir, "bad.jsonl");
        File.WriteAllLines(input, ["{\"text\": \"ok\"}", "{\"txt\": \"wrong key\"}"]);
        var (code, _, stderr) = CliRunner.Run("tokenize", "--model", SharedTokenizer("gpt2"), "--input", input, "--output", Path.Combine(_dir, "o.jsonl"));
        Assert.Equal(2, code);
        Assert.Contains($"{input}:2", stderr);
        Assert.Contains("HINT", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void Tokenizer_train_writes_files_that_tokenize_reads_back()
    {
        string corpus = Path.Combine(_dir, "corpus.txt"), model = Path.Combine(_dir, "model");
        File.WriteAllText(corpus, string.Concat(Enumerable.Repeat("the cat sat on the mat. 12 + 30 = 42\n", 40)));
        var (code, stdout, stderr) = CliRunner.Run("tokenizer", "train", "--input", corpus, "--vocab-size", "270", "--out", model);
        Assert.True(code == 0, stderr);
        Assert.Contains("vocab 270", stdout);
        Assert.True(File.Exists(Path.Combine(model, "tokenizer.json")));
        Assert.True(File.Exists(Path.Combine(model, "tokenizer_config.json")));

        string input = Path.Combine(_dir, "in.jsonl"), output = Path.Combine(_dir, "out.jsonl");
        File.WriteAllText(input, "{\"text\": \"the cat<|im_end|>\"}\n");
        (code, _, stderr) = CliRunner.Run("tokenize", "--model", model, "--input", input, "--output", output);
        Assert.True(code == 0, stderr);
        var ids = JsonDocument.Parse(File.ReadAllText(output)).RootElement.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray();
        Assert.Equal(269, ids[^1]);           // <|im_end|>, the last special token
        Assert.True(ids.Length < 8, "'the cat' should be a few merged tokens, not 7 bytes");
    }

    [Fact]
    public void Help_lists_tokenize_and_tokenizer()
    {
        var (_, output, _) = CliRunner.Run("--help");
        Assert.Contains("tokenize", output);
        Assert.Contains("tokenizer", output);
    }
}
