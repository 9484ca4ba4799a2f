using System.Text.Json;
using Verity.Hub.Tokenization;

namespace Verity.Hub.Templates;

/// <summary>One chat message. ReasoningContent is Qwen3's optional separate thinking text.</summary>
public sealed record ChatMessage(string Role, string Content, string? ReasoningContent = null);

/// <summary>
/// A Hugging Face chat template (Jinja subset) parsed once and rendered many times. Renders as
/// transformers' apply_chat_template does: trim_blocks, lstrip_blocks, variables messages,
/// add_generation_prompt, bos_token/eos_token and any extras (enable_thinking, tools, ...).
/// Unsupported constructs fail at parse or render time naming the construct and its line/column.
/// </summary>
public sealed class ChatTemplate
{
    private readonly List<Node> _nodes;

    private ChatTemplate(List<Node> nodes) { _nodes = nodes; }

    public static ChatTemplate Parse(string source) => new(JinjaParser.Parse(source));

    /// <summary>Renders with the given variables (values as produced by <see cref="JinjaValues.FromJson"/>).</summary>
    public string Render(IReadOnlyDictionary<string, object?> variables, DateTime? now = null)
    {
        var scope = new Scope(null);
        foreach (var (k, v) in variables) scope.Set(k, v);
        return new JinjaInterpreter(now ?? DateTime.Now).Run(_nodes, scope);
    }

    /// <summary>Renders a JSON object of variables, e.g. {"messages": [...], "add_generation_prompt": true}.</summary>
    public string RenderJson(string variablesJson, DateTime? now = null)
    {
        using var doc = JsonDocument.Parse(variablesJson);
        var vars = (OrderedDictionary<string, object?>)JinjaValues.FromJson(doc.RootElement)!;
        return Render(vars, now);
    }

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string? bosToken = null, string? eosToken = null,
        IReadOnlyDictionary<string, object?>? extra = null)
    {
        var vars = new Dictionary<string, object?>
        {
            ["messages"] = messages.Select(ToValue).ToList(),
            ["add_generation_prompt"] = addGenerationPrompt,
            ["bos_token"] = bosToken ?? "",
            ["eos_token"] = eosToken ?? "",
        };
        if (extra != null) foreach (var (k, v) in extra) vars[k] = v;
        return Render(vars);
    }

    private static object? ToValue(ChatMessage m)
    {
        var d = new OrderedDictionary<string, object?> { ["role"] = m.Role, ["content"] = m.Content };
        if (m.ReasoningContent != null) d["reasoning_content"] = m.ReasoningContent;
        return d;
    }

    /// <summary>The tokenizer's own template (tokenizer_config.json chat_template), with its bos/eos tokens.</summary>
    public static string Apply(Tokenizer tokenizer, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, IReadOnlyDictionary<string, object?>? extra = null)
    {
        string source = tokenizer.ChatTemplate
            ?? throw new InvalidDataException("tokenizer_config.json has no chat_template. HINT: use an instruct model's tokenizer folder or pass a template explicitly.");
        return Parse(source).Render(messages, addGenerationPrompt,
            tokenizer.BosTokenId is int b ? tokenizer.IdToToken(b) : null,
            tokenizer.EosTokenId is int e ? tokenizer.IdToToken(e) : null, extra);
    }
}
