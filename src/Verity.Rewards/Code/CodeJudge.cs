using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Verity.Rewards.Code;

/// <summary>Per-test verdicts of one program on one suite. With early stop, <see cref="Verdicts"/> ends at the
/// first failure; <see cref="TotalTests"/> is the size of the suite either way.</summary>
public sealed record CodeRunResult(IReadOnlyList<CodeVerdict> Verdicts, int TotalTests, string? Message)
{
    public int Passed => Verdicts.Count(v => v == CodeVerdict.AC);

    public bool IsVoid => Verdicts.Contains(CodeVerdict.SANDBOX_ERROR);
}

/// <summary>
/// Runs one program against one test suite on one worker slot. Where each kind is judged, and why the program
/// cannot forge a pass:
/// <list type="bullet">
/// <item>stdio: one sandboxed process per case; its stdout is compared here in the host.</item>
/// <item>call: one sandboxed "serve" process answers every case; arguments go in, the encoded return value comes
/// back and is compared here with <see cref="ValueComparer"/>. Expected values never leave the host.</item>
/// <item>asserts / check: the dataset's test code runs in a second sandboxed "judge" process (another uid, another
/// pid namespace) where the program's functions are proxies; every call is relayed through this class to the serve
/// process, with a per-call timeout. Only plain data crosses (JSON of builtin types), so an always-equal object
/// cannot be returned, an early exit reads as a dead candidate (RE), a printed "all tests passed" is just stderr of
/// the candidate, and monkeypatching changes only the candidate's own process. The judge reports one verdict per
/// assert (check: one for the whole check function).</item>
/// </list>
/// </summary>
internal sealed class CodeJudge(Sandbox sandbox, CodeLimits limits, StdioComparer stdioComparer, ValueComparer valueComparer)
{
    private int _launches;

    /// <summary>Sandboxed processes started so far (for throughput figures).</summary>
    public int Launches => Volatile.Read(ref _launches);

    public async Task<CodeRunResult> RunAsync(string code, CodeTestSuite suite, SandboxSlot slot, bool stopAtFirstFailure)
    {
        var (candidateUid, judgeUid) = slot;
        CodeRunResult result;
        try
        {
            result = suite switch
            {
                StdioSuite s => await RunStdioAsync(code, s, candidateUid, stopAtFirstFailure),
                CallSuite c => await RunCallsAsync(code, c, candidateUid, stopAtFirstFailure),
                _ => await RunJudgedAsync(code, suite, candidateUid, judgeUid, stopAtFirstFailure),
            };
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            result = new CodeRunResult([CodeVerdict.SANDBOX_ERROR], suite.Count, $"sandbox failure: {ex.Message}");
        }
        // Nothing of this program may outlive it: the slot's uids are reused by the next program.
        bool clean = sandbox.Settle(candidateUid) & sandbox.Settle(judgeUid);
        return clean ? result : new CodeRunResult([CodeVerdict.SANDBOX_ERROR], suite.Count, $"processes of uid {candidateUid}/{judgeUid} survived SIGKILL");
    }

    private async Task<CodeRunResult> RunStdioAsync(string code, StdioSuite suite, int uid, bool stop)
    {
        var verdicts = new List<CodeVerdict>();
        string? message = null;
        var clock = Stopwatch.StartNew();
        foreach (var test in suite.Cases)
        {
            if (clock.Elapsed > limits.SolutionBudget)
            {
                verdicts.Add(CodeVerdict.TLE);
                message ??= "solution time budget exhausted";
                if (stop) break;
                continue;
            }
            Interlocked.Increment(ref _launches);
            CodeVerdict verdict;
            using (var p = sandbox.Start(uid, "stdio", limits, 1, lineMode: false))
            {
                var writing = p.WriteAsync(Sandbox.Frame(code, test.Input), close: true);
                if (!await p.WaitForExitAsync(limits.TestTimeout))
                {
                    p.Kill();
                    await p.WaitForExitAsync(TimeSpan.FromSeconds(2));
                    verdict = p.OutputOverflowed ? CodeVerdict.OLE : CodeVerdict.TLE;
                }
                else
                {
                    verdict = ExitVerdicts.Classify(p, p.ExitCode);
                    if (verdict == CodeVerdict.AC && !stdioComparer.Equivalent(Encoding.UTF8.GetString(p.Stdout), test.Output))
                        verdict = CodeVerdict.WA;
                    if (verdict is not (CodeVerdict.AC or CodeVerdict.WA)) message ??= LastLine(p.StderrTail);
                }
                await writing;
            }
            // After a kill, wait until every process of the uid is gone before the next case reuses it.
            sandbox.Settle(uid);
            verdicts.Add(verdict);
            if (verdict == CodeVerdict.CE)
            {
                // A syntax error fails every case the same way: no need to launch again.
                while (!stop && verdicts.Count < suite.Count) verdicts.Add(CodeVerdict.CE);
                break;
            }
            if (stop && verdict != CodeVerdict.AC) break;
        }
        return new CodeRunResult(verdicts, suite.Count, message);
    }

    private async Task<CodeRunResult> RunCallsAsync(string code, CallSuite suite, int uid, bool stop)
    {
        var verdicts = new List<CodeVerdict>();
        string? message = null;
        var clock = Stopwatch.StartNew();
        using var candidate = new CandidateProcess(sandbox, uid, code, limits, suite.Count);
        foreach (var test in suite.Cases)
        {
            CodeVerdict verdict;
            if (clock.Elapsed > limits.SolutionBudget)
            {
                verdict = CodeVerdict.TLE;
                message ??= "solution time budget exhausted";
            }
            else
            {
                int before = candidate.Launches;
                var (reply, failure, why) = await candidate.CallAsync(CallRequest(suite.FnName, test.Args));
                Interlocked.Add(ref _launches, candidate.Launches - before);
                verdict = reply is null ? failure : JudgeReply(reply, test.Output, ref why);
                if (verdict != CodeVerdict.AC) message ??= why;
            }
            verdicts.Add(verdict);
            if (stop && verdict != CodeVerdict.AC) break;
        }
        return new CodeRunResult(verdicts, suite.Count, message);
    }

    private CodeVerdict JudgeReply(string reply, JsonElement expected, ref string why)
    {
        try
        {
            using var doc = JsonDocument.Parse(reply);
            var msg = doc.RootElement;
            if (msg.TryGetProperty("ok", out var value))
            {
                if (valueComparer.Equivalent(value, expected)) return CodeVerdict.AC;
                why = "wrong return value";
                return CodeVerdict.WA;
            }
            var err = msg.GetProperty("error");
            why = err.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
            return CodeVerdicts.ParseFromHarness(err.GetProperty("verdict").GetString());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException)
        {
            why = "malformed answer";
            return CodeVerdict.WA;
        }
    }

    private static string CallRequest(string name, JsonElement args)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("call", name);
            w.WritePropertyName("args");
            args.WriteTo(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private async Task<CodeRunResult> RunJudgedAsync(string code, CodeTestSuite suite, int candidateUid, int judgeUid, bool stop)
    {
        var clock = Stopwatch.StartNew();
        using var candidate = new CandidateProcess(sandbox, candidateUid, code, limits, suite.Count);
        var loadFailure = await candidate.EnsureLoadedAsync();
        Interlocked.Add(ref _launches, candidate.Launches);
        if (loadFailure is { } f)
            return new CodeRunResult(stop ? [f.Verdict] : Enumerable.Repeat(f.Verdict, suite.Count).ToArray(), suite.Count, f.Message);

        Interlocked.Increment(ref _launches);
        using var judge = sandbox.Start(judgeUid, "judge", limits, suite.Count, lineMode: true);
        if (!await judge.WriteAsync(Sandbox.Frame(JudgeSpec(suite, candidate.Names)), close: false))
            return new CodeRunResult([CodeVerdict.SANDBOX_ERROR], suite.Count, "the judge process died at start: " + judge.StderrTail);

        var verdicts = new CodeVerdict?[suite.Count];
        string? message = null;
        while (true)
        {
            var left = limits.SolutionBudget - clock.Elapsed;
            string? line;
            try
            {
                line = left > TimeSpan.Zero ? await judge.ReadLineAsync(left) : throw new TimeoutException();
            }
            catch (TimeoutException)
            {
                message ??= "solution time budget exhausted";
                break; // unreported tests become TLE below
            }
            if (line is null)
                return new CodeRunResult([CodeVerdict.SANDBOX_ERROR], suite.Count, "the judge process died: " + LastLine(judge.StderrTail));
            JsonDocument doc;
            try { doc = JsonDocument.Parse(line); }
            catch (JsonException) { return new CodeRunResult([CodeVerdict.SANDBOX_ERROR], suite.Count, "the judge wrote a malformed line"); }
            using var owned = doc;
            var msg = doc.RootElement;

            if (msg.TryGetProperty("call", out _))
            {
                int before = candidate.Launches;
                var (reply, failure, why) = await candidate.CallAsync(line);
                Interlocked.Add(ref _launches, candidate.Launches - before);
                reply ??= JsonSerializer.Serialize(new { error = new { verdict = failure.ToString(), message = why } });
                if (!await judge.WriteAsync(Encoding.UTF8.GetBytes(reply + "\n"), close: false))
                    return new CodeRunResult([CodeVerdict.SANDBOX_ERROR], suite.Count, "the judge process died: " + LastLine(judge.StderrTail));
            }
            else if (msg.TryGetProperty("test", out var index))
            {
                int i = index.GetInt32();
                var verdict = CodeVerdicts.ParseFromHarness(msg.GetProperty("verdict").GetString());
                if (i < 0 || i >= verdicts.Length || verdicts[i] is not null)
                    return new CodeRunResult([CodeVerdict.SANDBOX_ERROR], suite.Count, "the judge reported an unknown test");
                verdicts[i] = verdict;
                if (verdict != CodeVerdict.AC && msg.TryGetProperty("message", out var m)) message ??= m.GetString();
                if (stop && verdict != CodeVerdict.AC) break;
            }
            else if (msg.TryGetProperty("done", out _))
            {
                break;
            }
            else
            {
                string fatal = msg.TryGetProperty("fatal", out var fm) ? fm.GetString() ?? "" : "unknown judge message";
                return new CodeRunResult([CodeVerdict.SANDBOX_ERROR], suite.Count, fatal);
            }
        }
        judge.Dispose();
        var list = new List<CodeVerdict>();
        foreach (var v in verdicts)
        {
            list.Add(v ?? CodeVerdict.TLE); // unreported: the budget ran out
            if (stop && list[^1] != CodeVerdict.AC) break;
        }
        return new CodeRunResult(list, suite.Count, message);
    }

    private static string JudgeSpec(CodeTestSuite suite, IReadOnlyList<string> names)
    {
        object spec = suite switch
        {
            AssertsSuite a => new { kind = "asserts", setup = a.Setup, asserts = a.Asserts, names },
            CheckSuite c => new { kind = "check", entry_point = c.EntryPoint, code = c.Code, names },
            _ => throw new ArgumentException($"no judge for {suite.GetType().Name}"),
        };
        return JsonSerializer.Serialize(spec);
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
}
