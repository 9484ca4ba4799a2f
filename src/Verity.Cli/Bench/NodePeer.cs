using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace Verity.Cli.Bench;

/// <summary>
/// Runs a peer script (embedded from bench/*.mjs) with node and returns the JSON of its last stdout line, or
/// the reason it could not (no node, the npm package missing, the script failed). A missing peer never fails
/// the benchmark. Packages are resolved from $VERITY_NODE_PATH, else /tmp/tokfix/node_modules.
/// </summary>
internal static class NodePeer
{
    public static string NodeModules
        => Environment.GetEnvironmentVariable("VERITY_NODE_PATH") is { Length: > 0 } env ? env : "/tmp/tokfix/node_modules";

    /// <summary>Runs <paramref name="script"/> with <paramref name="args"/> if <paramref name="package"/> is installed; null result with a reason otherwise.</summary>
    public static (JsonDocument? Result, string? Problem) Run(string script, string package, IEnumerable<string> args, TimeSpan timeout)
    {
        string modules = NodeModules;
        if (!Directory.Exists(Path.Combine(modules, package)))
            return (null, $"npm package {package} not found in {modules} (set VERITY_NODE_PATH)");
        string path = Path.Combine(Path.GetTempPath(), $"verity-{Environment.ProcessId}-{script}");
        using (var resource = Assembly.GetExecutingAssembly().GetManifestResourceStream(script)
            ?? throw new InvalidOperationException($"peer script {script} is not embedded in verity"))
        using (var file = File.Create(path))
            resource.CopyTo(file);
        try
        {
            var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(path);
            foreach (var a in args) start.ArgumentList.Add(a);
            start.Environment["NODE_PATH"] = modules;
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return (null, $"{script} took longer than {timeout.TotalSeconds:0} s");
            }
            if (process.ExitCode != 0)
                return (null, $"{script} exited with {process.ExitCode}: {stderr.Result.TrimEnd().Split('\n').LastOrDefault()?.Trim()}");
            return (JsonDocument.Parse(stdout.TrimEnd().Split('\n').Last()), null);
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
}
