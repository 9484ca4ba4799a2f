using System.Text;

namespace Verity.Hub.Tests.Tokenization;

/// <summary>The two fast merge loops against GPT-2's original merge-all-occurrences loop.</summary>
public class BpeMergeTests
{
    [Fact]
    public void Small_and_heap_merges_equal_the_naive_reference_on_random_words()
    {
        var model = FixtureTokenizers.Qwen3.Model;
        var rng = new Random(42);
        string[] pieces = ["a", "b", "in", "the", "ing", " ", "  ", "er", "中", "文", "😀", "=", "-", "\n", "0", "ab", "ba"];
        for (int trial = 0; trial < 400; trial++)
        {
            var sb = new StringBuilder();
            int n = rng.Next(1, trial % 4 == 0 ? 120 : 20);
            for (int i = 0; i < n; i++) sb.Append(pieces[rng.Next(pieces.Length)]);
            int[] symbols = model.ByteSymbols(sb.ToString());
            int[] expected = model.MergeNaive(symbols);
            Assert.Equal(expected, model.MergeSmall((int[])symbols.Clone()));
            Assert.Equal(expected, model.MergeHeap((int[])symbols.Clone()));
        }
    }

    [Fact]
    public void Long_runs_use_the_heap_and_still_match_the_reference()
    {
        var tok = FixtureTokenizers.Qwen3;
        string text = new string('=', 5000) + " " + new string(' ', 3000) + "x";
        int[] ids = tok.Encode(text, false);
        Assert.Equal(text, tok.Decode(ids));
        var model = tok.Model;
        var symbols = model.ByteSymbols(new string('=', 5000));
        Assert.Equal(model.MergeNaive(symbols), model.MergeHeap((int[])symbols.Clone()));
    }
}
