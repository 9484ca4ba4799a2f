using System.Text.Json;
using System.Text.Json.Nodes;

namespace Verity.Rl.Training;

/// <summary>
/// Picks the prompts of each step. Epochs walk a permutation of the prompt indices: the identity
/// (sequential) or a shuffle drawn from a generator seeded by (seed, epoch) (random, reshuffled every
/// epoch). The position (epoch, cursor) is the whole state, so a checkpoint restores the exact stream.
/// A batch that runs past the end of an epoch continues into the next one.
/// </summary>
public sealed class PromptSampler
{
    public static readonly IReadOnlyList<string> Known = ["random", "sequential"];

    private readonly int _count;
    private readonly int _seed;
    private readonly bool _shuffle;
    private int[] _order = [];

    public PromptSampler(string kind, int count, int seed)
    {
        if (!Known.Contains(kind))
            throw new NotSupportedException($"config: data.sampler '{kind}' is not implemented by the trainer yet. HINT: use one of: {string.Join(", ", Known)}");
        if (count < 1) throw new ArgumentException($"prompt sampler: no prompts to sample from. HINT: add prompts to data.train_files");
        _count = count;
        _seed = seed;
        _shuffle = kind == "random";
        Seek(0, 0);
    }

    public long Epoch { get; private set; }

    /// <summary>Next index within the current epoch's order.</summary>
    public int Cursor { get; private set; }

    /// <summary>The next <paramref name="batchSize"/> prompt indices.</summary>
    public int[] Next(int batchSize)
    {
        var picked = new int[batchSize];
        for (int i = 0; i < batchSize; i++)
        {
            if (Cursor == _count) Seek(Epoch + 1, 0);
            picked[i] = _order[Cursor++];
        }
        return picked;
    }

    /// <summary>{"epoch": e, "cursor": c} for trainer_state.json.</summary>
    public JsonNode State() => new JsonObject { ["epoch"] = Epoch, ["cursor"] = Cursor };

    public void Restore(JsonNode state)
    {
        long epoch = state["epoch"]?.Deserialize<long>() ?? throw new InvalidDataException("trainer_state.json: sampler state has no 'epoch'. HINT: the checkpoint is from another program; resume with --resume none");
        int cursor = state["cursor"]?.Deserialize<int>() ?? throw new InvalidDataException("trainer_state.json: sampler state has no 'cursor'. HINT: the checkpoint is from another program; resume with --resume none");
        if (epoch < 0 || cursor < 0 || cursor > _count)
            throw new InvalidDataException($"trainer_state.json: sampler position epoch {epoch}, cursor {cursor} does not fit {_count} prompts. HINT: resume with the same data.train_files, or start afresh with --resume none");
        Seek(epoch, cursor);
    }

    private void Seek(long epoch, int cursor)
    {
        if (_order.Length == 0 || epoch != Epoch)
        {
            _order = Enumerable.Range(0, _count).ToArray();
            if (_shuffle) new Random(HashCode(_seed, epoch)).Shuffle(_order);
        }
        Epoch = epoch;
        Cursor = cursor;
    }

    /// <summary>A stable (process-independent) seed for one epoch's shuffle.</summary>
    private static int HashCode(int seed, long epoch)
    {
        ulong x = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)epoch * 0xD1B54A32D192ED03UL;
        x ^= x >> 31;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 29;
        return (int)(x & 0x7FFFFFFF);
    }
}
