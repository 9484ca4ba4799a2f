using System.Text.Json.Nodes;

namespace Verity.Cli.Tests;

public class DataCommandTests
{
    [Fact]
    public void Clean_writes_kept_rows_unchanged_and_removed_rows_with_reasons()
    {
        // Given a file whose second row asks for a proof and uses a mapped field name
        var dir = Directory.CreateTempSubdirectory("verity-data-").FullName;
        var input = Path.Combine(dir, "in.jsonl");
        File.WriteAllLines(input,
        [
            """{"id":"a","question":"What is 1+2?","answer":"3","extra":"kept as is"}""",
            """{"id":"b","question":"Prove that 2 is prime.","answer":"-"}""",
        ]);
        var output = Path.Combine(dir, "out.jsonl");
        var removed = Path.Combine(dir, "removed.jsonl");

        // When cleaning
        var (code, stdout, stderr) = CliRunner.Run("data", "clean", "--input", input, "--output", output, "--removed", removed, "--field", "problem=question");

        // Then the kept row is byte-for-byte the input row's content, and the removed one says why
        Assert.True(code == 0, stderr);
        Assert.Contains("kept 1, removed 1", stdout);
        var kept = JsonNode.Parse(File.ReadAllLines(output).Single())!;
        Assert.Equal("What is 1+2?", (string?)kept["question"]);
        Assert.Equal("kept as is", (string?)kept["extra"]);
        var dropped = JsonNode.Parse(File.ReadAllLines(removed).Single())!;
        Assert.Equal("b", (string?)dropped["id"]);
        Assert.Contains("proof", (string?)dropped["removed_reason"]);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Malformed_line_is_one_error_line_naming_file_and_line()
    {
        var dir = Directory.CreateTempSubdirectory("verity-data-").FullName;
        var input = Path.Combine(dir, "in.jsonl");
        File.WriteAllLines(input, ["""{"problem":"x","answer":"1"}""", "{oops"]);
        var (code, _, stderr) = CliRunner.Run("data", "dedup", "--input", input, "--output", Path.Combine(dir, "o.jsonl"));
        Assert.Equal(2, code);
        Assert.StartsWith($"error: {input}:2:", stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Directory.Delete(dir, true);
    }
}
