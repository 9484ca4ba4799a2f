namespace Verity.Rl.Tests.Config;

/// <summary>Finds the repository root (the folder holding Verity.slnx) by walking up from the test binaries.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Verity.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no Verity.slnx above {AppContext.BaseDirectory}. HINT: run the tests from a checkout of the repository");
    }

    public static string Configs => Path.Combine(Root, "configs");
}
