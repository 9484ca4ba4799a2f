using System.Text.Json;

namespace Verity.Hub;

/// <summary>Shared JSON file reading: a parse error names the file and the position.</summary>
internal static class HubJson
{
    public static JsonDocument ParseFile(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: file not found. HINT: check the model folder path.", path);
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: invalid JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}. HINT: fix the file or fetch it again.");
        }
    }
}
