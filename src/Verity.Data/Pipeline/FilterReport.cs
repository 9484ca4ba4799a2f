namespace Verity.Data.Pipeline;

/// <summary>What a data step kept and what it removed, with the reason for each removal.</summary>
public sealed class FilterReport<T>
{
    public List<T> Kept { get; } = [];

    public List<(T Item, string Reason)> Removed { get; } = [];

    /// <summary>Removal counts by reason, most frequent first.</summary>
    public IEnumerable<(string Reason, int Count)> ByReason =>
        Removed.GroupBy(r => r.Reason).Select(g => (g.Key, g.Count())).OrderByDescending(x => x.Item2).ThenBy(x => x.Key);

    /// <summary>One line per reason, for the command's output.</summary>
    public string Summary(string step)
    {
        var lines = new List<string> { $"{step}: kept {Kept.Count}, removed {Removed.Count}" };
        lines.AddRange(ByReason.Select(r => $"  {r.Count,6}  {r.Reason}"));
        return string.Join(Environment.NewLine, lines);
    }
}
