namespace Verity.Rewards.Code;

/// <summary>
/// A worker slot: two uids owned by one program run at a time — the candidate's and the judge's (separate so the
/// program cannot signal the judge, nor use up its RLIMIT_NPROC, which counts per uid).
/// </summary>
public sealed record SandboxSlot(int CandidateUid, int JudgeUid);

/// <summary>
/// Hands out slots whose uids no other process on the machine uses. Several Verity processes may sandbox at once
/// (two test assemblies, a trainer and an eval): each uid is claimed with an exclusive lock file held for the life of
/// the process, so one process's reaping can never kill another's runs. Returned slots are reused in-process.
/// </summary>
internal sealed class SlotPool
{
    private const int MaxUids = 4096;
    private static readonly string LockDir = Path.Combine(Path.GetTempPath(), "verity-sandbox-uids");
    private static readonly List<FileStream> Held = []; // never closed: the claim lasts as long as the process

    private readonly System.Collections.Concurrent.ConcurrentBag<SandboxSlot> _free = new();
    private readonly List<int> _claimed = [];
    private readonly int _firstUid;
    private int _next;

    public SlotPool(int firstUid)
    {
        _firstUid = firstUid;
        _next = firstUid;
    }

    /// <summary>Every uid this pool has claimed (for leftover-process checks).</summary>
    public IReadOnlyList<int> ClaimedUids { get { lock (_claimed) return _claimed.ToArray(); } }

    public SandboxSlot Rent() => _free.TryTake(out var slot) ? slot : new SandboxSlot(Claim(), Claim());

    public void Return(SandboxSlot slot) => _free.Add(slot);

    private int Claim()
    {
        lock (_claimed)
        {
            Directory.CreateDirectory(LockDir);
            for (; _next < _firstUid + MaxUids; _next++)
            {
                try
                {
                    // FileShare.None is an exclusive flock on Linux: it fails while another process holds the uid.
                    var lockFile = new FileStream(Path.Combine(LockDir, $"{_next}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                    lock (Held) Held.Add(lockFile);
                    _claimed.Add(_next);
                    return _next++;
                }
                catch (IOException)
                {
                    // held by another process: try the next uid
                }
            }
        }
        throw new InvalidOperationException($"code sandbox: all {MaxUids} uids from {_firstUid} are in use by other processes");
    }
}
