using System.Text.Json;

namespace Verity.Rewards.Code;

/// <summary>
/// The program under test loaded once in a sandboxed "serve" process that answers one call per request line.
/// A crash, timeout or output flood kills it; the next call starts a fresh one (pass-rate mode keeps scoring the
/// remaining tests). A failure while loading (syntax error, exception at import, exit) is deterministic, so it is
/// remembered and every later call fails the same way without another launch.
/// </summary>
internal sealed class CandidateProcess(Sandbox sandbox, int uid, string code, CodeLimits limits, int tests) : IDisposable
{
    private SandboxProcess? _process;
    private (CodeVerdict Verdict, string Message)? _loadFailure;

    public IReadOnlyList<string> Names { get; private set; } = [];

    public int Launches { get; private set; }

    /// <summary>Starts the process if needed; returns the load failure, if any.</summary>
    public async Task<(CodeVerdict Verdict, string Message)?> EnsureLoadedAsync()
    {
        if (_loadFailure is not null || _process is not null) return _loadFailure;
        Launches++;
        var p = sandbox.Start(uid, "serve", limits, tests, lineMode: true);
        if (!await p.WriteAsync(Sandbox.Frame(code), close: false))
        {
            _loadFailure = await DeathAsync(p, "the program exited while loading");
            return _loadFailure;
        }
        string? line;
        try
        {
            line = await p.ReadLineAsync(limits.TestTimeout);
        }
        catch (TimeoutException)
        {
            p.Kill();
            p.Dispose();
            sandbox.Settle(uid);
            return _loadFailure = (CodeVerdict.TLE, $"loading the program took over {limits.TestTimeout.TotalSeconds} s");
        }
        if (line is null) return _loadFailure = await DeathAsync(p, "the program exited while loading");
        try
        {
            using var doc = JsonDocument.Parse(line);
            var msg = doc.RootElement;
            if (msg.TryGetProperty("ready", out var names))
            {
                Names = names.EnumerateArray().Select(n => n.GetString() ?? "").Where(IsIdentifier).ToArray();
                _process = p;
                return null;
            }
            var err = msg.GetProperty("error");
            p.Dispose();
            sandbox.Settle(uid);
            return _loadFailure = (CodeVerdicts.ParseFromHarness(err.GetProperty("verdict").GetString()), err.GetProperty("message").GetString() ?? "");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            // Only the program could have written a malformed first line (the harness writes valid JSON).
            p.Dispose();
            sandbox.Settle(uid);
            return _loadFailure = (CodeVerdict.RE, "the program wrote to the protocol channel while loading");
        }
    }

    /// <summary>Sends one request line and returns the reply line, or the verdict that ended the process.</summary>
    public async Task<(string? Reply, CodeVerdict Verdict, string Message)> CallAsync(string request)
    {
        if (await EnsureLoadedAsync() is { } failure) return (null, failure.Verdict, failure.Message);
        var p = _process!;
        if (!await p.WriteAsync(System.Text.Encoding.UTF8.GetBytes(request + "\n"), close: false))
        {
            var death = await DeathAsync(p, "the program exited");
            _process = null;
            return (null, death.Verdict, death.Message);
        }
        try
        {
            string? line = await p.ReadLineAsync(limits.TestTimeout);
            if (line is not null) return (line, CodeVerdict.AC, "");
            var death = await DeathAsync(p, "the program exited before answering");
            _process = null;
            return (null, death.Verdict, death.Message);
        }
        catch (TimeoutException)
        {
            p.Kill();
            var death = await DeathAsync(p, "");
            _process = null;
            return (null, death.Verdict == CodeVerdict.OLE ? CodeVerdict.OLE : CodeVerdict.TLE, $"no answer within {limits.TestTimeout.TotalSeconds} s");
        }
    }

    private async Task<(CodeVerdict Verdict, string Message)> DeathAsync(SandboxProcess p, string what)
    {
        if (!await p.WaitForExitAsync(TimeSpan.FromSeconds(2))) p.Kill();
        await p.WaitForExitAsync(TimeSpan.FromSeconds(2));
        var verdict = ExitVerdicts.Classify(p, p.HasExited ? p.ExitCode : 137);
        string message = what.Length == 0 ? "" : $"{what} (exit {(p.HasExited ? p.ExitCode : -1)})";
        p.Dispose();
        sandbox.Settle(uid);
        return (verdict == CodeVerdict.AC ? CodeVerdict.RE : verdict, message);
    }

    private static bool IsIdentifier(string s) =>
        s.Length > 0 && (char.IsLetter(s[0]) || s[0] == '_') && s.All(c => char.IsLetterOrDigit(c) || c == '_');

    public void Dispose()
    {
        _process?.Dispose();
        _process = null;
    }
}

internal static class ExitVerdicts
{
    public const int CompileError = 97;
    public const int MemoryError = 98;

    /// <summary>Maps how a sandboxed process ended to a verdict (AC = exited 0; the caller then compares output).
    /// bwrap reports a signal death as 128+signal.</summary>
    public static CodeVerdict Classify(SandboxProcess p, int exitCode)
    {
        if (p.OutputOverflowed) return CodeVerdict.OLE;
        return exitCode switch
        {
            0 when !p.WasKilled => CodeVerdict.AC,
            CompileError => CodeVerdict.CE,
            MemoryError => CodeVerdict.MLE,
            128 + 9 or 128 + 24 => CodeVerdict.TLE, // SIGKILL (ours on timeout, or RLIMIT_CPU hard) / SIGXCPU
            _ when p.StderrTail.Contains("MemoryError", StringComparison.Ordinal) => CodeVerdict.MLE,
            _ => CodeVerdict.RE,
        };
    }
}
