using System.Text.Json;

namespace Verity.Hub.Tokenization.Training;

/// <summary>Reads a training corpus: a .jsonl file gives one document per {"text": ...} line, any other file is one document.</summary>
public static class TrainingCorpus
{
    public static IEnumerable<string> Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: corpus file not found. HINT: pass a UTF-8 text file or a JSONL file of {{\"text\": ...}} lines.");
        if (!path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)) return [File.ReadAllText(path)];
        return ReadJsonl(path);
    }

    private static IEnumerable<string> ReadJsonl(string path)
    {
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string? text;
            try
            {
                using var doc = JsonDocument.Parse(line);
                text = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{path}:{lineNo}: not valid JSON ({ex.Message.ReplaceLineEndings(" ")}). HINT: each line must be {{\"text\": \"...\"}}.");
            }
            yield return text ?? throw new InvalidDataException($"{path}:{lineNo}: expected an object with a string \"text\". HINT: each line must be {{\"text\": \"...\"}}.");
        }
    }
}
