using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Verity.Data.Records;

/// <summary>
/// JSONL reading and writing with errors that name the file and line. Blank lines are skipped;
/// anything else that is not a JSON object is an error (a silently skipped line is lost data).
/// </summary>
public static class JsonlFile
{
    /// <summary>Compact, and readable: no escaping of plus signs, angle brackets or non-ASCII beyond what JSON requires.</summary>
    public static readonly JsonSerializerOptions WriteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Each non-blank line as a JSON object with its 1-based line number.</summary>
    public static IEnumerable<(int Line, JsonObject Row)> Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: file not found. HINT: check the path (relative paths start from {Environment.CurrentDirectory}).", path);
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonNode? node;
            try { node = JsonNode.Parse(line); }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{path}:{lineNo}: not valid JSON ({ex.Message.Split(". ")[0]}). HINT: each line must be one JSON object.");
            }
            if (node is not JsonObject obj)
                throw new InvalidDataException($"{path}:{lineNo}: expected a JSON object, found {node?.GetValueKind().ToString() ?? "null"}. HINT: each line must be one JSON object.");
            yield return (lineNo, obj);
        }
    }

    /// <summary>A required string field; the error names file, line and key.</summary>
    public static string RequireString(JsonObject row, string key, string path, int line)
    {
        if (!row.TryGetPropertyValue(key, out var node) || node is null)
            throw new InvalidDataException($"{path}:{line}: missing field \"{key}\". HINT: map your file's field with --field {key}=<your name>, or add it.");
        return node.GetValueKind() switch
        {
            JsonValueKind.String => node.GetValue<string>(),
            JsonValueKind.Number => node.ToJsonString(),
            _ => throw new InvalidDataException($"{path}:{line}: field \"{key}\" must be a string, found {node.GetValueKind()}."),
        };
    }

    /// <summary>Writes rows atomically: a temp file beside the target, then a rename.</summary>
    public static void Write(string path, IEnumerable<JsonObject> rows)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".tmp-" + Environment.ProcessId;
        using (var w = new StreamWriter(tmp))
        {
            foreach (var row in rows) w.WriteLine(row.ToJsonString(WriteOptions));
        }
        File.Move(tmp, full, overwrite: true);
    }
}
