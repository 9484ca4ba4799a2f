namespace Verity.Data.Tests;

/// <summary>Finds ../shared/data beside the repository root, walking up from the test's directory.</summary>
internal static class SharedData
{
    public static string Path(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate)) return System.IO.Path.Combine([candidate, .. parts]);
        }
        throw new DirectoryNotFoundException("shared/data not found beside the repository. HINT: clone the repo next to the shared/ folder.");
    }
}
