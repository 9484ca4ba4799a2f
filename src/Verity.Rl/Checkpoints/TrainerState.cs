using System.Text.Json;
using System.Text.Json.Serialization;

namespace Verity.Rl.Checkpoints;

/// <summary>
/// checkpoint-&lt;step&gt;/trainer_state.json: what resume needs besides the payload files. Names are snake_case at
/// this file boundary (HF Trainer uses <c>global_step</c>, <c>best_metric</c>, <c>best_model_checkpoint</c>).
/// </summary>
public sealed record TrainerState
{
    /// <summary>Steps completed when the checkpoint was taken; training resumes at GlobalStep + 1.</summary>
    [JsonPropertyName("global_step")]
    public long GlobalStep { get; init; }

    /// <summary>Name of the metric used for keep-best (null when keep-best is off).</summary>
    [JsonPropertyName("metric_name")]
    public string? MetricName { get; init; }

    /// <summary>This checkpoint's value of <see cref="MetricName"/>.</summary>
    [JsonPropertyName("metric_value")]
    public double? MetricValue { get; init; }

    /// <summary>Best value of the metric over the checkpoints of this run so far (this one included).</summary>
    [JsonPropertyName("best_metric")]
    public double? BestMetric { get; init; }

    /// <summary>Folder name of the checkpoint holding <see cref="BestMetric"/>.</summary>
    [JsonPropertyName("best_model_checkpoint")]
    public string? BestModelCheckpoint { get; init; }

    /// <summary>State of the run's controllers (adaptive KL, curricula, samplers…) keyed by controller name; each owns its JSON.</summary>
    [JsonPropertyName("controller_states")]
    public Dictionary<string, JsonElement> ControllerStates { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Every payload file (path relative to the checkpoint, '/' separated) and its size in bytes; resume checks them.</summary>
    [JsonPropertyName("files")]
    public SortedDictionary<string, long> Files { get; init; } = new(StringComparer.Ordinal);

    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
}
