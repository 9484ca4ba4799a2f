using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace Verity.Cli.Bench;

/// <summary>
/// Runs a peer script (embedded from bench/*.py) with python3 and returns its JSON output, or the reason
/// it could not (no python3, no numpy, the script failed). A missing peer never fails the benchmark.
/// Python is found as $VERITY_PYTHON, else /usr/bin/python3, else python3 on PATH (the first with numpy).
/// </summary>
internal static class PythonPeer
{
    /// <summary>
    /// Distribution OpenBLAS builds that can stand in for numpy's BLAS via LD_LIBRARY_PATH when numpy is
    /// linked to the reference BLAS (Debian's default libblas.so.3): $VERITY_OPENBLAS_DIR first.
    /// </summary>
    private static readonly string[] OpenBlasDirs =
    [
        "/usr/lib/x86_64-linux-gnu/openblas-pthread",
        "/usr/lib/x86_64-linux-gnu/openblas-openmp",
        "/usr/lib64/openblas-pthread",
    ];

    private static string? _python;
    private static string? _pythonProblem;

    public static string? OpenBlasDir()
    {
        string? env = Environment.GetEnvironmentVariable("VERITY_OPENBLAS_DIR");
        if (!string.IsNullOrEmpty(env)) return env;
        return OpenBlasDirs.FirstOrDefault(d => File.Exists(Path.Combine(d, "libblas.so.3")));
    }

    /// <summary>Runs <paramref name="script"/> with <paramref name="args"/>, feeding <paramref name="stdin"/>; null result with a reason on failure.</summary>
    public static (JsonDocument? Result, string? Problem) Run(string script, string stdin, IReadOnlyDictionary<string, string> env, IEnumerable<string> args, TimeSpan timeout)
    {
        string? python = FindPython(out string? problem);
        if (python is null) return (null, problem);
        string path = Path.Combine(Path.GetTempPath(), $"verity-{Environment.ProcessId}-{script}");
        using (var resource = Assembly.GetExecutingAssembly().GetManifestResourceStream(script)
            ?? throw new InvalidOperationException($"peer script {script} is not embedded in verity"))
        using (var file = File.Create(path))
            resource.CopyTo(file);
        try
        {
            var start = new ProcessStartInfo(python) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(path);
            foreach (var a in args) start.ArgumentList.Add(a);
            foreach (var (key, value) in env) start.Environment[key] = value;
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
            string stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return (null, $"{script} took longer than {timeout.TotalSeconds:0} s");
            }
            if (process.ExitCode != 0)
                return (null, $"{script} exited with {process.ExitCode}: {LastLine(stderr.Result)}");
            return (JsonDocument.Parse(stdout), null);
        }
        catch (Exception ex) when (ex is IOException or JsonException or System.ComponentModel.Win32Exception)
        {
            return (null, $"{script}: {ex.Message.ReplaceLineEndings(" ")}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string? FindPython(out string? problem)
    {
        if (_python is null && _pythonProblem is null)
        {
            var candidates = new[] { Environment.GetEnvironmentVariable("VERITY_PYTHON"), "/usr/bin/python3", "python3" }
                .Where(c => !string.IsNullOrEmpty(c)).Distinct();
            foreach (var candidate in candidates)
                if (HasNumpy(candidate!)) { _python = candidate; break; }
            if (_python is null) _pythonProblem = "no python3 with numpy found (set VERITY_PYTHON)";
        }
        problem = _pythonProblem;
        return _python;
    }

    private static bool HasNumpy(string python)
    {
        try
        {
            var start = new ProcessStartInfo(python, ["-c", "import numpy"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(start);
            if (process is null) return false;
            process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            return process.WaitForExit(30_000) && process.ExitCode == 0;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException)
        {
            return false;
        }
    }

    private static string LastLine(string text)
        => text.TrimEnd().Split('\n').LastOrDefault()?.Trim() ?? "";
}
