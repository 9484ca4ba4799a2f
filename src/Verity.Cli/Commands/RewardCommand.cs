using System.CommandLine;

namespace Verity.Cli.Commands;

/// <summary><c>verity reward</c>: score responses with a verifier; one subcommand per verifier.</summary>
internal static class RewardCommand
{
    public static Command Create()
    {
        var command = new Command("reward", "Score model responses with a verifier (code: run them against tests in the sandbox).");
        command.Subcommands.Add(RewardCodeCommand.Create());
        return command;
    }
}
