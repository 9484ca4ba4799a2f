using System.Diagnostics;
using System.Text;

namespace Verity.Hub.Tokenization;

/// <summary>Encode throughput of one tokenizer on one text (UTF-8 bytes and tokens per second).</summary>
public sealed record EncodeThroughput(long Bytes, long Tokens, double Seconds, int Iterations)
{
    public double MegabytesPerSecond => Bytes * (double)Iterations / Seconds / 1e6;
    public double TokensPerSecond => Tokens * (double)Iterations / Seconds;
}

/// <summary>
/// Measures Encode speed for `verity bench` and the JS comparison (bench/peer_tokenizer.mjs, same text).
/// The first pass is a warm-up (JIT, word cache), as the JS side also runs one untimed pass.
/// </summary>
public static class TokenizerBenchmark
{
    public static EncodeThroughput MeasureEncode(Tokenizer tokenizer, string text, int iterations = 5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var ids = new List<int>(text.Length / 2);
        tokenizer.Encode(text, false, ids);
        long tokens = ids.Count;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++)
        {
            ids.Clear();
            tokenizer.Encode(text, false, ids);
        }
        sw.Stop();
        return new EncodeThroughput(Encoding.UTF8.GetByteCount(text), tokens, sw.Elapsed.TotalSeconds, iterations);
    }
}
