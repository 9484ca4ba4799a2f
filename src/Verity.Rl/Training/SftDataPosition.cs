using System.Text.Json;
using System.Text.Json.Nodes;

namespace Verity.Rl.Training;

/// <summary>
/// Where an SFT run is in its data, as trainer_state.json controller state "sft_data": the pair count, the batch
/// size, a fingerprint of the tokenized pairs and one of the current epoch's order. Resume replays the seeded shuffles up to the saved step
/// and checks the fingerprint, so a run resumed on other data (or another batch size, seed or max_length) fails
/// loudly instead of silently training on a different order.
/// </summary>
internal static class SftDataPosition
{
    public const string Key = "sft_data";

    public static Dictionary<string, JsonNode?> Capture(long step, int pairs, int batchSize, string dataHash, int[] order) => new(StringComparer.Ordinal)
    {
        [Key] = new JsonObject { ["step"] = step, ["pairs"] = pairs, ["batch_size"] = batchSize, ["data_hash"] = dataHash, ["order_hash"] = Fingerprint(order) },
    };

    public static void Check(IReadOnlyDictionary<string, JsonElement> states, string checkpoint, int pairs, int batchSize, string dataHash, int[] order)
    {
        const string Hint = "HINT: resume with the same data.train_files, sft.max_length, data.batch_size and trainer.seed, or start afresh with --resume none";
        if (!states.TryGetValue(Key, out var state))
            throw new InvalidDataException($"{checkpoint}: trainer_state.json has no '{Key}' controller state, so it was not written by verity sft. {Hint}");
        int savedPairs = state.GetProperty("pairs").GetInt32(), savedBatch = state.GetProperty("batch_size").GetInt32();
        if (savedPairs != pairs || savedBatch != batchSize)
            throw new InvalidDataException($"{checkpoint}: saved at {savedPairs} pairs in batches of {savedBatch}, but this run has {pairs} pairs in batches of {batchSize}. {Hint}");
        if (state.GetProperty("data_hash").GetString() != dataHash)
            throw new InvalidDataException($"{checkpoint}: the training pairs differ from those the checkpoint was trained on (same count, other tokens). {Hint}");
        if (state.GetProperty("order_hash").GetString() != Fingerprint(order))
            throw new InvalidDataException($"{checkpoint}: the replayed data order differs from the saved one. {Hint}");
    }

    /// <summary>FNV-1a over every prompt and response id, with the lengths so that boundaries count.</summary>
    public static string Fingerprint(IReadOnlyList<(int[] Prompt, int[] Response)> pairs)
    {
        ulong h = Offset;
        foreach (var (p, r) in pairs)
        {
            h = Mix(h, p.Length);
            foreach (int id in p) h = Mix(h, id);
            h = Mix(h, r.Length);
            foreach (int id in r) h = Mix(h, id);
        }
        return Hex(h);
    }

    /// <summary>FNV-1a over the order.</summary>
    internal static string Fingerprint(int[] order)
    {
        ulong h = Offset;
        foreach (int i in order) h = Mix(h, i);
        return Hex(h);
    }

    private const ulong Offset = 14695981039346656037;

    private static ulong Mix(ulong h, int value) => (h ^ (uint)value) * 1099511628211;

    private static string Hex(ulong h) => h.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}
