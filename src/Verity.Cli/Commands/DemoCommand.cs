using System.CommandLine;

namespace Verity.Cli.Commands;

/// <summary><c>verity demo</c>: the README's main command (filled in as the engine and trainer land).</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "Run the embedded end-to-end demo on a tiny model made on the spot (no download).");
        command.SetAction(parse =>
        {
            parse.InvocationConfiguration.Output.WriteLine("demo: engine not yet assembled");
            return 0;
        });
        return command;
    }
}
