using System.CommandLine;
using System.Text.Json;
using Verity.Cli.Commands;

namespace Verity.Cli;

/// <summary>
/// The <c>verity</c> command: one root with a subcommand per job. Each subcommand lives in its own
/// file under Commands/ and exposes <c>static Command Create()</c>.
/// Errors on bad input are one line (the message names the file, line or key and the fix); the stack
/// trace is printed only with <c>--verbose</c>.
/// </summary>
public static class VerityCli
{
    /// <summary>Global flag: print stack traces and debug detail.</summary>
    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Print stack traces and debug detail on errors.",
        Recursive = true,
    };

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("Verity: reinforcement learning with verifiable rewards for LLM reasoning.");
        root.Options.Add(Verbose);
        foreach (var command in AllCommands()) root.Subcommands.Add(command);
        return root;
    }

    /// <summary>Every subcommand, in the order help lists them.</summary>
    private static IEnumerable<Command> AllCommands()
    {
        yield return DemoCommand.Create();
        yield return InitModelCommand.Create();
        yield return ScoreCommand.Create();
        yield return GenerateCommand.Create();
        yield return DataCommand.Create();
        yield return ConfigCommand.Create();
        yield return TrainCommand.Create();
        yield return ReportCommand.Create();
        yield return TokenizeCommand.Create();
        yield return TokenizerCommand.Create();
        yield return BenchCommand.Create();
        yield return RewardCommand.Create();
        yield return EvalCommand.Create();
        yield return SftCommand.Create();
    }

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = BuildRoot();
        var parse = root.Parse(args);
        bool verbose = parse.GetValue(Verbose);
        if (parse.Errors.Count > 0 && !args.Any(a => a is "-h" or "--help" or "-?"))
        {
            // One line per problem and a pointer to help, instead of the whole help text.
            foreach (var e in parse.Errors) stderr.WriteLine($"error: {e.Message}");
            var names = new List<string>();
            for (var r = parse.CommandResult; r is not null && r.Command != root; r = r.Parent as System.CommandLine.Parsing.CommandResult)
                names.Insert(0, r.Command.Name);
            var path = string.Join(' ', names);
            stderr.WriteLine($"run 'verity {(path.Length > 0 ? path + " " : "")}--help' for usage.");
            return 2;
        }
        try
        {
            var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
            return parse.Invoke(config);
        }
        catch (Exception ex) when (IsUserError(ex) && !verbose)
        {
            stderr.WriteLine($"error: {Flatten(ex)}");
            return 2;
        }
        catch (Exception ex) when (!verbose)
        {
            stderr.WriteLine($"internal error: {ex.GetType().Name}: {Flatten(ex)} (run again with --verbose for the stack trace, and please report it)");
            return 3;
        }
        catch (Exception ex)
        {
            stderr.WriteLine(ex.ToString());
            return IsUserError(ex) ? 2 : 3;
        }
    }

    /// <summary>
    /// Bad input (files, keys, values) is reported with these exception types across the project; their
    /// messages are written for the user. Anything else is a bug in Verity.
    /// </summary>
    internal static bool IsUserError(Exception ex) => ex is InvalidDataException or FileNotFoundException
        or DirectoryNotFoundException or ArgumentException or FormatException or NotSupportedException
        or JsonException or IOException or UnauthorizedAccessException or OperationCanceledException;

    private static string Flatten(Exception ex) => ex.Message.ReplaceLineEndings(" ");
}
