using System.Text.Json.Nodes;

namespace Verity.Data.Records;

/// <summary>
/// Maps a JSONL file onto <see cref="MathProblem"/>. The field map renames the source's keys
/// (e.g. GSM8K's <c>question</c>) onto ours: <c>id</c>, <c>problem</c>, <c>answer</c>, <c>solution</c>.
/// </summary>
public static class MathProblemFile
{
    public static readonly IReadOnlyList<string> Fields = ["id", "problem", "answer", "solution"];

    /// <summary>Parses <c>ours=theirs</c> pairs, rejecting unknown target fields.</summary>
    public static IReadOnlyDictionary<string, string> ParseFieldMap(IEnumerable<string> pairs)
    {
        var map = new Dictionary<string, string>();
        foreach (var pair in pairs)
        {
            var parts = pair.Split('=', 2);
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new ArgumentException($"--field {pair}: expected ours=theirs, e.g. problem=question.");
            if (!Fields.Contains(parts[0]))
                throw new ArgumentException($"--field {pair}: unknown field \"{parts[0]}\"; known: {string.Join(", ", Fields)}.");
            map[parts[0]] = parts[1];
        }
        return map;
    }

    public static IEnumerable<(int Line, MathProblem Problem, JsonObject Row)> Read(string path, IReadOnlyDictionary<string, string>? fieldMap = null)
    {
        string Key(string ours) => fieldMap is not null && fieldMap.TryGetValue(ours, out var theirs) ? theirs : ours;
        foreach (var (line, row) in JsonlFile.Read(path))
        {
            string id = row.ContainsKey(Key("id")) ? JsonlFile.RequireString(row, Key("id"), path, line) : $"{Path.GetFileName(path)}:{line}";
            string problem = JsonlFile.RequireString(row, Key("problem"), path, line);
            string answer = JsonlFile.RequireString(row, Key("answer"), path, line);
            string? solution = row.ContainsKey(Key("solution")) ? JsonlFile.RequireString(row, Key("solution"), path, line) : null;
            yield return (line, new MathProblem(id, problem, answer, solution), row);
        }
    }
}
