using System.Text.Json;
using Verity.Cli.Bench;

namespace Verity.Cli.Tests;

public class ModelBenchTests
{
    /// <summary>
    /// Runs <c>verity bench --quick --threads 1</c> with <paramref name="args"/> on the toy shapes (VERITY_BENCH_TINY),
    /// asserts it succeeded, and returns its output and its single JSON row.
    /// </summary>
    private static (string Output, JsonElement Row) RunTiny(params string[] args)
    {
        var file = Path.Combine(Path.GetTempPath(), $"verity-bench-{Guid.NewGuid():N}.json");
        Environment.SetEnvironmentVariable("VERITY_BENCH_TINY", "1");
        try
        {
            var (code, output, err) = CliRunner.Run(["bench", "--quick", "--threads", "1", "--json", file, .. args]);
            Assert.True(code == 0, err);
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            return (output, Assert.Single(doc.RootElement.GetProperty("results").EnumerateArray()).Clone());
        }
        finally
        {
            Environment.SetEnvironmentVariable("VERITY_BENCH_TINY", null);
            File.Delete(file);
        }
    }

    [Fact]
    public void Forward_row_runs_the_model_on_the_tiny_shape_and_is_written_as_json()
    {
        // Given the toy shape (VERITY_BENCH_TINY) and no peer
        var (output, row) = RunTiny("--filter", "forward", "--no-peer");

        // Then one forward row, in tokens/s at the shape's batch and sequence length
        Assert.Contains("| forward ", output);
        Assert.Equal("forward", row.GetProperty("benchmark").GetString());
        Assert.Equal("tiny-L1", row.GetProperty("shape").GetString());
        Assert.Equal(2, row.GetProperty("batch").GetInt32());
        Assert.Equal(16, row.GetProperty("seq").GetInt32());
        Assert.Equal("tokens/s", row.GetProperty("unit").GetString());
        Assert.True(row.GetProperty("verity").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Null, row.GetProperty("peer").ValueKind);
    }

    /// <summary>The single-sequence decode row: the bound and the fractions of it, with and without the prefill.</summary>
    [Fact]
    public void Decode_x1_row_gives_the_bound_and_the_decode_steps_fraction()
    {
        var (output, row) = RunTiny("--filter", "decode/tiny-L1.x1", "--no-peer");

        Assert.Contains("decode steps alone (prefill excluded)", output);
        Assert.Equal(1, row.GetProperty("sequences").GetInt32());
        double bound = row.GetProperty("bound_tokens_per_s").GetDouble(), steps = row.GetProperty("decode_steps_per_s").GetDouble();
        Assert.True(bound > 0 && steps > 0, $"bound {bound}, decode steps/s {steps}");
        Assert.Equal(steps / bound, row.GetProperty("decode_fraction_of_bound").GetDouble(), tolerance: 2e-3);
        Assert.Equal(row.GetProperty("verity").GetDouble() / bound, row.GetProperty("fraction_of_bound").GetDouble(), tolerance: 2e-3);
        Assert.True(row.GetProperty("paired_decode_fraction_of_bound").GetDouble() > 0);
    }

    /// <summary>The RL-step row: the split adds up to the step, and the overhead is what is left besides generate, reward and forward/backward.</summary>
    [Fact]
    public void Rl_step_row_splits_the_step_and_reports_the_trainer_overhead()
    {
        var (output, row) = RunTiny("--filter", "rl_step", "--no-peer");

        Assert.Contains("| rl_step ", output);
        Assert.Equal("s/step", row.GetProperty("unit").GetString());
        double step = row.GetProperty("verity").GetDouble();
        double[] parts = new[] { "generate_s", "reward_s", "forward_backward_s", "optimizer_s", "other_s" }.Select(k => row.GetProperty(k).GetDouble()).ToArray();
        Assert.All(parts, p => Assert.True(p >= 0));
        Assert.True(parts[0] > 0 && parts[2] > 0, "generation and forward/backward take time");
        Assert.Equal(step, parts.Sum(), tolerance: 1e-3);
        Assert.Equal((parts[3] + parts[4]) / parts.Sum(), row.GetProperty("overhead_fraction").GetDouble(), tolerance: 1e-3);
        Assert.Equal(row.GetProperty("overhead_fraction").GetDouble() < 0.05, row.GetProperty("overhead_under_5pct").GetBoolean());
    }

    [Fact]
    public void Sft_pack_row_compares_packed_with_padded_on_the_same_pairs()
    {
        // Given the toy shape (VERITY_BENCH_TINY: 2 pairs of at most 16 tokens)
        var (output, row) = RunTiny("--filter", "sft_pack");

        // Then one row whose peer is the padded layout, never more positions packed than padded, the same real tokens
        Assert.Contains("| sft_pack ", output);
        Assert.Equal("verity padded", row.GetProperty("peer_name").GetString());
        Assert.True(row.GetProperty("verity").GetDouble() > 0 && row.GetProperty("peer").GetDouble() > 0);
        var pairs = SftPackBenchmark.Pairs(512, 2, 16);
        Assert.Equal(pairs.Sum(p => p.Prompt.Length + p.Response.Length - 1), row.GetProperty("real_tokens").GetInt32());
        Assert.True(row.GetProperty("positions_packed").GetInt32() <= row.GetProperty("positions_padded").GetInt32());
        Assert.True(row.GetProperty("positions_packed").GetInt32() >= row.GetProperty("real_tokens").GetInt32());
    }

    [Fact]
    public void Decode_bound_pairs_each_run_with_the_bandwidth_probes_beside_it()
    {
        // 1 GB of weights, 100 new tokens per run. Run 0 took 10 s (10 tok/s) between probes of 10 and 30 GB/s (bound
        // 20 tok/s: 50 %); run 1 took 4 s (25 tok/s) between 30 and 20 GB/s (bound 25: 100 %); run 2 took 5 s (20 tok/s)
        // between 20 and 40 GB/s (bound 30: 66.7 %). The median pairs each run with its own probes: 66.7 %, where
        // best run / best probe would say 25 / 40 = 62.5 %.
        double paired = Verity.Cli.Bench.DecodeBenchmark.PairedFraction([100 / 10.0, 100 / 4.0, 100 / 5.0], [10, 30, 20, 40], weightBytes: 1_000_000_000);
        Assert.Equal(2.0 / 3, paired, 12);
    }

    [Fact]
    public void Filter_parts_that_name_a_family_select_only_that_family()
    {
        // "decode" is a family name, so sgemm's "qwen2.5-0.5b.mlp_up.decode1" must not come along
        var selected = BenchRegistry.Select("decode,train_memory", quick: true);
        Assert.Equal(["decode", "train_memory"], selected.Select(s => s.Family.Name).ToArray());

        // a part that is a whole case key selects that case only, not the keys it is a prefix of (x1 vs x16)
        var exact = BenchRegistry.Select("decode/smollm135m-L4.x1", quick: true);
        Assert.Equal(["decode/smollm135m-L4.x1"], exact.SelectMany(s => s.Cases).Select(c => c.Key).ToArray());

        // a part that is not a family name still matches keys by substring, across families
        var bySubstring = BenchRegistry.Select("square512,forward", quick: true);
        Assert.Equal(["sgemm", "forward"], bySubstring.Select(s => s.Family.Name).ToArray());
        Assert.Equal("square512", Assert.Single(bySubstring[0].Cases).Shape);
    }
}
