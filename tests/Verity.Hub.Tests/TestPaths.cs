namespace Verity.Hub.Tests;

/// <summary>Finds the repo's tests/fixtures folder and the shared data folder beside the repo root.</summary>
internal static class TestPaths
{
    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Verity.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no Verity.slnx above {AppContext.BaseDirectory}. HINT: run the tests from inside the repository.");
    }

    public static string Fixtures(params string[] parts) => Path.Combine([RepoRoot(), "tests", "fixtures", .. parts]);

    public static string Golden(string name) => Fixtures("golden", name);

    /// <summary>&lt;repo&gt;/../shared/data/...</summary>
    public static string SharedData(params string[] parts)
    {
        string data = Path.GetFullPath(Path.Combine(RepoRoot(), "..", "shared", "data"));
        if (!Directory.Exists(data))
            throw new DirectoryNotFoundException($"{data}: shared data folder not found. HINT: clone the repo with shared/ beside it.");
        return Path.Combine([data, .. parts]);
    }
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
