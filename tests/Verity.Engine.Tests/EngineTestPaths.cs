namespace Verity.Engine.Tests;

/// <summary>Locates committed fixtures by walking up from the test binary to the repository root.</summary>
internal static class EngineTestPaths
{
    public static string Golden(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "fixtures", "golden", name);
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"tests/fixtures/golden/{name} not found above {AppContext.BaseDirectory}.");
    }
}
