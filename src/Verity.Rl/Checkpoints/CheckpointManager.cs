using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Verity.Rl.Checkpoints;

/// <summary>Writes the engine's state files (model, optimizer, RNG, sampler…) into the folder it is given.</summary>
public delegate void CheckpointPayloadWriter(string directory);

/// <summary>A complete checkpoint on disk.</summary>
public sealed record Checkpoint(string Path, TrainerState State)
{
    public long Step => State.GlobalStep;
}

/// <summary>
/// Saves, prunes and finds the checkpoints of one run directory, independently of the engine.
/// <para>
/// Atomic save: everything is written into <c>checkpoint-&lt;step&gt;.tmp-&lt;guid&gt;</c>, every file is fsynced,
/// then trainer_state.json (with the payload manifest) and finally the <c>COMPLETE</c> marker, and only then is
/// the folder renamed to <c>checkpoint-&lt;step&gt;</c>. A process killed at any moment leaves either the previous
/// set of checkpoints or the new one, plus possibly a tmp folder, which the next scan removes with a warning.
/// Pruning renames a folder to <c>.deleting-&lt;guid&gt;</c> before deleting it, so a half-deleted checkpoint is
/// never mistaken for a complete one.
/// </para>
/// </summary>
public sealed partial class CheckpointManager
{
    public const string StateFileName = "trainer_state.json";
    public const string CompleteMarker = "COMPLETE";
    private const string Prefix = "checkpoint-";

    private readonly string _runDir;
    private readonly CheckpointPolicy _policy;
    private readonly ILogger _log;

    public CheckpointManager(string runDir, CheckpointPolicy? policy = null, ILogger? logger = null)
    {
        _runDir = runDir;
        _policy = policy ?? new CheckpointPolicy();
        _policy.Validate();
        _log = logger ?? NullLogger.Instance;
    }

    public static string FolderName(long step) => Prefix + step.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Save a checkpoint for <paramref name="step"/> and prune old ones. <paramref name="metricValue"/> is this
    /// step's value of the policy's best metric (ignored when keep-best is off).
    /// </summary>
    public Checkpoint Save(long step, CheckpointPayloadWriter writePayload,
        IReadOnlyDictionary<string, JsonNode?>? controllerStates = null, double? metricValue = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        Directory.CreateDirectory(_runDir);
        var finalPath = Path.Combine(_runDir, FolderName(step));
        var tmpPath = $"{finalPath}.tmp-{Guid.NewGuid():N}";
        Directory.CreateDirectory(tmpPath);
        try
        {
            writePayload(tmpPath);
            var files = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var file in Directory.EnumerateFiles(tmpPath, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(tmpPath, file).Replace('\\', '/');
                if (relative is StateFileName or CompleteMarker)
                    throw new InvalidOperationException($"checkpoint payload writer wrote '{relative}', which the checkpoint manager owns. HINT: rename that payload file");
                DurableFiles.SyncFile(file);
                files[relative] = new FileInfo(file).Length;
            }
            foreach (var dir in Directory.EnumerateDirectories(tmpPath, "*", SearchOption.AllDirectories)) DurableFiles.SyncDirectory(dir);

            var state = BuildState(step, controllerStates, metricValue, files);
            DurableFiles.WriteAllBytes(Path.Combine(tmpPath, StateFileName), JsonSerializer.SerializeToUtf8Bytes(state, TrainerState.Json));
            DurableFiles.WriteAllBytes(Path.Combine(tmpPath, CompleteMarker), "complete\n"u8);
            DurableFiles.SyncDirectory(tmpPath);

            // Saving a step again (a resumed run that redoes a step) replaces the old folder.
            if (Directory.Exists(finalPath)) Discard(finalPath);
            Directory.Move(tmpPath, finalPath);
            DurableFiles.SyncDirectory(_runDir);
            _log.LogInformation("saved checkpoint {Path}", finalPath);
            Prune();
            return new Checkpoint(finalPath, state);
        }
        catch
        {
            if (Directory.Exists(tmpPath)) TryDelete(tmpPath);
            throw;
        }
    }

    private TrainerState BuildState(long step, IReadOnlyDictionary<string, JsonNode?>? controllerStates, double? metricValue, SortedDictionary<string, long> files)
    {
        var controllers = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (controllerStates is not null)
        {
            foreach (var (name, node) in controllerStates)
                controllers[name] = JsonSerializer.SerializeToElement(node);
        }

        string? metricName = _policy.KeepBest > 0 ? _policy.BestMetric : null;
        double? value = metricName is null ? null : metricValue;
        if (metricName is not null && value is null)
            throw new ArgumentException($"checkpoint at step {step}: keep-best by '{metricName}' needs its value. HINT: pass the metric value to Save, or set keep_best: 0");

        // Best over the complete checkpoints already on disk plus this one.
        double? best = value;
        string? bestFolder = value is null ? null : FolderName(step);
        if (metricName is not null)
        {
            foreach (var c in ListComplete(cleanUp: false))
            {
                if (c.Step == step || c.State.MetricName != metricName || c.State.MetricValue is not double v) continue;
                if (best is null || _policy.IsBetter(v, best.Value)) (best, bestFolder) = (v, Path.GetFileName(c.Path));
            }
        }
        return new TrainerState
        {
            GlobalStep = step,
            MetricName = metricName,
            MetricValue = value,
            BestMetric = best,
            BestModelCheckpoint = bestFolder,
            ControllerStates = controllers,
            Files = files,
        };
    }

    /// <summary>
    /// <c>--resume</c>: "auto" = newest complete checkpoint of the run directory (null when there is none: a
    /// fresh start); "none" or empty = null; anything else = a checkpoint folder, which must be complete.
    /// Torn folders found on the way are removed with a warning.
    /// </summary>
    public Checkpoint? Resolve(string? resume)
    {
        if (string.IsNullOrWhiteSpace(resume) || resume == "none") return null;
        if (resume == "auto")
        {
            var latest = ListComplete(cleanUp: true).LastOrDefault();
            if (latest is null) _log.LogInformation("no checkpoint in {RunDir}; starting from step 0", _runDir);
            else _log.LogInformation("resuming from {Path} (step {Step})", latest.Path, latest.Step);
            return latest;
        }
        if (!Directory.Exists(resume))
            throw new DirectoryNotFoundException($"--resume {resume}: no such checkpoint folder. HINT: pass 'auto' to pick the newest checkpoint of the run, or a checkpoint-<step> folder");
        return TryLoad(resume, out var checkpoint, out var why)
            ? checkpoint
            : throw new InvalidDataException($"--resume {resume}: not a complete checkpoint ({why}). HINT: use --resume auto to pick the newest complete one");
    }

    /// <summary>Complete, valid checkpoints ordered by step; with <paramref name="cleanUp"/>, torn ones are deleted (with a warning).</summary>
    public IReadOnlyList<Checkpoint> ListComplete(bool cleanUp)
    {
        var found = new List<Checkpoint>();
        if (!Directory.Exists(_runDir)) return found;
        foreach (var dir in Directory.EnumerateDirectories(_runDir, Prefix + "*"))
        {
            var name = Path.GetFileName(dir);
            var match = FolderPattern().Match(name);
            if (!match.Success) continue; // not ours (e.g. checkpoint-notes): leave it alone
            if (match.Groups["suffix"].Success)
            {
                // Leftover of a killed save (.tmp-) or prune (.deleting-).
                if (cleanUp)
                {
                    _log.LogWarning("removing incomplete checkpoint folder {Path} (left by an interrupted save or prune)", dir);
                    TryDelete(dir);
                }
                continue;
            }
            if (TryLoad(dir, out var checkpoint, out var why))
            {
                found.Add(checkpoint);
            }
            else if (cleanUp)
            {
                _log.LogWarning("ignoring and removing torn checkpoint {Path}: {Reason}", dir, why);
                Discard(dir);
            }
        }
        found.Sort((a, b) => a.Step.CompareTo(b.Step));
        return found;
    }

    /// <summary>A checkpoint is complete when its marker exists, its state parses, its step matches the folder name and every manifest file has its recorded size.</summary>
    public static bool TryLoad(string dir, out Checkpoint checkpoint, out string why)
    {
        checkpoint = null!;
        if (!File.Exists(Path.Combine(dir, CompleteMarker))) return Fail(out why, $"no {CompleteMarker} marker");
        TrainerState? state;
        try
        {
            state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllBytes(Path.Combine(dir, StateFileName)), TrainerState.Json);
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return Fail(out why, $"{StateFileName} unreadable: {ex.Message}");
        }
        if (state is null) return Fail(out why, $"{StateFileName} is null");
        var match = FolderPattern().Match(Path.GetFileName(Path.TrimEndingDirectorySeparator(dir)));
        if (match.Success && !match.Groups["suffix"].Success && long.Parse(match.Groups["step"].Value, CultureInfo.InvariantCulture) != state.GlobalStep)
            return Fail(out why, $"folder name says step {match.Groups["step"].Value} but {StateFileName} says {state.GlobalStep}");
        foreach (var (relative, size) in state.Files)
        {
            var file = new FileInfo(Path.Combine(dir, relative));
            if (!file.Exists) return Fail(out why, $"payload file {relative} missing");
            if (file.Length != size) return Fail(out why, $"payload file {relative} has {file.Length} bytes, expected {size}");
        }
        checkpoint = new Checkpoint(dir, state);
        why = "";
        return true;
    }

    private static bool Fail(out string why, string reason)
    {
        why = reason;
        return false;
    }

    /// <summary>Keep the newest KeepLast and the best KeepBest; discard the rest.</summary>
    private void Prune()
    {
        var all = ListComplete(cleanUp: false);
        var keep = new HashSet<string>(all.TakeLast(_policy.KeepLast).Select(c => c.Path), StringComparer.Ordinal);
        if (_policy.KeepBest > 0)
        {
            var ranked = all.Where(c => c.State.MetricName == _policy.BestMetric && c.State.MetricValue is not null);
            ranked = _policy.Mode == MetricMode.Max
                ? ranked.OrderByDescending(c => c.State.MetricValue).ThenByDescending(c => c.Step)
                : ranked.OrderBy(c => c.State.MetricValue).ThenByDescending(c => c.Step);
            foreach (var c in ranked.Take(_policy.KeepBest)) keep.Add(c.Path);
        }
        foreach (var c in all)
        {
            if (keep.Contains(c.Path)) continue;
            Discard(c.Path);
            _log.LogDebug("pruned checkpoint {Path}", c.Path);
        }
    }

    /// <summary>Rename out of the checkpoint-&lt;step&gt; namespace first, so a crash mid-delete leaves no look-alike.</summary>
    private static void Discard(string dir)
    {
        var doomed = $"{dir}.deleting-{Guid.NewGuid():N}";
        Directory.Move(dir, doomed);
        TryDelete(doomed);
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // Another scan removes it later; a leftover never counts as a checkpoint.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [GeneratedRegex(@"^checkpoint-(?<step>[0-9]+)(?<suffix>\.(tmp|deleting)-[0-9a-f]+)?$")]
    private static partial Regex FolderPattern();
}
