namespace Verity.Hub.Tests;

/// <summary>Locates committed fixtures by walking up from the test binary to the repository root.</summary>
internal static class TestPaths
{
    public static string Fixtures
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "tests", "fixtures");
                if (Directory.Exists(Path.Combine(candidate, "golden"))) return candidate;
            }
            throw new DirectoryNotFoundException($"tests/fixtures not found above {AppContext.BaseDirectory}.");
        }
    }

    public static string Golden(string name) => Path.Combine(Fixtures, "golden", name);
}

/// <summary>A temporary folder removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "verity-hub-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
