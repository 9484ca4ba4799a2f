using Verity.Engine.Model;
using Verity.Rl.Training;

namespace Verity.Rl.Tests.Training;

public class SftPackingTests
{
    private static TransformerModel Model()
    {
        var model = new TransformerModel(new ModelConfig
        {
            VocabSize = 23, HiddenSize = 16, IntermediateSize = 24, NumLayers = 2, NumHeads = 2, NumKvHeads = 1, HeadDim = 8, MaxPositionEmbeddings = 64,
        });
        model.InitRandom(5);
        return model;
    }

    /// <summary>Pairs with prompts of 1–6 and responses of 1–7 tokens.</summary>
    private static List<(int[] Prompt, int[] Response)> Pairs(int count, int seed)
    {
        var rng = new Random(seed);
        int[] Ids(int n) => Enumerable.Range(0, n).Select(_ => rng.Next(1, 23)).ToArray();
        return Enumerable.Range(0, count).Select(_ => (Ids(rng.Next(1, 7)), Ids(rng.Next(1, 8)))).ToList();
    }

    [Fact]
    public void First_fit_decreasing_places_longest_first_into_the_first_row_with_room()
    {
        // sorted: 5(#0) 4(#1) 3(#2) 3(#3) 2(#4) 2(#5) 1(#6); 4 does not fit beside 5, the second 3 goes beside 4, the 1 fills row 1
        var rows = SftPacker.Pack([5, 4, 3, 3, 2, 2, 1], capacity: 8);
        Assert.Equal([[0, 2], [1, 3, 6], [4, 5]], rows);
        var tooLong = Assert.Throws<ArgumentException>(() => SftPacker.Pack([3, 9], capacity: 8));
        Assert.Contains("example 1 has 9 tokens", tooLong.Message);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 7)]
    [InlineData(3, 16)]
    [InlineData(4, 50)]
    public void Packed_rows_never_exceed_capacity_and_hold_every_example_once(int seed, int capacity)
    {
        var rng = new Random(seed);
        var lengths = Enumerable.Range(0, 200).Select(_ => rng.Next(1, capacity + 1)).ToList();
        var rows = SftPacker.Pack(lengths, capacity);
        Assert.All(rows, row => Assert.InRange(row.Sum(i => lengths[i]), 1, capacity));
        Assert.Equal(Enumerable.Range(0, 200), rows.SelectMany(r => r).Order());
        // FFD leaves at most one row at most half full (two such rows would have been merged)
        Assert.True(rows.Count(row => 2 * row.Sum(i => lengths[i]) <= capacity) <= 1);
        Assert.Equal(rows, SftPacker.Pack(lengths, capacity));
    }

    [Fact]
    public void Packed_and_padded_layouts_give_the_same_loss_and_gradients()
    {
        var pairs = Pairs(9, seed: 3);
        var padded = SftBatching.Padded(pairs, microBatch: 4);
        var packed = SftBatching.Packed(pairs, microBatch: 2, capacity: 16);
        Assert.True(packed.Sum(m => m.Engine.B) < pairs.Count, "the pairs were not packed");
        Assert.True(packed.Sum(m => m.Positions) < padded.Sum(m => m.Positions), "packing should compute fewer positions");
        Assert.Equal(pairs.Sum(p => p.Response.Length), packed.Sum(m => m.ResponseRows.Length));
        Assert.All(packed, m => Assert.True(m.Engine.T <= 16));

        var model = Model();
        model.ZeroGrad();
        double lossPadded = SftStep.Accumulate(model, padded);
        var gradPadded = model.Parameters.Select(p => p.Grad.ToArray()).ToList();
        model.ZeroGrad();
        double lossPacked = SftStep.Accumulate(model, packed);

        Assert.Equal(lossPadded, lossPacked, 1e-5);
        double largest = 0;
        for (int i = 0; i < gradPadded.Count; i++)
            for (int j = 0; j < gradPadded[i].Length; j++)
            {
                Assert.True(Math.Abs(gradPadded[i][j] - model.Parameters[i].Grad[j]) <= 1e-5 * Math.Max(1, Math.Abs(gradPadded[i][j])),
                    $"{model.Parameters[i].Key}[{j}]: padded {gradPadded[i][j]} packed {model.Parameters[i].Grad[j]}");
                largest = Math.Max(largest, Math.Abs(gradPadded[i][j]));
            }
        Assert.True(largest > 1e-3, "gradients too small for the comparison to mean anything");
    }

    [Fact]
    public void Changing_one_packed_example_leaves_the_others_log_probs_unchanged()
    {
        var pairs = Pairs(3, seed: 8);
        var rows = SftPacker.Pack(pairs.Select(p => p.Prompt.Length + p.Response.Length - 1).ToList(), 64);
        Assert.Single(rows);
        var model = Model();
        var before = SftBatching.Packed(pairs, 1, 64).Single();
        var changed = pairs.ToList();
        changed[0] = (pairs[0].Prompt.Select(t => t % 22 + 1).ToArray(), pairs[0].Response.Select(t => t % 22 + 1).ToArray());
        var after = SftBatching.Packed(changed, 1, 64).Single();
        var lpBefore = model.Forward(before.Engine).LogProbs;
        var lpAfter = model.Forward(after.Engine).LogProbs;

        // response rows are listed example by example in packing order; example 0's are the ones that change
        int Offset(int example) => rows[0].TakeWhile(i => i != example).Sum(i => pairs[i].Response.Length);
        var rowsOf = Enumerable.Range(0, 3).ToDictionary(e => e, e => before.ResponseRows.Skip(Offset(e)).Take(pairs[e].Response.Length).ToArray());
        Assert.Contains(rowsOf[0], r => lpBefore[r] != lpAfter[r]);
        foreach (int e in new[] { 1, 2 })
        {
            foreach (int r in rowsOf[e]) Assert.Equal(lpBefore[r], lpAfter[r]);
            // and they equal the example run alone, padded
            var alone = SftBatching.Padded([pairs[e]], 1).Single();
            var lpAlone = model.Forward(alone.Engine).LogProbs;
            for (int k = 0; k < pairs[e].Response.Length; k++) Assert.Equal(lpAlone[alone.ResponseRows[k]], lpBefore[rowsOf[e][k]], 1e-5f);
        }
    }

    [Fact]
    public void A_packed_row_restarts_positions_and_segments_at_every_example()
    {
        (int[], int[])[] pairs = [([1, 2], [3, 4]), ([5], [6, 7, 8]), ([9, 10, 11], [12])];
        var batch = SftBatching.Packed(pairs, 1, capacity: 20).Single().Engine;
        // FFD by input length (3, 3, 3 → index order): 1 2 3 | 5 6 7 | 9 10 11
        Assert.Equal([1, 2, 3, 5, 6, 7, 9, 10, 11], batch.Tokens);
        Assert.Equal([2, 3, 4, 6, 7, 8, 10, 11, 12], batch.Targets!);
        Assert.Equal([0, 1, 2, 0, 1, 2, 0, 1, 2], batch.PositionIds!);
        Assert.Equal([0, 0, 0, 1, 1, 1, 2, 2, 2], batch.SegmentIds!);
        Assert.Equal([false, true, true, true, true, true, false, false, true], batch.ScoreMask!);
    }
}
