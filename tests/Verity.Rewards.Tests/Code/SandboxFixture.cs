using System.Text.Json;
using Verity.Rewards.Code;

namespace Verity.Rewards.Tests.Code;

/// <summary>One proven sandbox for all sandbox tests (the probe runs once); tests build rewarders on it.</summary>
public sealed class SandboxFixture
{
    public Sandbox Sandbox { get; } = Sandbox.Create();

    /// <summary>Short limits so attack runs end quickly; still generous for the real problems.</summary>
    public static CodeLimits FastLimits => new() { TestTimeout = TimeSpan.FromSeconds(3), SolutionBudget = TimeSpan.FromSeconds(20), MemoryBytes = 512L << 20 };

    public CodeRewarder Rewarder(CodeRewardOptions? options = null, CodeLimits? limits = null) =>
        new((options ?? new CodeRewardOptions()) with { Limits = limits ?? FastLimits }, Sandbox);
}

[CollectionDefinition("sandbox")]
public sealed class SandboxCollection : ICollectionFixture<SandboxFixture>;

/// <summary>One problem of shared/data/code/problems.jsonl.</summary>
public sealed record CodeProblem(string Id, string Canonical, CodeTestSuite Tests);

public static class CodeData
{
    /// <summary>Walks up from the test's base directory to the folder that holds shared/data (CI clones the repo
    /// with shared/ beside it).</summary>
    public static string SharedData(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate)) return Path.Combine([candidate, .. parts]);
        }
        throw new DirectoryNotFoundException($"shared/data not found above {AppContext.BaseDirectory}. HINT: clone the repo with shared/ beside it.");
    }

    public static string RepoFile(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Verity.slnx"))) return Path.Combine([dir.FullName, .. parts]);
        throw new DirectoryNotFoundException("repo root (Verity.slnx) not found above the test directory");
    }

    public static IReadOnlyList<CodeProblem> Problems() => File.ReadLines(SharedData("code", "problems.jsonl"))
        .Select((line, i) =>
        {
            var p = JsonDocument.Parse(line).RootElement;
            return new CodeProblem(p.GetProperty("id").GetString()!, p.GetProperty("canonical_solution").GetString()!,
                CodeTestSuite.Parse(p.GetProperty("tests"), $"problems.jsonl:{i + 1}"));
        }).ToArray();

    public static IReadOnlyDictionary<string, string> WrongSolutions() => File.ReadLines(RepoFile("tests", "fixtures", "code", "wrong_solutions.jsonl"))
        .Select(line => JsonDocument.Parse(line).RootElement)
        .ToDictionary(e => e.GetProperty("id").GetString()!, e => e.GetProperty("wrong_solution").GetString()!);

    public static string Fenced(string code) => "Here is my solution.\n```python\n" + code + "\n```\n";
}
