using System.Text.Json;

namespace Verity.Cli.Tests;

public class BenchCommandTests
{
    [Fact]
    public void Sgemm_row_is_printed_and_written_as_json()
    {
        // Given one small case and no peer (no python launched)
        var file = Path.Combine(Path.GetTempPath(), $"verity-bench-{Guid.NewGuid():N}.json");
        try
        {
            // When
            var (code, output, err) = CliRunner.Run("bench", "--filter", "sgemm/square512", "--quick", "--no-peer", "--threads", "1", "--json", file);

            // Then
            Assert.True(code == 0, err);
            Assert.Contains("| sgemm ", output);
            Assert.Contains("square512", output);
            Assert.DoesNotContain("square1024", output);
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var row = Assert.Single(doc.RootElement.GetProperty("results").EnumerateArray());
            Assert.Equal("sgemm", row.GetProperty("benchmark").GetString());
            Assert.Equal("square512", row.GetProperty("shape").GetString());
            Assert.Equal(1, row.GetProperty("threads").GetInt32());
            Assert.Equal("GFLOP/s", row.GetProperty("unit").GetString());
            Assert.True(row.GetProperty("verity").GetDouble() > 0);
            Assert.Equal(JsonValueKind.Null, row.GetProperty("peer").ValueKind);
            Assert.Equal(512, row.GetProperty("k").GetInt32());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Unknown_filter_lists_the_known_benchmarks()
    {
        var (code, _, err) = CliRunner.Run("bench", "--filter", "no-such-bench", "--no-peer");
        Assert.Equal(2, code);
        Assert.Contains("sgemm/square2048", err);
        Assert.Contains("HINT", err);
    }
}
