using Microsoft.Extensions.Logging;
using Verity.Rl.Tracking;

namespace Verity.Rl.Tests.Tracking;

public class VerityLoggingTests
{
    [Fact]
    public void Should_Write_Single_Plain_Lines_To_Stderr_And_Hide_Debug_Unless_Verbose()
    {
        // Given standard error captured (the console logger binds its writer when the factory is made)
        var original = Console.Error;
        var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            // When an info and a debug event are logged, without and with --verbose
            using (var factory = VerityLogging.CreateFactory(verbose: false, noColor: true))
            {
                var log = factory.CreateLogger("Verity.Checkpoints");
                log.LogInformation("saved checkpoint {Path}", "runs/x/checkpoint-4");
                log.LogDebug("pruned {Path}", "runs/x/checkpoint-2");
            }
            using (var factory = VerityLogging.CreateFactory(verbose: true, noColor: true))
            {
                Assert.True(factory.CreateLogger("Verity").IsEnabled(LogLevel.Debug));
                factory.CreateLogger("Verity").LogDebug("debug shown");
            }
        }
        finally
        {
            Console.SetError(original);
        }

        // Then each event is one line without colour codes, and debug appears only when verbose
        var lines = captured.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^\d\d:\d\d:\d\d info: Verity\.Checkpoints\[0\] saved checkpoint runs/x/checkpoint-4\r?$", lines[0]);
        Assert.Matches(@"^\d\d:\d\d:\d\d dbug: Verity\[0\] debug shown\r?$", lines[1]);
        Assert.DoesNotContain('\u001b', captured.ToString());
    }
}
