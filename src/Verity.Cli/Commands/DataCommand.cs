using System.CommandLine;

namespace Verity.Cli.Commands;

/// <summary><c>verity data</c>: dataset tools; one subcommand per tool.</summary>
internal static class DataCommand
{
    public static Command Create()
    {
        var command = new Command("data", "Dataset tools (code-check: keep only code problems whose tests are sound).");
        command.Subcommands.Add(DataCodeCheckCommand.Create());
        return command;
    }
}
