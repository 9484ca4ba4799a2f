namespace Verity.Rl.Tracking;

/// <summary>
/// Backend <c>tensorboard</c>: run_dir/events.out.tfevents.&lt;unix time&gt;.&lt;host&gt;.&lt;pid&gt;, one scalar per metric
/// per step (view with <c>tensorboard --logdir runs</c>). A resumed run starts a new file, as TensorBoard expects
/// of a new process; readers merge the files of a directory.
/// </summary>
public sealed class TensorBoardBackend : IMetricsBackend
{
    private readonly TensorBoardEventWriter _writer;
    private readonly TimeProvider _time;

    public TensorBoardBackend(string runDir, TimeProvider time)
    {
        _time = time;
        Directory.CreateDirectory(runDir);
        var now = time.GetUtcNow();
        var name = $"events.out.tfevents.{now.ToUnixTimeSeconds()}.{Environment.MachineName}.{Environment.ProcessId}";
        Path = System.IO.Path.Combine(runDir, name);
        // A second tracker in the same process and second would collide: never overwrite an event file.
        var stream = new FileStream(Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        _writer = new TensorBoardEventWriter(stream, WallTime());
    }

    /// <summary>The event file this backend writes.</summary>
    public string Path { get; }

    public void Log(long step, IReadOnlyDictionary<string, double> metrics) => _writer.WriteScalars(step, WallTime(), metrics);

    private double WallTime() => _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;

    public void Dispose() => _writer.Dispose();
}
