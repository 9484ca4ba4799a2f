using Verity.Engine.Threading;

namespace Verity.Engine.Tests.Threading;

public class WorkPoolTests
{
    [Fact]
    public void For_runs_every_index_exactly_once()
    {
        var hits = new int[1000];
        WorkPool.For(hits.Length, i => Interlocked.Increment(ref hits[i]));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void Nested_loops_complete()
    {
        var hits = new int[8 * 50];
        WorkPool.For(8, i => WorkPool.For(50, j => Interlocked.Increment(ref hits[i * 50 + j])));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void An_exception_in_the_body_reaches_the_caller()
    {
        var ex = Assert.Throws<InvalidOperationException>(() =>
            WorkPool.For(100, i => { if (i == 37) throw new InvalidOperationException("index 37"); }));
        Assert.Equal("index 37", ex.Message);
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(1, 10)]
    [InlineData(1000, 7)]
    [InlineData(100_003, 4096)]
    public void ForRange_covers_the_range_with_disjoint_chunks(int length, int minChunk)
    {
        var hits = new int[length];
        WorkPool.ForRange(length, minChunk, (start, end) =>
        {
            Assert.True(start < end);
            for (int i = start; i < end; i++) Interlocked.Increment(ref hits[i]);
        });
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void Thread_count_below_one_is_rejected_with_a_hint()
    {
        var ex = Assert.Throws<ArgumentException>(() => WorkPool.ThreadCount = 0);
        Assert.Contains("HINT", ex.Message);
    }
}
