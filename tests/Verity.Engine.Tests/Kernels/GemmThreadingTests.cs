using Verity.Engine.Threading;

namespace Verity.Engine.Tests.Kernels;

/// <summary>Tests that change the global thread count run alone so they cannot disturb other tests.</summary>
[CollectionDefinition(nameof(GlobalThreadCount), DisableParallelization = true)]
public class GlobalThreadCount;

[Collection(nameof(GlobalThreadCount))]
public class GemmThreadingTests
{
    [Theory]
    [InlineData(Layout.XWt, 200, 333, 300)]
    [InlineData(Layout.XW, 200, 333, 300)]
    [InlineData(Layout.XtY, 200, 333, 300)]
    [InlineData(Layout.XWt, 40, 4100, 1030)] // slice-by-slice B packing
    [InlineData(Layout.XWt, 3, 5000, 70)]   // decode-shaped: the streaming path
    [InlineData(Layout.XWt, 13, 999, 333)]
    [InlineData(Layout.XW, 3, 700, 5000)]
    [InlineData(Layout.XtY, 2, 700, 500)]
    public void One_and_two_threads_give_the_same_bits_on_repeated_runs(Layout layout, int m, int n, int k)
    {
        var (la, lb, lc) = GemmCheck.Lengths(layout, m, n, k);
        var a = GemmCheck.Random(la, 1);
        var b = GemmCheck.Random(lb, 2);
        var c0 = GemmCheck.Random(lc, 3);
        int saved = WorkPool.ThreadCount;
        try
        {
            WorkPool.ThreadCount = 1;
            var single = (float[])c0.Clone();
            GemmCheck.Fast(layout, a, b, m, n, k, single, accumulate: true);
            WorkPool.ThreadCount = 2;
            for (int run = 0; run < 3; run++)
            {
                var multi = (float[])c0.Clone();
                GemmCheck.Fast(layout, a, b, m, n, k, multi, accumulate: true);
                Assert.Equal(single, multi);
            }
        }
        finally
        {
            WorkPool.ThreadCount = saved;
        }
    }
}

[Collection(nameof(GlobalThreadCount))]
public class ThreadCountSettingTests
{
    [Theory]
    [InlineData("3", 3)]
    [InlineData(" 1 ", 1)]
    public void VERITY_THREADS_sets_the_default(string value, int expected)
    {
        string? saved = Environment.GetEnvironmentVariable("VERITY_THREADS");
        try
        {
            Environment.SetEnvironmentVariable("VERITY_THREADS", value);
            Assert.Equal(expected, WorkPool.DefaultThreadCount());
        }
        finally
        {
            Environment.SetEnvironmentVariable("VERITY_THREADS", saved);
        }
    }

    [Fact]
    public void A_bad_VERITY_THREADS_names_the_variable_and_the_fix()
    {
        string? saved = Environment.GetEnvironmentVariable("VERITY_THREADS");
        try
        {
            Environment.SetEnvironmentVariable("VERITY_THREADS", "two");
            var ex = Assert.Throws<ArgumentException>(() => WorkPool.DefaultThreadCount());
            Assert.Contains("VERITY_THREADS='two'", ex.Message);
            Assert.Contains("HINT", ex.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable("VERITY_THREADS", saved);
        }
    }
}
