using System.Text.Json;

namespace Verity.Cli.Tests;

public class RewardCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-reward-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Reward_math_writes_one_scored_line_per_input_line()
    {
        // Given three responses: right, wrong, no answer
        var input = Path.Combine(_dir, "in.jsonl");
        var output = Path.Combine(_dir, "out.jsonl");
        File.WriteAllLines(input,
        [
            """{"response": "So the answer is \\boxed{\\frac{1}{2}}.", "answer": "0.5"}""",
            """{"response": "#### 19", "answer": "18"}""",
            """{"response": "I give up.", "answer": "3"}""",
        ]);

        // When
        var (code, stdout, stderr) = CliRunner.Run("reward", "math", "--input", input, "--output", output);

        // Then
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("3 lines", stdout);
        var lines = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Equal((1, "correct", "\\frac{1}{2}"), (lines[0].GetProperty("score").GetInt32(), lines[0].GetProperty("verdict").GetString(), lines[0].GetProperty("extracted").GetString()));
        Assert.Equal((0, "wrong"), (lines[1].GetProperty("score").GetInt32(), lines[1].GetProperty("verdict").GetString()));
        Assert.Equal((0, "no_answer"), (lines[2].GetProperty("score").GetInt32(), lines[2].GetProperty("verdict").GetString()));
    }

    [Theory]
    [InlineData("{\"response\": \"x\"", "in.jsonl:2: not valid JSON")]
    [InlineData("{\"response\": \"x\"}", "in.jsonl:2: missing key \"answer\"")]
    [InlineData("[1, 2]", "in.jsonl:2: expected a JSON object")]
    public void A_malformed_line_is_a_one_line_error_naming_file_and_line(string badLine, string expected)
    {
        var input = Path.Combine(_dir, "in.jsonl");
        File.WriteAllLines(input, ["""{"response": "\\boxed{1}", "answer": "1"}""", badLine]);

        var (code, _, stderr) = CliRunner.Run("reward", "math", "--input", input, "--output", Path.Combine(_dir, "out.jsonl"));

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr);
        Assert.Contains("HINT", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public void Reward_help_lists_the_math_subcommand()
    {
        var (code, stdout, _) = CliRunner.Run("reward", "--help");
        Assert.Equal(0, code);
        Assert.Contains("math", stdout);
    }
}
