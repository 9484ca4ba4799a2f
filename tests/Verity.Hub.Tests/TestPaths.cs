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

    /// <summary>&lt;repo&gt;/../shared/data/...</summary>
    public static string SharedData(params string[] parts)
    {
        string data = Path.GetFullPath(Path.Combine(RepoRoot(), "..", "shared", "data"));
        if (!Directory.Exists(data))
            throw new DirectoryNotFoundException($"{data}: shared data folder not found. HINT: clone the repo with shared/ beside it.");
        return Path.Combine([data, .. parts]);
    }
}
