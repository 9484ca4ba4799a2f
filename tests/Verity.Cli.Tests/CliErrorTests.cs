using Verity.Cli;

namespace Verity.Cli.Tests;

public class CliErrorTests
{
    [Fact]
    public void Unknown_subcommand_is_a_parse_error_not_a_crash()
    {
        var (code, _, err) = CliRunner.Run("no-such-command");
        Assert.NotEqual(0, code);
        Assert.DoesNotContain("   at ", err); // no stack trace
    }

    [Fact]
    public void Help_lists_the_demo()
    {
        var (code, output, _) = CliRunner.Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("demo", output);
    }
}

/// <summary>Runs the CLI in-process with captured output.</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = VerityCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
