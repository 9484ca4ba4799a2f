namespace Verity.Eval.Harness;

/// <summary>One evaluation set: its JSONL file (relative to the data folder, or absolute), prompt template and answer field.</summary>
/// <param name="Name">Name on the command line and in reports.</param>
/// <param name="File">File name inside the benchmark folder, or a full path for user-added sets.</param>
/// <param name="Template">Instruction template the seed papers use for it (gsm8k for GSM8K, boxed otherwise).</param>
/// <param name="AnswerField">JSON field of the reference answer.</param>
/// <param name="ProblemField">JSON field of the question.</param>
public sealed record BenchmarkSpec(string Name, string File, string Template = "boxed", string AnswerField = "answer", string ProblemField = "problem");

/// <summary>
/// The benchmarks known by name (the files of shared/data/benchmarks, see its README), plus sets a user
/// adds with <c>--benchmark-file name=path.jsonl</c>.
/// </summary>
public static class BenchmarkRegistry
{
    public static readonly IReadOnlyDictionary<string, BenchmarkSpec> Known = new[]
    {
        new BenchmarkSpec("gsm8k", "gsm8k_test.jsonl", Template: "gsm8k"),
        new BenchmarkSpec("math500", "math500.jsonl"),
        new BenchmarkSpec("minerva_math", "minerva_math.jsonl"),
        new BenchmarkSpec("amc23", "amc2023.jsonl"),
        new BenchmarkSpec("olympiadbench", "olympiadbench.jsonl"),
        new BenchmarkSpec("aime24", "aime2024.jsonl"),
    }.ToDictionary(b => b.Name);

    /// <summary>Parses <c>name=path.jsonl</c> of --benchmark-file.</summary>
    public static BenchmarkSpec ParseFileSpec(string text, string defaultTemplate)
    {
        var parts = text.Split('=', 2);
        if (parts.Length != 2 || parts[0].Trim().Length == 0 || parts[1].Trim().Length == 0)
            throw new ArgumentException($"--benchmark-file {text}: expected name=path.jsonl, e.g. mytest=data/mytest.jsonl.");
        return new BenchmarkSpec(parts[0].Trim(), Path.GetFullPath(parts[1].Trim()), defaultTemplate);
    }

    /// <summary>
    /// The specs for the requested names in order: user-added files first match their own name, then the
    /// known ones. An unknown name is an error listing every name available.
    /// </summary>
    public static IReadOnlyList<BenchmarkSpec> Select(IEnumerable<string> names, IReadOnlyList<BenchmarkSpec> added)
    {
        var result = new List<BenchmarkSpec>();
        foreach (var name in names)
        {
            var spec = added.FirstOrDefault(a => a.Name == name)
                ?? (Known.TryGetValue(name, out var k) ? k : null)
                ?? throw new ArgumentException($"unknown benchmark \"{name}\"; known: {string.Join(", ", Known.Keys.Concat(added.Select(a => a.Name)).Distinct())}. HINT: add your own with --benchmark-file {name}=path.jsonl.");
            if (result.Any(r => r.Name == spec.Name)) continue;
            result.Add(spec);
        }
        return result;
    }

    /// <summary>The file of a spec: absolute paths as given, names inside <paramref name="dataDir"/>; missing → error naming both.</summary>
    public static string PathOf(BenchmarkSpec spec, string? dataDir)
    {
        string path = System.IO.Path.IsPathRooted(spec.File) ? spec.File
            : System.IO.Path.Combine(dataDir ?? throw new DirectoryNotFoundException(
                $"benchmark {spec.Name}: no benchmark folder found (looked for shared/data/benchmarks beside the current directory and the repository). HINT: pass --data-dir DIR."), spec.File);
        if (!System.IO.File.Exists(path))
            throw new FileNotFoundException($"benchmark {spec.Name}: {path} not found. HINT: pass --data-dir with the folder holding {System.IO.Path.GetFileName(spec.File)}, or --benchmark-file {spec.Name}=path.jsonl.", path);
        return path;
    }

    /// <summary>
    /// Default benchmark folder: <c>../shared/data/benchmarks</c> from the current directory, else the first
    /// <c>shared/data/benchmarks</c> found beside a parent of the current directory or of the program.
    /// </summary>
    public static string? FindDataDir()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                foreach (var candidate in new[] { System.IO.Path.Combine(dir.FullName, "..", "shared", "data", "benchmarks"), System.IO.Path.Combine(dir.FullName, "shared", "data", "benchmarks") })
                    if (Directory.Exists(candidate)) return System.IO.Path.GetFullPath(candidate);
            }
        }
        return null;
    }
}
