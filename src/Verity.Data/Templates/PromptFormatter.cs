using Verity.Hub.Templates;
using Verity.Hub.Tokenization;

namespace Verity.Data.Templates;

/// <summary>
/// Turns a question into prompt token ids under a template name: the instruction templates
/// (boxed, gsm8k, none) as plain text, or <c>chat</c>: the boxed instruction as one user message rendered
/// with the tokenizer's own chat template and the generation prompt (what an instruct model expects).
/// </summary>
public sealed class PromptFormatter
{
    public static readonly IReadOnlyList<string> Names = [.. InstructionTemplates.Registry.Keys, "chat"];

    private readonly Tokenizer _tokenizer;
    private readonly Func<string, string> _text;

    public PromptFormatter(Tokenizer tokenizer, string template)
    {
        _tokenizer = tokenizer;
        Template = template;
        if (template == "chat")
        {
            // Fail now, not on the first problem, when the tokenizer has no template.
            if (tokenizer.ChatTemplate is null)
                throw new InvalidDataException("template chat: the tokenizer has no chat_template in tokenizer_config.json. HINT: use --template boxed for a base model.");
            var boxed = InstructionTemplates.Get("boxed");
            _text = q => ChatTemplate.Apply(tokenizer, [new ChatMessage("user", boxed(q))], addGenerationPrompt: true);
        }
        else if (InstructionTemplates.Registry.TryGetValue(template, out var t)) _text = t;
        else throw new ArgumentException($"unknown prompt template \"{template}\"; known: {string.Join(", ", Names)}.");
    }

    public string Template { get; }

    /// <summary>The prompt text for one question.</summary>
    public string Text(string question) => _text(question);

    /// <summary>
    /// The prompt ids. Special tokens in the rendered text (chat markers) are matched as added tokens;
    /// no BOS/EOS is added here, templates that want a BOS write it themselves.
    /// </summary>
    public int[] Encode(string question) => _tokenizer.Encode(_text(question), addSpecialTokens: false);
}
