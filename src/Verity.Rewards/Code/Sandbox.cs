using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Verity.Rewards.Code;

/// <summary>
/// Launches python3 under bubblewrap. Every run gets its own mount, network, pid, ipc, uts (and cgroup) namespaces,
/// a read-only /usr, a private size-capped tmpfs /tmp with the work dir /tmp/w, a fresh /proc and /dev, an empty
/// environment (PATH/HOME/LANG only), no network but its own loopback, and runs as an unprivileged uid with no
/// capabilities and no_new_privs (setpriv). The harness then sets RLIMIT_AS/CPU/NPROC/NOFILE/FSIZE/CORE before any
/// program code runs. RLIMIT_NPROC counts per uid, so every worker slot owns its uids and nothing else uses them.
/// <para>
/// Fail closed: <see cref="Create"/> runs a probe inside the sandbox and throws when any isolation property does not
/// hold (firejail silently runs unsandboxed inside Docker; we refuse). There is no unsandboxed fallback.
/// </para>
/// </summary>
public sealed class Sandbox
{
    /// <summary>First uid of the worker slots (uids from here up are claimed per process, see <see cref="SlotPool"/>).</summary>
    public const int DefaultBaseUid = 61000;

    private const string Bwrap = "/usr/bin/bwrap";
    private const string Setpriv = "/usr/bin/setpriv";
    private const string Python = "/usr/bin/python3";
    private const string Hint = "HINT: the code sandbox needs Linux, root, /usr/bin/bwrap (apt-get install bubblewrap), /usr/bin/setpriv (util-linux) and /usr/bin/python3, and namespaces allowed (docker: --privileged or --security-opt seccomp=unconfined).";

    private readonly string _harness;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, byte> _killedUids = new();

    public int BaseUid { get; }

    private Sandbox(int baseUid, string harness)
    {
        BaseUid = baseUid;
        _harness = harness;
        Slots = new SlotPool(baseUid);
    }

    internal SlotPool Slots { get; }

    /// <summary>Every uid this sandbox has run programs under.</summary>
    public IReadOnlyList<int> Uids => Slots.ClaimedUids;

    /// <summary>Checks tools and privileges, then proves isolation with a probe run; throws
    /// <see cref="NotSupportedException"/> naming what failed.</summary>
    public static Sandbox Create(int baseUid = DefaultBaseUid)
    {
        if (!OperatingSystem.IsLinux()) throw new NotSupportedException($"code sandbox: Linux namespaces are required, this is {RuntimeInformation.OSDescription}. {Hint}");
        foreach (var tool in new[] { Bwrap, Setpriv, Python })
            if (!File.Exists(tool)) throw new NotSupportedException($"code sandbox: {tool} not found. {Hint}");
        if (Geteuid() != 0) throw new NotSupportedException($"code sandbox: must run as root to switch to the per-slot uids {baseUid}+ (euid is {Geteuid()}). {Hint}");
        var sandbox = new Sandbox(baseUid, LoadHarness());
        sandbox.Probe();
        return sandbox;
    }

    /// <summary>Starts the harness in <paramref name="mode"/> (stdio | serve | judge) as <paramref name="uid"/>.</summary>
    internal SandboxProcess Start(int uid, string mode, CodeLimits limits, int tests, bool lineMode)
    {
        var start = new ProcessStartInfo(Bwrap)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // bwrap itself (and its pid-1 reaper inside the namespace) gets no host environment either.
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/bin:/bin";
        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        string[] args =
        [
            "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--hostname", "sandbox",
            "--ro-bind", "/usr", "/usr",
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin",
            "--perms", "0755", "--dir", "/etc",
            "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
            "--ro-bind-try", "/etc/alternatives", "/etc/alternatives",
            "--proc", "/proc", "--dev", "/dev",
            "--size", I(limits.TmpfsBytes), "--perms", "1777", "--tmpfs", "/tmp",
            "--perms", "1777", "--dir", "/tmp/w", "--chdir", "/tmp/w",
            "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp/w", "--setenv", "LANG", "C.UTF-8",
            // One BLAS/OpenMP thread: numpy's pools would otherwise start a thread per core, using up RLIMIT_NPROC
            // and reserving address space against RLIMIT_AS.
            "--setenv", "OPENBLAS_NUM_THREADS", "1", "--setenv", "OMP_NUM_THREADS", "1",
            "--",
            Setpriv, $"--reuid={uid}", $"--regid={uid}", "--clear-groups", "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all",
            Python, "-I", "-S", "-c", _harness, mode,
            I(limits.MemoryBytes), I(limits.CpuSeconds(tests)), I(limits.MaxProcesses), I(limits.MaxOpenFiles), I(limits.MaxFileBytes),
        ];
        foreach (var a in args) start.ArgumentList.Add(a);
        return new SandboxProcess(start, lineMode, limits.MaxOutputBytes, () => _killedUids[uid] = 0);
    }

    /// <summary>"&lt;byte length&gt;\n" + UTF-8 payload: how the harness receives the program (or the judge spec)
    /// without a file or an argv size limit, leaving the rest of stdin to the program.</summary>
    internal static byte[] Frame(string payload, string? trailing = null)
    {
        var body = Encoding.UTF8.GetBytes(payload);
        var head = Encoding.ASCII.GetBytes(body.Length.ToString(CultureInfo.InvariantCulture) + "\n");
        var tail = trailing is null ? [] : Encoding.UTF8.GetBytes(trailing);
        var frame = new byte[head.Length + body.Length + tail.Length];
        head.CopyTo(frame, 0);
        body.CopyTo(frame, head.Length);
        tail.CopyTo(frame, head.Length + body.Length);
        return frame;
    }

    /// <summary>Host pids of processes whose real uid is <paramref name="uid"/> (a /proc scan).</summary>
    public static List<int> ProcessesOfUid(int uid)
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                foreach (var line in File.ReadLines(Path.Combine(dir, "status")))
                {
                    if (!line.StartsWith("Uid:", StringComparison.Ordinal)) continue;
                    var real = line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
                    if (real == uid.ToString(CultureInfo.InvariantCulture)) pids.Add(pid);
                    break;
                }
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return pids;
    }

    /// <summary>
    /// Processes of <paramref name="uid"/> still alive after waiting up to <paramref name="within"/> for them to go
    /// (nothing is killed): a killed namespace takes a moment to die, so a check right after a run can see processes
    /// that are already on their way out.
    /// </summary>
    public static List<int> ProcessesLeft(int uid, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        var left = ProcessesOfUid(uid);
        while (left.Count > 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
            left = ProcessesOfUid(uid);
        }
        return left;
    }

    /// <summary>Before a uid is reused: when one of its processes was killed since the last call, waits until none
    /// is left (<see cref="Reap"/>); otherwise there is nothing to check. False when processes survive.</summary>
    internal bool Settle(int uid) => !_killedUids.TryRemove(uid, out _) || Reap(uid);

    /// <summary>Makes sure no process of <paramref name="uid"/> survives before the slot is reused: a killed
    /// namespace can take a moment to die; anything still there after that is SIGKILLed.</summary>
    internal static bool Reap(int uid)
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            var left = ProcessesOfUid(uid);
            if (left.Count == 0) return true;
            if (attempt >= 5) foreach (var pid in left) Kill(pid, 9);
            Thread.Sleep(10);
        }
        return ProcessesOfUid(uid).Count == 0;
    }

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint Geteuid();

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    private static string LoadHarness()
    {
        using var stream = typeof(Sandbox).Assembly.GetManifestResourceStream("Verity.Rewards.Code.harness.py")
            ?? throw new InvalidOperationException("embedded harness.py missing from Verity.Rewards");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    // What the probe checks, each a property the tests also attack: it cannot reach a port the host listens on,
    // cannot see a file the host just made, sees no host pids or environment, cannot read pid 1's environ, is not
    // root, and its RLIMIT_NPROC is the configured one.
    private const string ProbeProgram = """
import os, json, socket, resource, sys
host_file, port = sys.argv[1], int(sys.argv[2])
r = {"uid": os.getuid(), "euid": os.geteuid(), "env": sorted(os.environ)}
r["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
r["host_file"] = os.path.exists(host_file)
try:
    s = socket.create_connection(("127.0.0.1", port), timeout=1); r["net"] = "connected"
except OSError:
    r["net"] = "blocked"
try:
    socket.create_connection(("1.1.1.1", 53), timeout=1); r["inet"] = "connected"
except OSError:
    r["inet"] = "blocked"
try:
    open("/proc/1/environ", "rb").read(); r["pid1_env"] = "readable"
except OSError:
    r["pid1_env"] = "denied"
try:
    open("/probe-write", "w"); r["root_write"] = True
except OSError:
    r["root_write"] = False
r["nproc"] = resource.getrlimit(resource.RLIMIT_NPROC)[0]
print(json.dumps(r))
""";

    private void Probe()
    {
        var limits = new CodeLimits { TestTimeout = TimeSpan.FromSeconds(10) };
        string hostDir = Path.Combine(Path.GetTempPath(), "verity-probe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(hostDir);
        string hostFile = Path.Combine(hostDir, "marker");
        File.WriteAllText(hostFile, "host");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        string program = $"import sys\nsys.argv = ['probe', {JsonSerializer.Serialize(hostFile)}, '{port}']\n" + ProbeProgram;
        var slot = Slots.Rent();
        int uid = slot.CandidateUid;
        string output, stderr;
        int exit;
        try
        {
            using var p = Start(uid, "stdio", limits, 1, lineMode: false);
            _ = p.WriteAsync(Frame(program, ""), close: true);
            if (!p.WaitForExitAsync(limits.TestTimeout).GetAwaiter().GetResult())
            {
                p.Kill();
                throw new NotSupportedException($"code sandbox: the isolation probe did not finish in {limits.TestTimeout.TotalSeconds} s. {Hint}");
            }
            exit = p.ExitCode;
            output = Encoding.UTF8.GetString(p.Stdout);
            stderr = p.StderrTail;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new NotSupportedException($"code sandbox: cannot start {Bwrap}: {ex.Message}. {Hint}");
        }
        finally
        {
            Directory.Delete(hostDir, recursive: true);
        }
        bool connected = listener.Pending();
        listener.Stop();
        Settle(uid);
        Slots.Return(slot);
        if (exit != 0) throw new NotSupportedException($"code sandbox: the isolation probe failed to run (exit {exit}): {stderr.ReplaceLineEndings(" ").Trim()}. {Hint}");

        JsonElement r;
        try { r = JsonDocument.Parse(output).RootElement; }
        catch (JsonException) { throw new NotSupportedException($"code sandbox: the isolation probe printed no report ({output.Trim()}). {Hint}"); }
        var failures = new List<string>();
        if (r.GetProperty("uid").GetInt32() != uid || r.GetProperty("euid").GetInt32() != uid) failures.Add($"runs as uid {r.GetProperty("uid")} instead of {uid}");
        if (r.GetProperty("host_file").GetBoolean()) failures.Add("host files are visible");
        if (connected || r.GetProperty("net").GetString() != "blocked") failures.Add("the host's loopback network is reachable");
        if (r.GetProperty("inet").GetString() != "blocked") failures.Add("the internet is reachable");
        if (r.GetProperty("pid1_env").GetString() != "denied") failures.Add("pid 1's environment is readable");
        if (r.GetProperty("root_write").GetBoolean()) failures.Add("the root file system is writable");
        if (r.GetProperty("pids").GetArrayLength() > 3) failures.Add($"{r.GetProperty("pids").GetArrayLength()} processes are visible (no private pid namespace)");
        var env = r.GetProperty("env").EnumerateArray().Select(e => e.GetString()).ToArray();
        if (env.Any(k => k is not ("PATH" or "HOME" or "LANG" or "LC_CTYPE" or "PWD" or "OPENBLAS_NUM_THREADS" or "OMP_NUM_THREADS"))) failures.Add($"unexpected environment variables {string.Join(",", env)}");
        if (r.GetProperty("nproc").GetInt64() != limits.MaxProcesses) failures.Add("RLIMIT_NPROC is not applied");
        if (failures.Count > 0) throw new NotSupportedException($"code sandbox: isolation probe failed: {string.Join("; ", failures)}. Refusing to run untrusted code. {Hint}");
    }
}
