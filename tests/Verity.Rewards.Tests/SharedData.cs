namespace Verity.Rewards.Tests;

/// <summary>Finds the read-only shared data folder (<c>shared/data</c> beside the repository root) by walking up.</summary>
internal static class SharedData
{
    public static string Root { get; } = Find();

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate)) return candidate;
            dir = dir.Parent;
        }
        throw new DirectoryNotFoundException($"no shared/data folder above {AppContext.BaseDirectory}. HINT: clone the repository with shared/ beside it.");
    }
}
