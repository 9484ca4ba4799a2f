using System.Text;
using System.Text.Json;

namespace Verity.Hub.Tokenization;

/// <summary>Batch tokenization of JSONL files: each line {"text": ...} becomes {"ids": [...]}.</summary>
public static class JsonlTokenizing
{
    /// <summary>Encodes every line of input into output; returns the number of lines written.</summary>
    public static int EncodeFile(Tokenizer tokenizer, string input, string output, bool addSpecialTokens)
    {
        if (!File.Exists(input))
            throw new FileNotFoundException($"{input}: input file not found. HINT: pass a JSONL file with one {{\"text\": ...}} object per line.");
        using var writer = new StreamWriter(output, false, new UTF8Encoding(false));
        int lineNo = 0, written = 0;
        var ids = new List<int>();
        foreach (var line in File.ReadLines(input))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string text = ReadText(line, input, lineNo);
            ids.Clear();
            tokenizer.Encode(text, addSpecialTokens, ids);
            writer.Write("{\"ids\":[");
            for (int i = 0; i < ids.Count; i++)
            {
                if (i > 0) writer.Write(',');
                writer.Write(ids[i]);
            }
            writer.Write("]}\n");
            written++;
        }
        return written;
    }

    private static string ReadText(string line, string file, int lineNo)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                return t.GetString()!;
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{file}:{lineNo}: not valid JSON ({ex.Message.ReplaceLineEndings(" ")}). HINT: each line must be one object like {{\"text\": \"...\"}}.");
        }
        throw new InvalidDataException($"{file}:{lineNo}: expected an object with a string \"text\". HINT: each line must be one object like {{\"text\": \"...\"}}.");
    }
}
