using Verity.Hub.Templates;
using Verity.Hub.Tests.Tokenization;

namespace Verity.Hub.Tests.Templates;

public class ChatTemplateBehaviourTests
{
    [Fact]
    public void Qwen3_enable_thinking_false_appends_an_empty_think_block()
    {
        var tok = FixtureTokenizers.Qwen3;
        var messages = new[] { new ChatMessage("user", "Hi") };
        string on = ChatTemplate.Apply(tok, messages, addGenerationPrompt: true);
        string off = ChatTemplate.Apply(tok, messages, addGenerationPrompt: true, new Dictionary<string, object?> { ["enable_thinking"] = false });
        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", on);
        Assert.Equal(on + "<think>\n\n</think>\n\n", off);
    }

    [Fact]
    public void Unsupported_statement_names_itself_and_its_position()
    {
        var ex = Assert.Throws<NotSupportedException>(() => ChatTemplate.Parse("hello\n  {% include 'x.j2' %}"));
        Assert.Contains("include", ex.Message);
        Assert.Contains("line 2 column", ex.Message);
    }

    [Fact]
    public void Unknown_filter_lists_the_known_ones_with_position()
    {
        var t = ChatTemplate.Parse("{{ 'a' | frobnicate }}");
        var ex = Assert.Throws<NotSupportedException>(() => t.Render(new Dictionary<string, object?>()));
        Assert.Contains("filter 'frobnicate'", ex.Message);
        Assert.Contains("line 1 column", ex.Message);
        Assert.Contains("tojson", ex.Message);
    }

    [Fact]
    public void Unknown_string_method_is_named()
    {
        var t = ChatTemplate.Parse("{{ 'a'.zfill(3) }}");
        var ex = Assert.Throws<NotSupportedException>(() => t.Render(new Dictionary<string, object?>()));
        Assert.Contains("'zfill'", ex.Message);
        Assert.Contains("startswith", ex.Message);
    }

    [Fact]
    public void Syntax_error_reports_line_and_column()
    {
        var ex = Assert.Throws<FormatException>(() => ChatTemplate.Parse("line one\n{% if x %}\n{{ x + }}\n{% endif %}"));
        Assert.Contains("line 3 column", ex.Message);
    }

    [Fact]
    public void Unclosed_block_is_an_error()
    {
        var ex = Assert.Throws<FormatException>(() => ChatTemplate.Parse("{% for m in messages %}{{ m }}"));
        Assert.Contains("endfor", ex.Message);
    }

    [Fact]
    public void Raise_exception_surfaces_the_template_message()
    {
        var t = ChatTemplate.Parse("{{ raise_exception('Conversation roles must alternate') }}");
        var ex = Assert.Throws<InvalidDataException>(() => t.Render(new Dictionary<string, object?>()));
        Assert.Contains("Conversation roles must alternate", ex.Message);
    }

    [Fact]
    public void Python_semantics_for_printing_and_tojson_indent()
    {
        var t = ChatTemplate.Parse("{{ [1, 'a', none, true] }} {{ {'a': [1, 2]} | tojson(indent=2) }} {{ strftime_now('%d %b %Y') }}");
        string s = t.Render(new Dictionary<string, object?>(), new DateTime(2024, 7, 26));
        Assert.Equal("[1, 'a', None, True] {\n  \"a\": [\n    1,\n    2\n  ]\n} 26 Jul 2024", s);
    }
}
