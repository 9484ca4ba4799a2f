using System.Text.Json.Nodes;
using Verity.Hub.Templates;
using Verity.Hub.Tokenization;

namespace Verity.Cli.Commands;

/// <summary>
/// Text prompts for <c>generate</c> and <c>score</c>: the model folder's tokenizer (loaded only if the folder
/// has tokenizer files) and the chat template. A plain prompt is encoded as <c>tokenizer(text)</c> is in
/// transformers (post-processor on, e.g. Llama's BOS); a chat prompt is the rendered template encoded
/// without special tokens, as <c>apply_chat_template(tokenize=True)</c> does, since the template writes them.
/// </summary>
internal sealed class TextPrompts
{
    private static readonly string[] TokenizerMarkers = ["tokenizer.json", "encoder.json", "vocab.json"];

    private readonly string _modelDir;
    private readonly bool _chat;
    private readonly string? _system;
    private ChatTemplate? _template;

    private TextPrompts(string modelDir, Tokenizer? tokenizer, bool chat, string? system)
    {
        _modelDir = modelDir;
        Tokenizer = tokenizer;
        _chat = chat;
        _system = system;
    }

    /// <summary>The folder's tokenizer, or null when it has no tokenizer files.</summary>
    public Tokenizer? Tokenizer { get; }

    public static TextPrompts Load(string modelDir, bool chat, string? system)
    {
        if (system is not null && !chat) throw new ArgumentException("--system needs --chat (a system message only exists in a chat prompt).");
        bool has = TokenizerMarkers.Any(f => File.Exists(Path.Combine(modelDir, f)));
        return new TextPrompts(modelDir, has ? Tokenizer.FromFolder(modelDir) : null, chat, system);
    }

    /// <summary>The tokenizer, or a one-line error naming the folder and the fix.</summary>
    public Tokenizer Require(string what) => Tokenizer ?? throw new FileNotFoundException(
        $"{_modelDir}: no tokenizer files (tokenizer.json, or vocab.json + merges.txt), needed for {what}. " +
        "HINT: copy the model's tokenizer files into this folder (verity tokenizer train --out writes them), or give token ids (--prompt-ids / \"prompt_ids\").");

    /// <summary>A text prompt: chat-wrapped as one user message (after the --system message) when --chat is on.</summary>
    public int[] FromText(string prompt)
    {
        var tokenizer = Require("a text prompt");
        if (!_chat) return tokenizer.Encode(prompt, addSpecialTokens: true);
        var messages = new List<ChatMessage>();
        if (_system is not null) messages.Add(new ChatMessage("system", _system));
        messages.Add(new ChatMessage("user", prompt));
        return FromMessages(messages);
    }

    /// <summary>Chat messages rendered with the tokenizer's template and add_generation_prompt.</summary>
    public int[] FromMessages(IReadOnlyList<ChatMessage> messages)
    {
        var tokenizer = Require("a chat prompt");
        _template ??= ChatTemplate.Parse(tokenizer.ChatTemplate ?? throw new InvalidDataException(
            $"{Path.Combine(_modelDir, "tokenizer_config.json")}: no chat_template, needed for --chat or \"messages\". HINT: use an instruct model's tokenizer files, or a plain \"prompt\" without --chat."));
        string text = _template.Render(messages, addGenerationPrompt: true,
            tokenizer.BosTokenId is int b ? tokenizer.IdToToken(b) : null,
            tokenizer.EosTokenId is int e ? tokenizer.IdToToken(e) : null);
        return tokenizer.Encode(text, addSpecialTokens: false);
    }

    /// <summary>A completion's text as ids: no special tokens added, since it continues the prompt.</summary>
    public int[] FromCompletion(string completion) => Require("a text completion").Encode(completion, addSpecialTokens: false);

    /// <summary>
    /// The prompt of a JSONL row: <c>prompt_ids</c> (integers), <c>prompt</c> (text) or <c>messages</c>
    /// (chat). Exactly one must be present; a wrong shape is a FormatException naming the key.
    /// </summary>
    public int[] PromptOf(JsonObject row)
    {
        var present = new[] { "prompt_ids", "prompt", "messages" }.Where(row.ContainsKey).ToArray();
        if (present.Length != 1)
            throw new FormatException((present.Length == 0 ? "missing the prompt" : $"both {string.Join(" and ", present.Select(p => $"\"{p}\""))}")
                + ". HINT: give exactly one of \"prompt_ids\":[…], \"prompt\":\"text\" or \"messages\":[{\"role\":…,\"content\":…}].");
        return present[0] switch
        {
            "prompt_ids" => Ids(row, "prompt_ids"),
            "prompt" => FromText(Text(row, "prompt")),
            _ => FromMessages(Messages(row["messages"])),
        };
    }

    /// <summary>Integer ids under key, or a FormatException naming it.</summary>
    public static int[] Ids(JsonObject row, string key)
    {
        if (row[key] is not JsonArray arr) throw new FormatException($"\"{key}\" must be an array of integers.");
        try { return arr.Select(x => x!.GetValue<int>()).ToArray(); }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or NullReferenceException)
        {
            throw new FormatException($"\"{key}\" must be an array of integers.");
        }
    }

    public static string Text(JsonObject row, string key) =>
        row[key] is JsonValue v && v.TryGetValue(out string? s) ? s : throw new FormatException($"\"{key}\" must be a string.");

    /// <summary>Stop strings of a row: a string or an array of strings; null when the row has none.</summary>
    public static string[]? Stops(JsonObject row)
    {
        const string Bad = "\"stop\" must be a string or an array of strings.";
        return row["stop"] switch
        {
            null => null,
            JsonValue v => v.TryGetValue(out string? one) ? [one] : throw new FormatException(Bad),
            JsonArray a => a.Select(x => x is JsonValue e && e.TryGetValue(out string? s) ? s : throw new FormatException(Bad)).ToArray(),
            _ => throw new FormatException(Bad),
        };
    }

    private static List<ChatMessage> Messages(JsonNode? node)
    {
        const string Hint = "\"messages\" must be an array of {\"role\":\"user\",\"content\":\"…\"} objects.";
        if (node is not JsonArray arr || arr.Count == 0) throw new FormatException(Hint);
        return arr.Select(m => m is JsonObject o && o["role"] is JsonValue r && r.TryGetValue(out string? role)
                && o["content"] is JsonValue c && c.TryGetValue(out string? content)
            ? new ChatMessage(role, content) : throw new FormatException(Hint)).ToList();
    }
}
