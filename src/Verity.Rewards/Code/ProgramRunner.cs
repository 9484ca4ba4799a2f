using System.Diagnostics;
using System.Text;

namespace Verity.Rewards.Code;

/// <summary>How one program run by the code interpreter ended: what it printed and its verdict (AC = exited 0;
/// TLE = stopped by the time limit; MLE, RE, CE, OLE as for tests; SANDBOX_ERROR = the runner failed).</summary>
public sealed record ProgramRun(string Stdout, string Stderr, CodeVerdict Verdict, TimeSpan Elapsed)
{
    public bool TimedOut => Verdict == CodeVerdict.TLE;

    /// <summary>Anything but a clean exit: an exception, a syntax error, a limit, a sandbox failure.</summary>
    public bool Failed => Verdict != CodeVerdict.AC;
}

/// <summary>
/// Runs whole programs for the multi-turn code interpreter (a notebook cell, not a test): one sandboxed stdio process
/// per program, stdin empty, under the same isolation and limits as the judge (<see cref="CodeLimits.TestTimeout"/>
/// is the per-program wall time, <see cref="CodeLimits.MemoryBytes"/> its RLIMIT_AS). A bounded pool of worker slots
/// runs a batch in parallel; every slot's uid is checked for survivors after a kill before it is reused.
/// </summary>
public sealed class ProgramRunner
{
    private readonly Sandbox _sandbox;
    private readonly SemaphoreSlim _gate;

    public ProgramRunner(Sandbox sandbox, CodeLimits limits, int workers)
    {
        limits.Validate();
        if (workers < 1 || workers > 256) throw new ArgumentException($"program runner: workers must be in 1..256, got {workers}. HINT: use about 2 × cores.");
        _sandbox = sandbox;
        Limits = limits;
        Workers = workers;
        _gate = new SemaphoreSlim(workers, workers);
    }

    public CodeLimits Limits { get; }

    public int Workers { get; }

    public Sandbox Sandbox => _sandbox;

    /// <summary>Runs every program (in parallel, at most <see cref="Workers"/> at once); results in input order.</summary>
    /// <remarks>Each program is started and waited for on a dedicated thread that outlives it: bwrap runs with
    /// --die-with-parent (PR_SET_PDEATHSIG), which the kernel fires when the *thread* that forked it exits, so a
    /// process started from a thread-pool continuation can be SIGKILLed mid-run (observed: exit 137 within 50 ms,
    /// read as TLE).</remarks>
    public IReadOnlyList<ProgramRun> RunBatch(IReadOnlyList<string> programs)
    {
        var results = new ProgramRun[programs.Count];
        int next = -1;
        void Work()
        {
            for (int i; (i = Interlocked.Increment(ref next)) < programs.Count;) results[i] = Run(programs[i]);
        }
        var threads = Enumerable.Range(0, System.Math.Min(Workers, programs.Count)).Select(_ => new Thread(Work) { IsBackground = true, Name = "verity-tool" }).ToList();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        return results;
    }

    /// <summary>Runs one program on the calling thread, which blocks until it has ended (see <see cref="RunBatch"/>).</summary>
    public ProgramRun Run(string code, string stdin = "")
    {
        _gate.Wait();
        var slot = _sandbox.Slots.Rent();
        try
        {
            // The process is started before the first await, so on this thread; GetResult keeps the thread alive.
            return RunOnSlotAsync(code, stdin, slot.CandidateUid).GetAwaiter().GetResult();
        }
        finally
        {
            _sandbox.Slots.Return(slot);
            _gate.Release();
        }
    }

    private async Task<ProgramRun> RunOnSlotAsync(string code, string stdin, int uid)
    {
        var clock = Stopwatch.StartNew();
        string stdout = "", stderr = "";
        CodeVerdict verdict;
        try
        {
            using var p = _sandbox.Start(uid, "stdio", Limits, 1, lineMode: false);
            var writing = p.WriteAsync(Sandbox.Frame(code, stdin), close: true);
            bool drained;
            if (await p.WaitForExitAsync(Limits.TestTimeout))
            {
                drained = true;
                verdict = ExitVerdicts.Classify(p, p.ExitCode);
            }
            else
            {
                p.Kill();
                drained = await p.WaitForExitAsync(TimeSpan.FromSeconds(2));
                verdict = p.OutputOverflowed ? CodeVerdict.OLE : CodeVerdict.TLE;
            }
            await writing;
            // The stdout buffer is only safe to read once its pump has finished.
            if (drained) stdout = Encoding.UTF8.GetString(p.Stdout);
            stderr = p.StderrTail;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            verdict = CodeVerdict.SANDBOX_ERROR;
            stderr = $"sandbox failure: {ex.Message}";
        }
        // Nothing of this program may outlive it: the slot's uid runs the next program.
        if (!_sandbox.Settle(uid))
        {
            verdict = CodeVerdict.SANDBOX_ERROR;
            stderr = $"processes of uid {uid} survived SIGKILL";
        }
        return new ProgramRun(stdout, stderr, verdict, clock.Elapsed);
    }
}
