namespace Verity.Rl.Training;

/// <summary>
/// First-fit-decreasing bin packing of sequence lengths into rows of at most <c>capacity</c> tokens: examples
/// are taken longest first (ties by index, so the result is a function of the lengths alone) and each goes into
/// the first row with room, else opens a new row. FFD uses at most 11/9·OPT + 6/9 rows.
/// </summary>
public static class SftPacker
{
    /// <summary>Rows of example indices; within a row the indices keep the packing order.</summary>
    public static List<List<int>> Pack(IReadOnlyList<int> lengths, int capacity)
    {
        if (capacity < 1) throw new ArgumentException($"sft packing: row capacity must be ≥ 1 token, got {capacity}. HINT: set sft.max_length ≥ 2.");
        var order = Enumerable.Range(0, lengths.Count).ToArray();
        for (int i = 0; i < lengths.Count; i++)
            if (lengths[i] < 1 || lengths[i] > capacity)
                throw new ArgumentException($"sft packing: example {i} has {lengths[i]} tokens, outside [1, {capacity}]. HINT: drop examples longer than sft.max_length before packing.");
        // Stable sort: equal lengths keep index order.
        Array.Sort(order, (a, b) => lengths[a] != lengths[b] ? lengths[b].CompareTo(lengths[a]) : a.CompareTo(b));
        var rows = new List<List<int>>();
        var free = new List<int>();
        foreach (int i in order)
        {
            int r = 0;
            while (r < rows.Count && free[r] < lengths[i]) r++;
            if (r == rows.Count)
            {
                rows.Add([]);
                free.Add(capacity);
            }
            rows[r].Add(i);
            free[r] -= lengths[i];
        }
        return rows;
    }
}
