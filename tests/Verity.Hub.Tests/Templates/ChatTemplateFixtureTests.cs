using System.Text.Json;
using Verity.Hub.Templates;

namespace Verity.Hub.Tests.Templates;

/// <summary>
/// Renders of the Qwen3, Qwen2.5, Llama-3.1, SmolLM2 and a constructs-coverage template, compared
/// byte-for-byte with @huggingface/jinja (fixtures from tests/fixtures/templates/make_chat_fixtures.mjs).
/// </summary>
public class ChatTemplateFixtureTests
{
    private static readonly DateTime FixedNow = new(2025, 1, 15);

    [Fact]
    public void Every_fixture_render_matches_huggingface_jinja()
    {
        using var templatesDoc = JsonDocument.Parse(File.ReadAllText(TestPaths.Fixtures("templates", "chat_templates.json")));
        var templates = templatesDoc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => ChatTemplate.Parse(p.Value.GetString()!));
        var failures = new List<string>();
        var perTemplate = new Dictionary<string, int>();
        foreach (var raw in File.ReadLines(TestPaths.Fixtures("templates", "chat_renders.jsonl")))
        {
            using var row = JsonDocument.Parse(raw);
            var r = row.RootElement;
            string name = r.GetProperty("template").GetString()!;
            string expected = r.GetProperty("expected").GetString()!;
            string actual = templates[name].RenderJson(r.GetProperty("variables").GetRawText(), FixedNow);
            perTemplate[name] = perTemplate.GetValueOrDefault(name) + 1;
            if (actual != expected)
                failures.Add($"{name}/{r.GetProperty("conversation").GetString()} {r.GetProperty("variables").GetRawText()}\nexpected {JsonSerializer.Serialize(expected)}\nactual   {JsonSerializer.Serialize(actual)}");
        }
        Assert.Equal(["features", "llama3_1", "qwen2_5", "qwen3", "smollm2"], perTemplate.Keys.Order());
        Assert.True(perTemplate.Values.Sum() >= 100);
        Assert.True(failures.Count == 0, $"{failures.Count} renders differ:\n" + string.Join("\n", failures.Take(6)));
    }

    [Fact]
    public void Qwen3_template_in_the_shared_tokenizer_config_is_the_fixture_template()
    {
        using var cfg = JsonDocument.Parse(File.ReadAllText(TestPaths.SharedData("tokenizers", "qwen3", "tokenizer_config.json")));
        using var fixtures = JsonDocument.Parse(File.ReadAllText(TestPaths.Fixtures("templates", "chat_templates.json")));
        Assert.Equal(cfg.RootElement.GetProperty("chat_template").GetString(), fixtures.RootElement.GetProperty("qwen3").GetString());
    }
}
