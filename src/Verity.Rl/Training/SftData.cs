using Verity.Data.Records;
using Verity.Data.Templates;
using Verity.Hub.Tokenization;

namespace Verity.Rl.Training;

/// <summary>SFT pairs as token ids, and what was skipped with the reason.</summary>
public sealed record SftDataset(IReadOnlyList<(int[] Prompt, int[] Response)> Pairs, IReadOnlyList<(string Where, string Reason)> Skipped);

/// <summary>
/// Reads (prompt, response) pairs from JSONL: the prompt field goes through the template (boxed, gsm8k,
/// none or chat) exactly as at evaluation, the response is encoded as is and ends with the EOS id so the
/// model learns to stop.
/// </summary>
public static class SftData
{
    public static SftDataset Load(IReadOnlyList<string> files, string promptKey, string responseKey, PromptFormatter prompts, Tokenizer tokenizer, int eosId, int maxLength)
    {
        if (files.Count == 0) throw new InvalidDataException("sft: data.train_files is empty. HINT: set data.train_files=[pairs.jsonl] (e.g. from verity data reject-sample).");
        var pairs = new List<(int[], int[])>();
        var skipped = new List<(string, string)>();
        foreach (var file in files)
        {
            foreach (var (line, row) in JsonlFile.Read(file))
            {
                string prompt = JsonlFile.RequireString(row, promptKey, file, line);
                string response = JsonlFile.RequireString(row, responseKey, file, line);
                string where = $"{file}:{line}";
                if (response.Length == 0) { skipped.Add((where, "empty response")); continue; }
                int[] p = prompts.Encode(prompt);
                int[] r = [.. tokenizer.Encode(response, addSpecialTokens: false), eosId];
                if (p.Length + r.Length > maxLength) { skipped.Add((where, $"longer than sft.max_length {maxLength} tokens")); continue; }
                pairs.Add((p, r));
            }
        }
        if (pairs.Count == 0)
            throw new InvalidDataException($"sft: no usable pairs in {string.Join(", ", files)} ({skipped.Count} skipped). HINT: check data.prompt_key / sft.response_key and sft.max_length.");
        return new SftDataset(pairs, skipped);
    }
}
