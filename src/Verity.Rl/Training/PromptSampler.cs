using System.Text.Json;
using System.Text.Json.Nodes;

namespace Verity.Rl.Training;

/// <summary>
/// Epoch-based prompt order. Epochs walk a permutation of the active prompt indices: the identity (sequential)
/// or a shuffle drawn from a generator seeded by (seed, epoch) (random and history_resampling, reshuffled every
/// epoch). A batch that runs past the end of an epoch continues into the next one.
/// <para>
/// history_resampling (SRPO, arXiv 2504.14286; seed note 003): outcomes recorded since the last epoch boundary
/// are tallied per prompt; when an epoch ends, every active prompt whose tallied responses were all correct
/// leaves the set for good, while mixed and all-wrong prompts stay (a hard prompt may become learnable).
/// Outcomes arrive after the draw, so those of prompts drawn in the batch that crosses the boundary count toward
/// the next epoch's tally. If the rule would empty the set, the set is kept as it was.
/// </para>
/// The state (epoch, cursor, and for history the removed prompts and the tally) is saved in every checkpoint.
/// </summary>
public sealed class PromptSampler : IPromptSampler
{
    public static readonly IReadOnlyList<string> Known = ["random", "sequential", "history_resampling"];

    private readonly string _kind;
    private readonly int _count;
    private readonly int _seed;
    private readonly bool _shuffle;
    private readonly bool _history;
    private readonly bool[] _removed;
    private readonly Dictionary<int, (int Correct, int Scored)> _tally = [];
    private int[] _order = [];
    private int _removedLastEpoch;

    public PromptSampler(string kind, int count, int seed)
    {
        if (!Known.Contains(kind))
            throw new NotSupportedException($"config: data.sampler '{kind}' is not an epoch sampler. HINT: use one of: {string.Join(", ", Known)}");
        if (count < 1) throw new ArgumentException($"prompt sampler: no prompts to sample from. HINT: add prompts to data.train_files");
        _kind = kind;
        _count = count;
        _seed = seed;
        _shuffle = kind != "sequential";
        _history = kind == "history_resampling";
        _removed = new bool[count];
        Seek(0, 0);
    }

    public long Epoch { get; private set; }

    /// <summary>Next index within the current epoch's order.</summary>
    public int Cursor { get; private set; }

    /// <summary>Prompts in the current epoch (all of them unless history resampling removed some).</summary>
    public int Active => _order.Length;

    public double Epochs => Epoch + Cursor / (double)_order.Length;

    /// <summary>The next <paramref name="batchSize"/> prompt indices.</summary>
    public int[] Next(int batchSize)
    {
        var picked = new int[batchSize];
        for (int i = 0; i < batchSize; i++)
        {
            if (Cursor == _order.Length) NextEpoch();
            picked[i] = _order[Cursor++];
        }
        return picked;
    }

    public void Record(IReadOnlyList<PromptOutcome> outcomes)
    {
        if (!_history) return;
        foreach (var o in outcomes)
        {
            if (o.Scored == 0) continue;
            var (c, s) = _tally.GetValueOrDefault(o.Prompt);
            _tally[o.Prompt] = (c + o.Correct, s + o.Scored);
        }
    }

    public void AddMetrics(IDictionary<string, double> metrics)
    {
        if (!_history) return;
        metrics["sampler/active_prompts"] = _order.Length;
        metrics["sampler/removed_last_epoch"] = _removedLastEpoch;
    }

    /// <summary>{"kind", "epoch", "cursor"}, plus "removed" and "tally" ([prompt, correct, scored] rows) for history.</summary>
    public JsonNode State()
    {
        var state = new JsonObject { ["kind"] = _kind, ["epoch"] = Epoch, ["cursor"] = Cursor };
        if (_history)
        {
            state["removed"] = new JsonArray([.. Enumerable.Range(0, _count).Where(i => _removed[i]).Select(i => (JsonNode)i)]);
            state["tally"] = new JsonArray([.. _tally.OrderBy(p => p.Key).Select(p => (JsonNode)new JsonArray(p.Key, p.Value.Correct, p.Value.Scored))]);
            state["removed_last_epoch"] = _removedLastEpoch;
        }
        return state;
    }

    public void Restore(JsonNode state)
    {
        const string hint = "HINT: the checkpoint is from another program; resume with --resume none";
        string? kind = state["kind"]?.GetValue<string>();
        if (kind is not null && kind != _kind)
            throw new InvalidDataException($"trainer_state.json: the checkpoint's sampler is '{kind}' but data.sampler is '{_kind}'. HINT: resume with data.sampler={kind}, or start afresh with --resume none");
        long epoch = state["epoch"]?.Deserialize<long>() ?? throw new InvalidDataException($"trainer_state.json: sampler state has no 'epoch'. {hint}");
        int cursor = state["cursor"]?.Deserialize<int>() ?? throw new InvalidDataException($"trainer_state.json: sampler state has no 'cursor'. {hint}");
        Array.Clear(_removed);
        _tally.Clear();
        if (_history)
        {
            foreach (var i in state["removed"]?.AsArray() ?? throw new InvalidDataException($"trainer_state.json: history_resampling state has no 'removed'. {hint}"))
                _removed[CheckIndex(i!.GetValue<int>())] = true;
            foreach (var row in state["tally"]?.AsArray() ?? throw new InvalidDataException($"trainer_state.json: history_resampling state has no 'tally'. {hint}"))
                _tally[CheckIndex(row![0]!.GetValue<int>())] = (row[1]!.GetValue<int>(), row[2]!.GetValue<int>());
            _removedLastEpoch = state["removed_last_epoch"]?.GetValue<int>() ?? 0;
        }
        if (epoch < 0 || cursor < 0 || cursor > _count - _removed.Count(r => r))
            throw new InvalidDataException($"trainer_state.json: sampler position epoch {epoch}, cursor {cursor} does not fit {_count} prompts. HINT: resume with the same data.train_files, or start afresh with --resume none");
        Seek(epoch, cursor);
    }

    private int CheckIndex(int i) => i >= 0 && i < _count ? i
        : throw new InvalidDataException($"trainer_state.json: sampler state names prompt {i} of {_count}. HINT: resume with the same data.train_files, or start afresh with --resume none");

    /// <summary>Epoch boundary: history resampling drops the prompts whose tallied responses were all correct.</summary>
    private void NextEpoch()
    {
        if (_history)
        {
            var solved = _order.Where(i => _tally.TryGetValue(i, out var t) && t.Correct == t.Scored).ToList();
            _removedLastEpoch = solved.Count < _order.Length ? solved.Count : 0;
            if (solved.Count < _order.Length) foreach (var i in solved) _removed[i] = true;
            _tally.Clear();
        }
        Seek(Epoch + 1, 0);
    }

    private void Seek(long epoch, int cursor)
    {
        _order = Enumerable.Range(0, _count).Where(i => !_removed[i]).ToArray();
        if (_shuffle) new Random(HashCode(_seed, epoch)).Shuffle(_order);
        Epoch = epoch;
        Cursor = cursor;
    }

    /// <summary>A stable (process-independent) seed for one epoch's shuffle.</summary>
    internal static int HashCode(int seed, long epoch)
    {
        ulong x = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)epoch * 0xD1B54A32D192ED03UL;
        x ^= x >> 31;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 29;
        return (int)(x & 0x7FFFFFFF);
    }
}
