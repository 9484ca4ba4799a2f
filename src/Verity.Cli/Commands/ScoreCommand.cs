using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Verity.Engine.Model;
using Verity.Hub.Checkpoints;

namespace Verity.Cli.Commands;

/// <summary>
/// <c>verity score</c>: log-probabilities and entropies of given completions under a model — the numbers a
/// trainer recomputes for its loss, here one JSONL line in, one out (blank input lines are skipped). Text
/// lines are encoded with the folder's tokenizer, prompt and completion separately (the prompt as
/// <c>tokenizer(prompt)</c> or through the chat template with --chat, the completion without special
/// tokens), and joined as a rollout joins them: prompt ids, then completion ids.
/// </summary>
internal static class ScoreCommand
{
    public static Command Create()
    {
        var modelDir = new Option<string>("--model") { Description = "Model folder (config.json + safetensors).", Required = true };
        var input = new Option<string>("--input") { Description = "JSONL, one {\"prompt_ids\":[…],\"completion_ids\":[…]} or {\"prompt\":\"text\",\"completion\":\"text\"} (or \"messages\":[…] as the prompt) per line.", Required = true };
        var output = new Option<string>("--output") { Description = "JSONL written line by line: {\"logprobs\":[…],\"entropies\":[…]} for the completion tokens.", Required = true };
        var batchSize = new Option<int>("--batch-size") { Description = "Sequences per forward pass.", DefaultValueFactory = _ => 8 };
        var chat = new Option<bool>("--chat") { Description = "Wrap text prompts as a user message and apply the tokenizer's chat template (with the generation prompt)." };
        var system = new Option<string?>("--system") { Description = "System message placed before the user message (needs --chat)." };

        var command = new Command("score", "Score completion tokens: per-token log-probs and entropies under a model.");
        foreach (var o in new Option[] { modelDir, input, output, batchSize, chat, system }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            int bs = parse.GetValue(batchSize);
            if (bs <= 0) throw new ArgumentException($"--batch-size must be positive, got {bs}.");
            string inPath = parse.GetValue(input)!;
            string folder = parse.GetValue(modelDir)!;
            var model = ModelFolder.Load(folder).Model;
            var requests = ReadRequests(inPath, model.Config, TextPrompts.Load(folder, parse.GetValue(chat), parse.GetValue(system)));
            using var stream = File.Create(parse.GetValue(output)!);
            using var json = new Utf8JsonWriter(stream);
            for (int start = 0; start < requests.Count; start += bs)
            {
                var chunk = requests.Skip(start).Take(bs).ToList();
                // Position t predicts token t+1, so the last token is never an input.
                var inputs = chunk.Select(r => r.Tokens[..^1]).ToList();
                var targets = chunk.Select(r => r.Tokens[1..]).ToList();
                var batch = Batch.FromSequences(inputs, targets);
                var result = model.Forward(batch);
                for (int b = 0; b < chunk.Count; b++)
                {
                    int first = b * batch.T + chunk[b].PromptLength - 1;
                    int n = chunk[b].Tokens.Length - chunk[b].PromptLength;
                    json.WriteStartObject();
                    json.WriteStartArray("logprobs");
                    for (int i = 0; i < n; i++) json.WriteNumberValue(result.LogProbs[first + i]);
                    json.WriteEndArray();
                    json.WriteStartArray("entropies");
                    for (int i = 0; i < n; i++) json.WriteNumberValue(result.Entropies[first + i]);
                    json.WriteEndArray();
                    json.WriteEndObject();
                    json.Flush();
                    stream.WriteByte((byte)'\n');
                    json.Reset();
                }
            }
            parse.InvocationConfiguration.Output.WriteLine($"scored {requests.Count} sequences → {parse.GetValue(output)}");
            return 0;
        });
        return command;
    }

    private sealed record Request(int[] Tokens, int PromptLength);

    private static List<Request> ReadRequests(string path, ModelConfig config, TextPrompts prompts)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: input file not found.", path);
        var list = new List<Request>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            FormatException Bad(string what) => new($"{path}:{lineNo}: {what}. HINT: each line must be {{\"prompt_ids\":[…],\"completion_ids\":[…]}} with token ids in [0, {config.VocabSize}), or {{\"prompt\":\"…\",\"completion\":\"…\"}} with a tokenizer in the model folder.");
            int[] prompt, completion;
            try
            {
                if (JsonNode.Parse(line) is not JsonObject row) throw Bad("expected a JSON object");
                prompt = prompts.PromptOf(row);
                completion = (row.ContainsKey("completion_ids"), row.ContainsKey("completion")) switch
                {
                    (true, false) => TextPrompts.Ids(row, "completion_ids"),
                    (false, true) => prompts.FromCompletion(TextPrompts.Text(row, "completion")),
                    _ => throw Bad("give exactly one of 'completion_ids' or 'completion'"),
                };
            }
            catch (JsonException ex)
            {
                throw Bad($"invalid JSON ({ex.Message.ReplaceLineEndings(" ")})");
            }
            catch (FormatException ex) when (!ex.Message.StartsWith(path, StringComparison.Ordinal))
            {
                throw new FormatException($"{path}:{lineNo}: {ex.Message}");
            }
            if (prompt.Length == 0) throw Bad("the prompt is empty, so the first completion token has no context");
            if (completion.Length == 0) throw Bad("the completion is empty");
            foreach (var id in prompt.Concat(completion))
                if (id < 0 || id >= config.VocabSize) throw Bad($"token id {id} is outside the vocabulary");
            int total = prompt.Length + completion.Length;
            if (total - 1 > config.MaxPositionEmbeddings)
                throw Bad($"{total} tokens exceed max_position_embeddings {config.MaxPositionEmbeddings}");
            list.Add(new Request([.. prompt, .. completion], prompt.Length));
        }
        return list;
    }
}
