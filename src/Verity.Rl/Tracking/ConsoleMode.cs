namespace Verity.Rl.Tracking;

/// <summary>Whether progress is drawn as a live display or written as one plain line per step.</summary>
public static class ConsoleMode
{
    /// <summary>
    /// Plain lines when standard output is redirected (a log file, CI, a pipe), when <c>NO_COLOR</c> is set
    /// to anything non-empty (no-color.org), or when <c>TERM=dumb</c>; a live display otherwise.
    /// </summary>
    public static bool PreferPlain() => PreferPlain(Console.IsOutputRedirected, Environment.GetEnvironmentVariable);

    public static bool PreferPlain(bool outputRedirected, Func<string, string?> environment) =>
        outputRedirected
        || !string.IsNullOrEmpty(environment("NO_COLOR"))
        || string.Equals(environment("TERM"), "dumb", StringComparison.Ordinal);
}
