using System.Text.Json;
using System.Text.Json.Nodes;
using Verity.Data.Templates;
using Verity.Hub.Templates;
using Verity.Hub.Tokenization;
using Verity.Rl.Config;

namespace Verity.Rl.Training;

/// <summary>
/// The training prompts of a run: every line of data.train_files read as {prompt_key, answer_key}, the
/// instruction template applied (boxed / gsm8k / none, or the tokenizer's chat template with the generation
/// prompt), tokenized once, and prompts longer than data.max_prompt_length tokens skipped (verl's filter).
/// </summary>
public sealed class PromptSet
{
    private PromptSet(IReadOnlyList<RlPrompt> prompts, IReadOnlyList<string> texts, int skipped, IReadOnlyList<double?> passRates, int outsidePassRate, int belowTopFraction)
    {
        BelowTopFraction = belowTopFraction;
        Prompts = prompts;
        Texts = texts;
        Skipped = skipped;
        PassRates = passRates;
        OutsidePassRate = outsidePassRate;
    }

    public IReadOnlyList<RlPrompt> Prompts { get; }

    /// <summary>The templated prompt text of each prompt (for completions.jsonl).</summary>
    public IReadOnlyList<string> Texts { get; }

    /// <summary>Prompts left out for being longer than data.max_prompt_length.</summary>
    public int Skipped { get; }

    /// <summary>Each prompt's offline pass rate (data.pass_rate_key), null where the line has none.</summary>
    public IReadOnlyList<double?> PassRates { get; }

    /// <summary>Prompts left out by the offline filter data.min_pass_rate / data.max_pass_rate.</summary>
    public int OutsidePassRate { get; }

    /// <summary>Prompts left out by the score curriculum data.top_fraction.</summary>
    public int BelowTopFraction { get; }

    /// <param name="data">The data section; its train_files are read.</param>
    /// <param name="tokenizer">Encodes the templated prompts.</param>
    /// <param name="filesKey">The config key the files came from, for messages (data.eval_files when evaluating).</param>
    public static PromptSet Load(DataSection data, Tokenizer tokenizer, string filesKey = "data.train_files")
    {
        if (data.TrainFiles.Count == 0)
            throw new ArgumentException($"config: {filesKey} lists no file. HINT: set {filesKey}=[prompts.jsonl] (JSONL lines like {{\"prompt\": \"...\", \"answer\": \"...\"}})");
        Func<string, string> template = data.Template == "chat"
            ? question => ChatTemplate.Apply(tokenizer, [new ChatMessage("user", question)], addGenerationPrompt: true)
            : InstructionTemplates.Get(data.Template);
        // a chat template writes its own special tokens (BOS included) as text
        bool addSpecialTokens = data.Template != "chat";

        var prompts = new List<RlPrompt>();
        var texts = new List<string>();
        var passRates = new List<double?>();
        var scores = new List<double>();
        bool curriculum = data.TopFraction < 1;
        int skipped = 0, outside = 0;
        bool band = data.MinPassRate is not null || data.MaxPassRate is not null;
        foreach (var path in data.TrainFiles)
        {
            foreach (var (line, row) in ReadRows(path, filesKey))
            {
                string question = Field(row, data.PromptKey, path, line, "data.prompt_key");
                string answer = Field(row, data.AnswerKey, path, line, "data.answer_key");
                double? passRate = PassRate(row, data.PassRateKey, path, line, required: band);
                if (passRate < data.MinPassRate || passRate > data.MaxPassRate) { outside++; continue; }
                string text = template(question);
                int[] ids = tokenizer.Encode(text, addSpecialTokens);
                if (ids.Length == 0)
                    throw new InvalidDataException($"{path}:{line}: the prompt encodes to no tokens. HINT: remove the line or give it a non-empty \"{data.PromptKey}\"");
                if (ids.Length > data.MaxPromptLength) { skipped++; continue; }
                prompts.Add(new RlPrompt(ids, answer));
                texts.Add(text);
                passRates.Add(passRate);
                if (curriculum) scores.Add(ScoreCurriculum.Score(row, data.ScoreKey!, path, line));
            }
        }
        int below = 0;
        if (curriculum && prompts.Count > 0)
        {
            var top = ScoreCurriculum.Top(scores, data.TopFraction);
            below = prompts.Count - top.Length;
            prompts = [.. top.Select(i => prompts[i])];
            texts = [.. top.Select(i => texts[i])];
            passRates = [.. top.Select(i => passRates[i])];
        }
        if (prompts.Count == 0)
            throw new InvalidDataException($"{string.Join(", ", data.TrainFiles)}: no usable prompt ({skipped} longer than data.max_prompt_length={data.MaxPromptLength} tokens, {outside} outside the pass-rate band [{data.MinPassRate?.ToString() ?? "0"}, {data.MaxPassRate?.ToString() ?? "1"}]). HINT: add prompts, raise data.max_prompt_length or widen data.min_pass_rate / data.max_pass_rate");
        return new PromptSet(prompts, texts, skipped, passRates, outside, below);
    }

    private static IEnumerable<(int Line, JsonObject Row)> ReadRows(string path, string filesKey)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: prompt file not found ({filesKey}). HINT: check the path; relative paths start from {Environment.CurrentDirectory}", path);
        return Verity.Data.Records.JsonlFile.Read(path);
    }

    /// <summary>The offline pass rate of a line: a number in [0, 1]; missing is null unless a pass-rate band needs it.</summary>
    private static double? PassRate(JsonObject row, string key, string path, int line, bool required)
    {
        if (!row.TryGetPropertyValue(key, out var node) || node is null)
            return required
                ? throw new InvalidDataException($"{path}:{line}: missing field \"{key}\" needed by data.min_pass_rate / data.max_pass_rate. HINT: add it with `verity data difficulty`, set data.pass_rate_key to your field, or set both bounds to null")
                : null;
        double rate = node.GetValueKind() == JsonValueKind.Number ? node.GetValue<double>() : double.NaN;
        if (!(rate >= 0 && rate <= 1))
            throw new InvalidDataException($"{path}:{line}: field \"{key}\" must be a pass rate in [0, 1], found {node.ToJsonString()}. HINT: write the fraction of correct samples, as verity data difficulty does");
        return rate;
    }

    private static string Field(JsonObject row, string key, string path, int line, string configKey)
    {
        if (!row.TryGetPropertyValue(key, out var node) || node is null)
            throw new InvalidDataException($"{path}:{line}: missing field \"{key}\". HINT: set {configKey} to the name your file uses (fields here: {string.Join(", ", row.Select(p => p.Key))})");
        return node.GetValueKind() switch
        {
            JsonValueKind.String => node.GetValue<string>(),
            JsonValueKind.Number => node.ToJsonString(),
            var kind => throw new InvalidDataException($"{path}:{line}: field \"{key}\" must be a string or a number, found {kind}. HINT: write it as a JSON string"),
        };
    }
}
