using System.Text.Json.Nodes;

namespace Verity.Cli.Tests;

public class GenerateCommandTests
{
    private static string MakeModel(string dir)
    {
        var model = Path.Combine(dir, "model");
        var (code, _, err) = CliRunner.Run("init-model", "--family", "llama", "--hidden", "16", "--layers", "2", "--heads", "4", "--kv-heads", "2",
            "--intermediate", "24", "--vocab", "41", "--std", "0.3", "--seed", "3", "--out", model);
        Assert.True(code == 0, err);
        return model;
    }

    [Fact]
    public void Batch_file_gives_one_line_per_input_in_order_and_keeps_going_past_bad_lines()
    {
        var dir = Directory.CreateTempSubdirectory("verity-gen-").FullName;
        var model = MakeModel(dir);
        var input = Path.Combine(dir, "prompts.jsonl");
        File.WriteAllLines(input,
        [
            """{"prompt_ids":[1,2,3],"n":3,"max_new_tokens":7}""",
            """{"prompt_ids":[]}""",
            """{"prompt_ids":[4],"temperature":0,"max_new_tokens":5}""",
            """{"prompt_ids":[4],"top_p":2}""",
        ]);
        var output = Path.Combine(dir, "out.jsonl");

        var (code, stdout, stderr) = CliRunner.Run("generate", "--model", model, "--input", input, "--output", output, "--seed", "11");

        Assert.True(code == 0, stderr);
        Assert.Contains("2 lines rejected", stdout);
        var lines = File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!).ToArray();
        Assert.Equal(4, lines.Length);
        var samples = lines[0]["samples"]!.AsArray();
        Assert.Equal(3, samples.Count);
        foreach (var s in samples)
        {
            Assert.Equal(7, s!["completion_ids"]!.AsArray().Count);
            Assert.Equal(7, s["logprobs"]!.AsArray().Count);
            Assert.Equal("length", (string?)s["finish_reason"]);
            Assert.All(s["logprobs"]!.AsArray(), lp => Assert.True((double)lp! <= 0));
        }
        Assert.Contains($"{input}:2: empty prompt", (string?)lines[1]["error"]);
        var greedy = lines[2]["samples"]!.AsArray().Single()!;
        Assert.All(greedy["sampling_logprobs"]!.AsArray(), lp => Assert.Equal(0.0, (double)lp!));
        Assert.Contains("top_p", (string?)lines[3]["error"]);

        // the same seed reproduces the file exactly
        var again = Path.Combine(dir, "again.jsonl");
        Assert.Equal(0, CliRunner.Run("generate", "--model", model, "--input", input, "--output", again, "--seed", "11").Code);
        Assert.Equal(File.ReadAllText(output), File.ReadAllText(again));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Single_prompt_prints_samples_and_parity()
    {
        var dir = Directory.CreateTempSubdirectory("verity-gen-").FullName;
        var model = MakeModel(dir);
        var (code, stdout, stderr) = CliRunner.Run("generate", "--model", model, "--prompt-ids", "1,2,3", "--n", "2", "--max-new-tokens", "6", "--check-parity");
        Assert.True(code == 0, stderr);
        Assert.Contains("[0] length", stdout);
        Assert.Contains("[1] length", stdout);
        Assert.Contains("max log-prob mismatch", stdout);
        var (bad, _, err) = CliRunner.Run("generate", "--model", model, "--prompt-ids", "1,x");
        Assert.Equal(2, bad);
        Assert.Contains("comma-separated integers", err);
        Directory.Delete(dir, true);
    }
}
