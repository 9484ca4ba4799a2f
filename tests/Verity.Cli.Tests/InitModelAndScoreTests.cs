using System.Text.Json;
using Verity.Engine.Model;
using Verity.Hub.Checkpoints;

namespace Verity.Cli.Tests;

public class InitModelAndScoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "verity-cli-" + Guid.NewGuid().ToString("N"));

    public InitModelAndScoreTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string P(string name) => Path.Combine(_dir, name);

    private string Init(string family, string outName, params string[] extra)
    {
        string[] seed = extra.Contains("--seed") ? [] : ["--seed", "7"];
        string[] args = ["init-model", "--family", family, "--hidden", "16", "--layers", "2", "--heads", "4", "--kv-heads", "2",
            "--intermediate", "24", "--vocab", "29", "--std", "0.5", "--out", P(outName), .. seed, .. extra];
        var (code, output, err) = CliRunner.Run(args);
        Assert.True(code == 0, err);
        Assert.Contains("parameters", output);
        return P(outName);
    }

    [Fact]
    public void Init_model_writes_a_loadable_hf_folder_deterministically()
    {
        string a = Init("qwen3", "a", "--head-dim", "6", "--tied");
        string b = Init("qwen3", "b", "--head-dim", "6", "--tied");
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "model.safetensors")), File.ReadAllBytes(Path.Combine(b, "model.safetensors")));
        var loaded = ModelFolder.Load(a);
        Assert.Equal(6, loaded.Model.Config.HeadDim);
        Assert.True(loaded.Model.Config.QkNorm);
        Assert.True(loaded.Model.Config.TieWordEmbeddings);
        Assert.Equal("float32", loaded.Config.DType);
        string c = Init("qwen2", "c", "--seed", "8", "--dtype", "bf16");
        var qwen2 = ModelFolder.Load(c);
        Assert.True(qwen2.Model.Config.QkvBias);
        Assert.Equal("bfloat16", qwen2.Config.DType);
    }

    [Fact]
    public void Score_gives_completion_logprobs_and_entropies_consistent_with_full_logits()
    {
        string model = Init("llama", "m");
        var lines = new[]
        {
            (Prompt: new[] { 1, 2, 3 }, Completion: new[] { 4, 5 }),
            (Prompt: new[] { 9 }, Completion: new[] { 10, 11, 12, 13 }),
            (Prompt: new[] { 20, 21, 22, 23, 24 }, Completion: new[] { 28 }),
        };
        File.WriteAllLines(P("in.jsonl"), lines.Select(l => JsonSerializer.Serialize(new { prompt_ids = l.Prompt, completion_ids = l.Completion })).Append(""));
        var (code, _, err) = CliRunner.Run("score", "--model", model, "--input", P("in.jsonl"), "--output", P("out.jsonl"), "--batch-size", "2");
        Assert.True(code == 0, err);
        var outLines = File.ReadAllLines(P("out.jsonl"));
        Assert.Equal(lines.Length, outLines.Length);

        var m = ModelFolder.Load(model).Model;
        int v = m.Config.VocabSize;
        for (int k = 0; k < lines.Length; k++)
        {
            using var doc = JsonDocument.Parse(outLines[k]);
            var lp = doc.RootElement.GetProperty("logprobs").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            var h = doc.RootElement.GetProperty("entropies").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            Assert.Equal(lines[k].Completion.Length, lp.Length);
            Assert.Equal(lines[k].Completion.Length, h.Length);
            Assert.All(lp, x => Assert.True(x <= 0));
            Assert.All(h, x => Assert.True(x >= 0 && x <= Math.Log(v) + 1e-5));

            // Independent check of the alignment: log_softmax of the logits at position P−1+j, alone in a batch.
            int[] seq = [.. lines[k].Prompt, .. lines[k].Completion];
            var logits = m.Logits(Batch.FromSequences([seq], [seq]));
            for (int j = 0; j < lp.Length; j++)
            {
                int row = lines[k].Prompt.Length - 1 + j;
                var z = logits.AsSpan(row * v, v).ToArray().Select(x => (double)x).ToArray();
                double max = z.Max(), lse = max + Math.Log(z.Sum(x => Math.Exp(x - max)));
                Assert.Equal(z[lines[k].Completion[j]] - lse, lp[j], 4);
                double ent = -z.Sum(x => Math.Exp(x - lse) * (x - lse));
                Assert.Equal(ent, h[j], 4);
            }
        }
        // At std 0.5 the distributions are far from uniform (log-prob −ln V), so the checks above are not vacuous.
        Assert.Contains(outLines, l => JsonDocument.Parse(l).RootElement.GetProperty("logprobs").EnumerateArray()
            .Any(x => Math.Abs(x.GetDouble() + Math.Log(29)) > 0.2));
    }

    [Fact]
    public void Malformed_jsonl_line_names_file_and_line()
    {
        string model = Init("llama", "m");
        File.WriteAllLines(P("bad.jsonl"), ["{\"prompt_ids\":[1],\"completion_ids\":[2]}", "", "{\"prompt_ids\":[1],\"completion_ids\":[2,"]);
        var (code, _, err) = CliRunner.Run("score", "--model", model, "--input", P("bad.jsonl"), "--output", P("o.jsonl"));
        Assert.Equal(2, code);
        Assert.Contains(P("bad.jsonl") + ":3", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void Out_of_vocabulary_id_names_the_line()
    {
        string model = Init("llama", "m");
        File.WriteAllLines(P("oov.jsonl"), ["{\"prompt_ids\":[1],\"completion_ids\":[29]}"]);
        var (code, _, err) = CliRunner.Run("score", "--model", model, "--input", P("oov.jsonl"), "--output", P("o.jsonl"));
        Assert.Equal(2, code);
        Assert.Contains(P("oov.jsonl") + ":1", err);
        Assert.Contains("29", err);
    }

    [Fact]
    public void Unknown_family_lists_the_known_ones()
    {
        var (code, _, err) = CliRunner.Run("init-model", "--family", "gpt2", "--hidden", "8", "--layers", "1", "--heads", "2",
            "--intermediate", "8", "--vocab", "10", "--out", P("x"));
        Assert.Equal(2, code);
        Assert.Contains("llama, qwen2, qwen3", err);
    }

    [Fact]
    public void Score_on_a_folder_without_config_is_a_one_line_error()
    {
        Directory.CreateDirectory(P("empty"));
        File.WriteAllText(P("in.jsonl"), "{\"prompt_ids\":[1],\"completion_ids\":[2]}\n");
        var (code, _, err) = CliRunner.Run("score", "--model", P("empty"), "--input", P("in.jsonl"), "--output", P("o.jsonl"));
        Assert.Equal(2, code);
        Assert.Contains("config.json", err);
        Assert.Single(err.Trim().Split('\n'));
    }
}
