namespace Verity.Engine.Threading;

/// <summary>
/// A persistent pool of worker threads for data-parallel loops (GEMM tiles, row ops, attention heads).
///
/// Design choices:
/// - <see cref="For"/> runs <c>body(i)</c> for every i in [0, count) exactly once. Indices are claimed
///   dynamically, so which thread runs which index depends on scheduling; callers get results that are
///   independent of scheduling by making each index write a disjoint part of the output with a fixed
///   summation order (the GEMM does this: a tile's sums never depend on who computes it).
/// - The calling thread works too, and finishes the whole loop alone if the workers are late (this
///   machine is shared and oversubscribed), so a loop never waits on a descheduled worker that has not
///   started an index. Nested and concurrent calls are therefore safe: no index is ever waited for
///   unless some thread is running it.
/// - Thread count: <see cref="ThreadCount"/>, default the env var <c>VERITY_THREADS</c> or else
///   <see cref="Environment.ProcessorCount"/>. One thread means no workers at all (plain loop).
/// </summary>
public static class WorkPool
{
    private static readonly object Gate = new();
    private static Pool? _pool;
    /// <summary>0 until first read; then VERITY_THREADS or the core count (read lazily so a bad value is a plain ArgumentException, not a type-initializer failure).</summary>
    private static int _threadCount;

    /// <summary>Threads a loop may use, the caller included. Setting it restarts the workers.</summary>
    public static int ThreadCount
    {
        get
        {
            int t = _threadCount;
            return t != 0 ? t : _threadCount = DefaultThreadCount();
        }
        set
        {
            if (value < 1)
                throw new ArgumentException($"thread count {value} is not valid: expected at least 1. HINT: pass --threads N with N >= 1 or unset VERITY_THREADS.");
            lock (Gate)
            {
                if (value == _threadCount) return;
                _pool?.Stop();
                _pool = null;
                _threadCount = value;
            }
        }
    }

    /// <summary>Runs <paramref name="body"/>(i) for i in [0, count), spread over <see cref="ThreadCount"/> threads.</summary>
    public static void For(int count, Action<int> body)
    {
        if (count <= 0) return;
        if (count == 1 || ThreadCount == 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        GetPool().Run(count, body);
    }

    /// <summary>
    /// Runs <paramref name="body"/>(start, end) over contiguous ranges that cover [0, length), each at
    /// least <paramref name="minChunk"/> long (except the last). The ranges depend only on length,
    /// minChunk and the thread count, never on scheduling.
    /// </summary>
    public static void ForRange(int length, int minChunk, Action<int, int> body)
    {
        if (length <= 0) return;
        int chunks = Math.Clamp(length / Math.Max(1, minChunk), 1, 4 * ThreadCount);
        int size = (length + chunks - 1) / chunks;
        chunks = (length + size - 1) / size;
        For(chunks, c => body(c * size, Math.Min(length, (c + 1) * size)));
    }

    internal static int DefaultThreadCount()
    {
        string? env = Environment.GetEnvironmentVariable("VERITY_THREADS");
        if (!string.IsNullOrWhiteSpace(env))
        {
            if (!int.TryParse(env, out int n) || n < 1)
                throw new ArgumentException($"VERITY_THREADS='{env}' is not valid: expected an integer >= 1. HINT: export VERITY_THREADS=2 or unset it.");
            return n;
        }
        return Math.Max(1, Environment.ProcessorCount);
    }

    private static Pool GetPool()
    {
        var pool = _pool;
        if (pool != null) return pool;
        lock (Gate) return _pool ??= new Pool(ThreadCount - 1);
    }

    /// <summary>One loop in flight: its body, the next index to claim and how many have finished.</summary>
    private sealed class Job(int count, Action<int> body)
    {
        public readonly int Count = count;
        public readonly Action<int> Body = body;
        public int Next;
        public int Done;
        public Exception? Error;

        /// <summary>Claims and runs indices until none are left. Returns when this thread has no more to do.</summary>
        public void Work()
        {
            int i;
            while ((i = Interlocked.Increment(ref Next) - 1) < Count)
            {
                try { Body(i); }
                catch (Exception ex) { Interlocked.CompareExchange(ref Error, ex, null); }
                Interlocked.Increment(ref Done);
            }
        }
    }

    private sealed class Pool
    {
        /// <summary>
        /// How long an idle worker polls for the next loop before it sleeps. Waking a sleeping thread costs tens of
        /// microseconds under a hypervisor, as much as a whole decode-step matrix product, and the ops of a step
        /// follow each other within microseconds; a short poll catches them without holding a core when idle.
        /// </summary>
        private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency * 50 / 1_000_000;

        private readonly object _gate = new();
        private readonly Thread[] _workers;
        private Job? _current;
        private long _published;
        private int _sleepers;
        private volatile bool _stopping;

        public Pool(int workers)
        {
            _workers = new Thread[workers];
            for (int w = 0; w < workers; w++)
            {
                _workers[w] = new Thread(Loop) { IsBackground = true, Name = $"verity-worker-{w}" };
                _workers[w].Start();
            }
        }

        public void Run(int count, Action<int> body)
        {
            var job = new Job(count, body);
            Volatile.Write(ref _current, job);
            Interlocked.Increment(ref _published);
            // Interlocked above is a full fence: a worker that missed the new count is already counted as a sleeper.
            if (Volatile.Read(ref _sleepers) > 0)
                lock (_gate) Monitor.PulseAll(_gate);
            job.Work();
            // Every index is claimed; wait only for the ones other threads are still running.
            var spin = new SpinWait();
            while (Volatile.Read(ref job.Done) < count) spin.SpinOnce(sleep1Threshold: -1);
            Interlocked.CompareExchange(ref _current, null, job);
            if (job.Error != null)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(job.Error).Throw();
        }

        public void Stop()
        {
            _stopping = true;
            lock (_gate) Monitor.PulseAll(_gate);
        }

        private void Loop()
        {
            long seen = 0;
            while (!_stopping)
            {
                long now = Volatile.Read(ref _published);
                if (now == seen) now = Await(seen);
                if (_stopping) return;
                seen = now;
                // A late worker finds the job exhausted (or a newer one) and simply helps with whatever is current.
                Volatile.Read(ref _current)?.Work();
            }
        }

        /// <summary>Polls briefly, then sleeps until a loop newer than <paramref name="seen"/> is published.</summary>
        private long Await(long seen)
        {
            long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
            long now;
            while ((now = Volatile.Read(ref _published)) == seen && System.Diagnostics.Stopwatch.GetTimestamp() < deadline)
                Thread.SpinWait(20);
            if (now != seen) return now;
            lock (_gate)
            {
                Interlocked.Increment(ref _sleepers);
                while ((now = Volatile.Read(ref _published)) == seen && !_stopping) Monitor.Wait(_gate);
                Interlocked.Decrement(ref _sleepers);
            }
            return now;
        }
    }
}
