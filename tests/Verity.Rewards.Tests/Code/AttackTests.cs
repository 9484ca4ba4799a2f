using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Verity.Rewards.Code;
using Xunit.Abstractions;

namespace Verity.Rewards.Tests.Code;

/// <summary>
/// Hostile programs: each must score 0 (reward hacks earn nothing), end within its time bound, and leave the host
/// as it was — no file created or changed outside the sandbox, no connection to a host port, no leaked secret,
/// no process left under the slot uids.
/// </summary>
[Collection("sandbox")]
public sealed class AttackTests(SandboxFixture fixture, ITestOutputHelper output)
{
    private sealed record Attack(string Name, string Program, CodeTestSuite Tests, params CodeVerdict[] Expected);

    private static readonly StdioSuite Answer42 = new([new StdioCase("", "42\n")]);
    private static readonly CallSuite DoubleCall = new("f", [Call("[1]", "2"), Call("[5]", "10")]);
    private static readonly AssertsSuite DoubleAsserts = new("", ["assert f(1) == 2", "assert f(5) == 10", "assert f(0) == 0"]);
    private static readonly CheckSuite DoubleCheck = new("f", "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(5) == 10\n");

    private static CallCase Call(string args, string expected) =>
        new(JsonDocument.Parse(args).RootElement.Clone(), JsonDocument.Parse(expected).RootElement.Clone());

    [Fact]
    public void Attacks_score_zero_end_in_time_and_leave_the_host_unchanged()
    {
        // Given host state the attacks go after: a file and a directory they try to write, a port they try to
        // reach, and a secret in this process's environment (the expected output of one test is the secret itself)
        string hostDir = Path.Combine(Path.GetTempPath(), "verity-attack-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(hostDir);
        string hostFile = Path.Combine(hostDir, "precious.txt");
        File.WriteAllText(hostFile, "untouched");
        string newFile = Path.Combine(hostDir, "created-by-attack");
        string tmpMarker = "/tmp/verity-attack-marker-" + Guid.NewGuid().ToString("N");
        string secret = "s3cr3t-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable("VERITY_TEST_SECRET", secret);
        string secretFile = Path.Combine(hostDir, "secret.txt");
        File.WriteAllText(secretFile, secret);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        string J(string s) => JsonSerializer.Serialize(s);

        var attacks = new Attack[]
        {
            new("infinite loop (stdio)", "while True:\n    pass", Answer42, CodeVerdict.TLE),
            new("infinite loop (call)", "def f(x):\n    while True:\n        pass", DoubleCall, CodeVerdict.TLE),
            new("infinite loop at import (asserts)", "while True:\n    pass\ndef f(x):\n    return 2 * x", DoubleAsserts, CodeVerdict.TLE),
            // (the fork bomb runs alone below: 32 spinning processes would starve the others of CPU)
            new("memory bomb", "x = bytearray(1 << 40)", Answer42, CodeVerdict.MLE),
            // Touching 512 MiB page by page takes ~1 s of CPU: under the CPU contention of this batch it may hit the
            // 3 s wall clock first. Either limit stops it.
            new("memory bomb (gradual)", "a = []\nwhile True:\n    a.append(bytearray(1 << 24))", Answer42, CodeVerdict.MLE, CodeVerdict.TLE),
            new("memory bomb (call)", "def f(x):\n    return len(bytearray(1 << 40))", DoubleCall, CodeVerdict.MLE),
            new("write outside the work dir", $$"""
import os
for path in [{{J(hostFile)}}, {{J(newFile)}}, {{J(tmpMarker)}}, "/usr/pwned", "/etc/pwned", "/pwned", "/proc/sys/kernel/hostname"]:
    try:
        with open(path, "w") as f:
            f.write("pwned")
    except OSError:
        pass
try:
    os.makedirs({{J(hostDir)}} + "/sub")
except OSError:
    pass
""", Answer42),
            new("socket to a host port", $$"""
import socket
try:
    s = socket.create_connection(("127.0.0.1", {{port}}), timeout=2)
    s.sendall(b"pwned")
    print(42)
except OSError:
    pass
""", Answer42),
            new("kill the parent", "import os\nfor pid in (os.getppid(), 1, -1):\n    try:\n        os.kill(pid, 9)\n    except OSError:\n        pass\nprint(42 + 1)", Answer42),
            new("read a secret from the environment or a host file", $$"""
import os, glob
found = [v for k, v in os.environ.items() if "SECRET" in k]
try:
    found.append(open({{J(secretFile)}}).read())
except OSError:
    pass
for path in glob.glob("/proc/*/environ"):
    try:
        for item in open(path, "rb").read().split(b"\0"):
            if item.startswith(b"VERITY_TEST_SECRET="):
                found.append(item.split(b"=", 1)[1].decode())
    except OSError:
        pass
print(found[0] if found else "none")
""", new StdioSuite([new StdioCase("", secret + "\n")])),
            new("see host processes", """
import glob
seen = False
for path in glob.glob("/proc/*/cmdline"):
    try:
        cmd = open(path, "rb").read()
    except OSError:
        continue
    seen = seen or b"dotnet" in cmd or b"testhost" in cmd or b"bash" in cmd
print("found" if seen else "hidden")
""", new StdioSuite([new StdioCase("", "found\n")]), CodeVerdict.WA),
            new("fake banner and exit(0) (asserts)", "print('All tests passed!')\nimport sys\nsys.exit(0)\ndef f(x):\n    return 0", DoubleAsserts, CodeVerdict.RE),
            new("fake banner and os._exit(0) in a call (check)", "import os\ndef f(x):\n    print('OK: all tests passed')\n    os._exit(0)", DoubleCheck, CodeVerdict.RE),
            new("fake banner on stdout (call)", "print('{\"ok\": 2}')\ndef f(x):\n    print('{\"ok\": 10}')\n    return 0", DoubleCall, CodeVerdict.WA),
            new("always-equal object (asserts)", "class E:\n    def __eq__(self, o): return True\n    def __ne__(self, o): return False\ndef f(x):\n    return E()", DoubleAsserts, CodeVerdict.WA),
            new("always-equal object (check)", "class E(int):\n    def __eq__(self, o): return True\ndef f(x):\n    return E(0)", DoubleCheck, CodeVerdict.WA),
            new("always-equal object (call)", "class E(list):\n    def __eq__(self, o): return True\ndef f(x):\n    return E()", DoubleCall, CodeVerdict.WA),
            new("monkeypatch the harness (asserts)", "import builtins, json\nbuiltins.AssertionError = StopIteration\njson.dumps = lambda *a, **k: '{\"test\": 0, \"verdict\": \"AC\"}'\ndef f(x):\n    return 0", DoubleAsserts),
            new("forge protocol lines (asserts)", "import os\nfor fd in range(3, 20):\n    try:\n        os.write(fd, b'{\"test\": 0, \"verdict\": \"AC\"}\\n{\"done\": true}\\n')\n    except OSError:\n        pass\ndef f(x):\n    return 0", DoubleAsserts),
            new("output flood (stdio)", "while True:\n    print('y' * 65536)", Answer42, CodeVerdict.OLE),
            new("output flood (call)", "def f(x):\n    while True:\n        print('y' * 65536)", DoubleCall, CodeVerdict.OLE),
            new("disk flood (one file)", "with open('big', 'wb') as f:\n    while True:\n        f.write(b'x' * (1 << 20))", Answer42, CodeVerdict.RE),
            new("disk flood (many files)", "i = 0\nwhile True:\n    with open('f%d' % i, 'wb') as f:\n        f.write(b'x' * (8 << 20))\n    i += 1", Answer42, CodeVerdict.RE),
        };
        var rewarder = fixture.Rewarder(new CodeRewardOptions { Mode = CodeRewardMode.PassRate, EarlyStop = false });

        // When they all run as one batch
        var clock = Stopwatch.StartNew();
        var rewards = rewarder.ScoreBatch(attacks.Select(a => new CodeRewardRequest(CodeData.Fenced(a.Program), a.Tests)).ToArray());
        var elapsed = clock.Elapsed;

        // Then each scored 0 with the expected verdict
        var failures = new List<string>();
        for (int i = 0; i < attacks.Length; i++)
        {
            var r = rewards[i];
            output.WriteLine($"{attacks[i].Name}: score {r.Score}, [{string.Join(",", r.Verdicts)}] {r.Message}");
            if (r.Score != 0.0) failures.Add($"{attacks[i].Name} scored {r.Score} [{string.Join(",", r.Verdicts)}]");
            if (attacks[i].Expected.Length > 0 && !r.Verdicts.All(attacks[i].Expected.Contains))
                failures.Add($"{attacks[i].Name}: verdicts [{string.Join(",", r.Verdicts)}], expected {string.Join(" or ", attacks[i].Expected)}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // and the host is unchanged
        Assert.Equal("untouched", File.ReadAllText(hostFile));
        Assert.False(File.Exists(newFile));
        Assert.False(Directory.Exists(Path.Combine(hostDir, "sub")));
        Assert.False(File.Exists(tmpMarker));
        Assert.False(File.Exists("/pwned"));
        Assert.False(File.Exists("/usr/pwned"));
        Assert.False(listener.Pending(), "a sandboxed program connected to a host port");
        Assert.NotEmpty(rewarder.Sandbox.Uids);
        foreach (int uid in rewarder.Sandbox.Uids)
            Assert.Empty(Sandbox.ProcessesLeft(uid, TimeSpan.FromSeconds(1)));

        // within the time bound: 3 s per test, at most 2 tests per attack, on 2+ parallel slots, plus start-up slack
        output.WriteLine($"{attacks.Length} attacks in {elapsed.TotalSeconds:F1} s");
        Assert.True(elapsed < TimeSpan.FromSeconds(45), $"attacks took {elapsed.TotalSeconds:F1} s");

        // and the runner still works afterwards (the kill attempts did not hurt it)
        Assert.Equal(1.0, rewarder.Score(CodeData.Fenced("print(42)"), Answer42).Score);
        Directory.Delete(hostDir, recursive: true);
    }

    [Theory]
    [InlineData("while True:\n    pass", 3.0)]
    [InlineData("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass", 3.0)]
    public void A_hanging_program_is_killed_at_its_timeout(string program, double timeoutSeconds)
    {
        // Given a program that never ends (alone, so its own wall time is measured)
        var rewarder = fixture.Rewarder();

        // When
        var clock = Stopwatch.StartNew();
        var reward = rewarder.Score(CodeData.Fenced(program), Answer42);

        // Then it is stopped shortly after the timeout, with TLE, and nothing of it survives
        Assert.Equal([CodeVerdict.TLE], reward.Verdicts);
        Assert.InRange(clock.Elapsed.TotalSeconds, timeoutSeconds, timeoutSeconds + 3);
        foreach (int uid in rewarder.Sandbox.Uids)
            Assert.Empty(Sandbox.ProcessesLeft(uid, TimeSpan.FromSeconds(1)));
    }
}
