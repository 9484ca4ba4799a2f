using Verity.Rl.Config;

namespace Verity.Rl.Tests.Config;

public class ConfigReferenceTests
{
    private static string Committed => Path.Combine(RepoPaths.Root, "docs", "config-reference.md");

    [Fact]
    public void Committed_reference_equals_the_generated_one()
    {
        string generated = ConfigReference.Generate();
        if (Environment.GetEnvironmentVariable("VERITY_REGENERATE_DOCS") == "1") File.WriteAllText(Committed, generated);
        string committed = File.Exists(Committed) ? File.ReadAllText(Committed) : "";
        Assert.True(committed == generated,
            $"docs/config-reference.md is out of date with the config records. HINT: run `{ConfigReference.RegenerateHint}` and commit docs/config-reference.md");
    }

    [Fact]
    public void Reference_documents_every_key_with_type_and_default()
    {
        string generated = ConfigReference.Generate();
        foreach (var path in ConfigSchema.Paths(typeof(RunConfig)))
            Assert.Contains($"| `{path}` |", generated);
        Assert.Contains("| `algorithm.epsilon_high` | float | `0.2` |", generated);
        Assert.Contains("| `algorithm.dual_clip_c` | float or null | `null` |", generated);
    }
}
