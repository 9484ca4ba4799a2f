using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Verity.Rl.Tracking;

/// <summary>
/// The one place the CLI makes its <see cref="ILoggerFactory"/>: Microsoft.Extensions.Logging with the simple
/// console formatter on one line per event. Logs are events (checkpoint saved, resumed, warnings); per-step
/// numbers go through <see cref="Tracker"/>. Log lines go to standard error so standard output stays the
/// progress stream.
/// </summary>
public static class VerityLogging
{
    /// <param name="verbose">--verbose: Debug level and scopes; otherwise Information.</param>
    /// <param name="noColor">null = honour the NO_COLOR environment variable and redirected output.</param>
    public static ILoggerFactory CreateFactory(bool verbose, bool? noColor = null)
    {
        bool plain = noColor ?? (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")) || Console.IsErrorRedirected);
        return LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information);
            builder.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.IncludeScopes = verbose;
                o.TimestampFormat = "HH:mm:ss ";
                o.ColorBehavior = plain ? LoggerColorBehavior.Disabled : LoggerColorBehavior.Default;
            });
            builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        });
    }
}
