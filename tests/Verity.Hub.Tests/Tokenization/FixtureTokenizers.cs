using System.Text.Json;
using Verity.Hub.Tokenization;

namespace Verity.Hub.Tests.Tokenization;

/// <summary>Loads each real tokenizer once per test run (Qwen3's tokenizer.json is 11 MB).</summary>
internal static class FixtureTokenizers
{
    private static readonly Lazy<Tokenizer> Qwen3Lazy = new(() => Tokenizer.FromFolder(TestPaths.SharedData("tokenizers", "qwen3")));
    private static readonly Lazy<Tokenizer> Gpt2Lazy = new(() => Tokenizer.FromFolder(TestPaths.SharedData("tokenizers", "gpt2")));

    public static Tokenizer Qwen3 => Qwen3Lazy.Value;
    public static Tokenizer Gpt2 => Gpt2Lazy.Value;

    public sealed record Line(string Text, bool AddSpecialTokens, int[] Ids);

    public static IReadOnlyList<Line> Read(string file)
    {
        var lines = new List<Line>();
        foreach (var raw in File.ReadLines(TestPaths.Fixtures("tokenizer", file)))
        {
            if (raw.Length == 0) continue;
            using var doc = JsonDocument.Parse(raw);
            var r = doc.RootElement;
            lines.Add(new Line(r.GetProperty("text").GetString()!,
                r.TryGetProperty("add_special_tokens", out var a) && a.GetBoolean(),
                r.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray()));
        }
        return lines;
    }
}
