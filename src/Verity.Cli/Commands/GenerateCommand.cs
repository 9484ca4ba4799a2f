using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Verity.Data.Records;
using Verity.Engine.Generation;
using Verity.Hub.Checkpoints;
using Verity.Hub.Config;
using Verity.Hub.Tokenization;

namespace Verity.Cli.Commands;

/// <summary>
/// <c>verity generate</c>: sample completions from a model folder, one prompt from the command line or a
/// JSONL batch. Prompts are token ids, or text / chat messages encoded with the folder's tokenizer; with a
/// tokenizer each sample's text is printed (cut before a stop string; its ids keep the token that completed
/// it). Sampling values come from the flags, else the model's generation_config.json, else the built-in
/// defaults; a JSONL line may override them (and the stop strings) for itself. An invalid line yields an
/// <c>{"error":…}</c> output line and the rest of the batch still runs.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var modelDir = new Option<string>("--model") { Description = "Model folder (config.json + safetensors [+ generation_config.json, tokenizer files]).", Required = true };
        var promptIds = new Option<string?>("--prompt-ids") { Description = "One prompt as comma-separated token ids, e.g. 1,2,3." };
        var prompt = new Option<string?>("--prompt") { Description = "One prompt as text, encoded with the model folder's tokenizer." };
        var chat = new Option<bool>("--chat") { Description = "Wrap text prompts as a user message and apply the tokenizer's chat template (with the generation prompt)." };
        var system = new Option<string?>("--system") { Description = "System message placed before the user message (needs --chat)." };
        var stop = new Option<string[]>("--stop") { Description = "Stop string (repeatable); the printed text is cut before it. A JSONL line's own \"stop\" replaces these." };
        var showIds = new Option<bool>("--show-ids") { Description = "With a tokenizer, print the completion ids beside the text." };
        var input = new Option<string?>("--input") { Description = "JSONL of {\"prompt_ids\":[…]}, {\"prompt\":\"text\"} or {\"messages\":[…]} lines, each optionally with stop, n, temperature, top_p, top_k, min_p, max_new_tokens, seed." };
        var output = new Option<string?>("--output") { Description = "JSONL output for --input: one {\"samples\":[…]} (or {\"error\":…}) line per input line, in order; samples carry \"text\" when the folder has a tokenizer." };
        var n = new Option<int?>("--n") { Description = "Samples per prompt. [default: 1]" };
        var temperature = new Option<float?>("--temperature") { Description = "Sampling temperature, 0 = greedy. [default: generation_config.json, else 1]" };
        var topP = new Option<float?>("--top-p") { Description = "Nucleus mass in (0, 1]. [default: generation_config.json, else 1]" };
        var topK = new Option<int?>("--top-k") { Description = "Keep the k most likely tokens, 0 = off. [default: generation_config.json, else 0]" };
        var minP = new Option<float?>("--min-p") { Description = "Drop tokens below min_p × the top probability. [default: 0]" };
        var maxNew = new Option<int?>("--max-new-tokens") { Description = "New tokens per sample at most. [default: 64]" };
        var seed = new Option<ulong>("--seed") { Description = "Seed; JSONL line i without its own seed uses seed + i.", DefaultValueFactory = _ => 1UL };
        var maxConcurrent = new Option<int>("--max-concurrent") { Description = "Sequences decoded together (continuous batching).", DefaultValueFactory = _ => 64 };
        var parity = new Option<bool>("--check-parity") { Description = "Recompute the samples with the training forward and print the largest log-prob mismatch." };

        var command = new Command("generate", "Sample completions from a model with a KV cache and continuous batching; text in and out when the folder has a tokenizer.");
        foreach (var o in new Option[] { modelDir, promptIds, prompt, chat, system, stop, showIds, input, output, n, temperature, topP, topK, minP, maxNew, seed, maxConcurrent, parity })
            command.Options.Add(o);
        command.SetAction(parse =>
        {
            var outWriter = parse.InvocationConfiguration.Output;
            string? inPath = parse.GetValue(input), outPath = parse.GetValue(output), ids = parse.GetValue(promptIds), text = parse.GetValue(prompt);
            if ((inPath is null ? 0 : 1) + (ids is null ? 0 : 1) + (text is null ? 0 : 1) != 1)
                throw new ArgumentException("generate: give exactly one of --prompt-ids, --prompt or --input.");
            if (inPath is not null && outPath is null)
                throw new ArgumentException("generate: --input needs --output.");
            if (ids is not null && parse.GetValue(chat))
                throw new ArgumentException("generate: --chat applies to text prompts. HINT: use --prompt \"…\" with --chat, or drop --chat.");

            string folder = parse.GetValue(modelDir)!;
            var loaded = ModelFolder.Load(folder);
            var prompts = TextPrompts.Load(folder, parse.GetValue(chat), parse.GetValue(system));
            string[] globalStops = parse.GetValue(stop) ?? [];
            // With a tokenizer every request gets a StopStrings (possibly empty: it still decodes the text);
            // null means ids only. Lines with the same list share one.
            var stopsOf = new Dictionary<string, StopStrings>();
            StopStrings? Stops(string[] list)
            {
                if (prompts.Tokenizer is null)
                {
                    if (list.Length > 0) prompts.Require("stop strings");
                    return null;
                }
                string key = string.Join('\0', list);
                if (!stopsOf.TryGetValue(key, out var s)) stopsOf[key] = s = new StopStrings(prompts.Tokenizer, list);
                return s;
            }
            var gen = loaded.Generation;
            var defaults = new SamplingParams
            {
                N = parse.GetValue(n) ?? 1,
                Temperature = parse.GetValue(temperature) ?? (gen?.DoSample == false ? 0f : (float?)gen?.Temperature ?? 1f),
                TopP = parse.GetValue(topP) ?? (float?)gen?.TopP ?? 1f,
                TopK = parse.GetValue(topK) ?? gen?.TopK ?? 0,
                MinP = parse.GetValue(minP) ?? 0f,
                MaxNewTokens = parse.GetValue(maxNew) ?? 64,
                Seed = parse.GetValue(seed),
            };
            var generator = new Generator(loaded.Model, new GeneratorOptions
            {
                MaxConcurrentSequences = parse.GetValue(maxConcurrent),
                // generation_config.json first; a folder without one still stops at its tokenizer's EOS
                DefaultStopTokenIds = gen?.EosTokenIds is { Count: > 0 } eos ? eos : prompts.Tokenizer?.EosTokenIds ?? [],
                CheckParity = parse.GetValue(parity),
            });

            if (inPath is null)
            {
                var stops = Stops(globalStops);
                var request = new GenerationRequest(ids is not null ? ParseIds(ids) : prompts.FromText(text!), defaults) { StopCriterion = stops?.Criterion };
                var result = generator.Generate([request]);
                if (result.Requests[0].Error is { } error) throw new ArgumentException($"generate: {error}");
                for (int j = 0; j < result.Requests[0].Samples.Count; j++)
                {
                    var s = result.Requests[0].Samples[j];
                    string finish = $"[{j}] {s.Finish.ToString().ToLowerInvariant(),-6}";
                    if (stops is null)
                    {
                        outWriter.WriteLine($"{finish} {string.Join(',', s.CompletionIds)}");
                        continue;
                    }
                    outWriter.WriteLine($"{finish} {s.CompletionIds.Length} tokens" + (parse.GetValue(showIds) ? $": {string.Join(',', s.CompletionIds)}" : ""));
                    outWriter.WriteLine(stops.CompletionText(s.CompletionIds));
                }
                PrintStats(outWriter, result.Stats);
                return 0;
            }

            var lines = JsonlFile.Read(inPath!).ToList();
            var requests = new List<GenerationRequest?>();
            var requestStops = new List<StopStrings?>();
            var lineErrors = new List<string?>();
            for (int i = 0; i < lines.Count; i++)
            {
                try
                {
                    var row = lines[i].Row;
                    var stops = Stops(TextPrompts.Stops(row) ?? globalStops);
                    requests.Add(ParseRequest(row, prompts, defaults with { Seed = defaults.Seed + (ulong)i }) with { StopCriterion = stops?.Criterion });
                    requestStops.Add(stops);
                    lineErrors.Add(null);
                }
                catch (Exception ex) when (ex is FormatException or FileNotFoundException or InvalidDataException or ArgumentException)
                {
                    requests.Add(null);
                    requestStops.Add(null);
                    lineErrors.Add($"{inPath}:{lines[i].Line}: {ex.Message}");
                }
            }
            var valid = requests.Where(r => r is not null).Select(r => r!).ToList();
            var generated = generator.Generate(valid);
            var rows = new List<JsonObject>();
            int next = 0;
            for (int i = 0; i < requests.Count; i++)
            {
                if (requests[i] is null) { rows.Add(new JsonObject { ["error"] = lineErrors[i] }); continue; }
                var r = generated.Requests[next++];
                var stops = requestStops[i];
                rows.Add(r.Error is { } e ? new JsonObject { ["error"] = $"{inPath}:{lines[i].Line}: {e}" } : new JsonObject
                {
                    ["samples"] = new JsonArray(r.Samples.Select(s =>
                    {
                        var o = new JsonObject();
                        if (stops is not null) o["text"] = stops.CompletionText(s.CompletionIds);
                        o["completion_ids"] = new JsonArray(s.CompletionIds.Select(x => (JsonNode)x).ToArray());
                        o["logprobs"] = new JsonArray(s.PolicyLogProbs.Select(x => (JsonNode)x).ToArray());
                        o["sampling_logprobs"] = new JsonArray(s.SamplingLogProbs.Select(x => (JsonNode)x).ToArray());
                        o["finish_reason"] = s.Finish == FinishReason.Stop ? "stop" : "length";
                        return (JsonNode)o;
                    }).ToArray()),
                });
            }
            JsonlFile.Write(outPath!, rows);
            int failed = rows.Count(r => r.ContainsKey("error"));
            outWriter.WriteLine($"generated {generated.Stats.GeneratedTokens} tokens for {requests.Count - failed} prompts → {outPath}" + (failed > 0 ? $" ({failed} lines rejected; see their \"error\")" : ""));
            PrintStats(outWriter, generated.Stats);
            return 0;
        });
        return command;
    }

    private static void PrintStats(TextWriter w, GenerationStats s)
    {
        double tps = s.Seconds > 0 ? s.GeneratedTokens / s.Seconds : 0;
        double decodeSeconds = s.Seconds - s.PrefillSeconds;
        string steps = decodeSeconds > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({s.DecodeSteps / decodeSeconds:F1}/s)") : "";
        string parity = s.MaxLogProbMismatch is { } m ? string.Create(CultureInfo.InvariantCulture, $", max log-prob mismatch vs training forward {m:E2}") : "";
        w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{s.GeneratedTokens} new tokens in {s.Seconds:F2} s ({tps:F1} tok/s; prefill {s.PrefillSeconds:F2} s), {s.DecodeSteps} decode steps{steps}, up to {s.MaxConcurrent} sequences at once") + parity);
    }

    private static int[] ParseIds(string text)
    {
        try
        {
            return text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (FormatException)
        {
            throw new FormatException($"--prompt-ids \"{text}\": expected comma-separated integers, e.g. 1,2,3.");
        }
    }

    private static GenerationRequest ParseRequest(JsonObject row, TextPrompts prompts, SamplingParams defaults)
    {
        int[] prompt = prompts.PromptOf(row);
        T Get<T>(string key, T fallback)
        {
            if (row[key] is not JsonNode node) return fallback;
            try { return node.GetValue<T>(); }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException)
            {
                throw new FormatException($"field \"{key}\" has the wrong type ({node.ToJsonString()}).");
            }
        }
        var p = defaults with
        {
            N = Get("n", defaults.N),
            Temperature = Get("temperature", defaults.Temperature),
            TopP = Get("top_p", defaults.TopP),
            TopK = Get("top_k", defaults.TopK),
            MinP = Get("min_p", defaults.MinP),
            MaxNewTokens = Get("max_new_tokens", defaults.MaxNewTokens),
            Seed = Get("seed", defaults.Seed),
        };
        return new GenerationRequest(prompt, p);
    }
}
