using System.Text.Json;

namespace Verity.Cli.Tests;

/// <summary>`verity reward code` and `verity data code-check` end to end (real sandbox, tiny inputs).</summary>
public sealed class RewardCodeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-cli-code-").FullName;

    private const string StdioTests = "{\"kind\":\"stdio\",\"cases\":[{\"input\":\"2\\n\",\"output\":\"4\\n\"},{\"input\":\"5\\n\",\"output\":\"10\\n\"}]}";
    private const string CallTests = "{\"kind\":\"call\",\"fn_name\":\"add\",\"cases\":[{\"args\":[1,2],\"output\":3},{\"args\":[2,2],\"output\":4}]}";

    private string Write(string name, params string[] lines)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static string Line(string response, string tests) => $"{{\"response\":{JsonSerializer.Serialize(response)},\"tests\":{tests}}}";

    [Fact]
    public void Reward_code_writes_one_scored_line_per_response()
    {
        // Given a right, a half-right and a code-less response
        string input = Write("in.jsonl",
            Line("```python\nprint(2 * int(input()))\n```", StdioTests),
            Line("```python\ndef add(a, b):\n    return a + b if a == 1 else 0\n```", CallTests),
            Line("no code here", StdioTests));
        string output = Path.Combine(_dir, "out.jsonl");

        // When
        var (code, stdout, stderr) = CliRunner.Run("reward", "code", "--input", input, "--output", output, "--mode", "pass-rate", "--timeout", "3");

        // Then
        Assert.True(code == 0, stderr);
        var rows = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(3, rows.Length);
        Assert.Equal(1.0, rows[0].GetProperty("score").GetDouble());
        Assert.Equal(0.5, rows[1].GetProperty("score").GetDouble());
        Assert.Equal(["AC", "WA"], rows[1].GetProperty("verdicts").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("FORMAT", rows[2].GetProperty("verdicts")[0].GetString());
        Assert.Contains("scored 3 responses", stdout);
    }

    [Fact]
    public void Reward_code_names_the_bad_line_in_one_line()
    {
        string input = Write("bad.jsonl", Line("```python\nprint(1)\n```", StdioTests), "{\"response\": \"x\"}");
        var (code, _, stderr) = CliRunner.Run("reward", "code", "--input", input, "--output", Path.Combine(_dir, "o.jsonl"));
        Assert.Equal(2, code);
        Assert.Contains("bad.jsonl:2", stderr);
        Assert.Contains("'tests'", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public void Code_check_drops_failing_references_and_thin_problems_and_says_why()
    {
        // Given a sound problem, one whose reference fails a test, and one with a single test
        static string Problem(string id, string solution, string tests) =>
            $"{{\"id\":\"{id}\",\"canonical_solution\":{JsonSerializer.Serialize(solution)},\"tests\":{tests}}}";
        string threeCases = "{\"kind\":\"stdio\",\"cases\":[{\"input\":\"1\\n\",\"output\":\"2\\n\"},{\"input\":\"2\\n\",\"output\":\"4\\n\"},{\"input\":\"3\\n\",\"output\":\"6\\n\"}]}";
        string input = Write("problems.jsonl",
            Problem("good", "print(2 * int(input()))", threeCases),
            Problem("broken", "n = int(input())\nprint(2 * n if n < 3 else 0)", threeCases),
            Problem("thin", "print(2 * int(input()))", "{\"kind\":\"stdio\",\"cases\":[{\"input\":\"1\\n\",\"output\":\"2\\n\"}]}"));
        string kept = Path.Combine(_dir, "kept.jsonl");

        // When
        var (code, stdout, stderr) = CliRunner.Run("data", "code-check", "--input", input, "--min-tests", "2", "--output", kept, "--timeout", "3");

        // Then
        Assert.True(code == 0, stderr);
        Assert.Contains("removed broken: reference solution fails 1 of 3 tests", stdout);
        Assert.Contains("removed thin: only 1 tests (minimum 2)", stdout);
        Assert.DoesNotContain("removed good", stdout);
        Assert.Contains("kept 1 of 3 problems", stdout);
        Assert.Single(File.ReadAllLines(kept));
        Assert.Contains("\"good\"", File.ReadAllText(kept));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
