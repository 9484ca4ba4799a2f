namespace Verity.Cli.Tests;

public class ConfigCommandTests
{
    private static string Preset(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Verity.slnx"))) return Path.Combine(dir.FullName, "configs", name + ".yaml");
        throw new DirectoryNotFoundException("repository root not found");
    }

    [Fact]
    public void Show_prints_the_resolved_yaml_with_overrides_applied()
    {
        var (code, output, err) = CliRunner.Run("config", "show", "--config", Preset("dapo"), "rollout.n=4", "algorithm.epsilon_high=0.3");
        Assert.True(code == 0, err);
        Assert.Contains("\n  n: 4\n", output);
        Assert.Contains("epsilon_high: 0.3\n", output);
        Assert.Contains("dynamic_sampling:\n    enable: true\n", output);
    }

    [Fact]
    public void Show_without_a_file_prints_the_defaults()
    {
        var (code, output, _) = CliRunner.Run("config", "show");
        Assert.Equal(0, code);
        Assert.Contains("adv_estimator: grpo", output);
    }

    [Fact]
    public void Validate_accepts_a_preset()
    {
        var (code, output, _) = CliRunner.Run("config", "validate", "--config", Preset("gspo"));
        Assert.Equal(0, code);
        Assert.Contains("policy_loss gspo", output);
    }

    [Fact]
    public void Unknown_override_key_is_a_one_line_error_naming_the_closest_key()
    {
        var (code, _, err) = CliRunner.Run("config", "show", "algorithm.n=8");
        Assert.Equal(2, code);
        Assert.Contains("did you mean 'rollout.n'", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void Invalid_combination_fails_validation_with_the_fix()
    {
        var (code, _, err) = CliRunner.Run("config", "validate", "--config", Preset("gspo"), "algorithm.loss_agg_mode=token_mean");
        Assert.Equal(2, code);
        Assert.Contains("HINT: set algorithm.loss_agg_mode=seq_mean_token_mean", err);
    }

    [Fact]
    public void No_validate_prints_a_config_that_does_not_validate_yet()
    {
        var (code, output, _) = CliRunner.Run("config", "show", "--no-validate", "algorithm.policy_loss=gspo");
        Assert.Equal(0, code);
        Assert.Contains("policy_loss: gspo", output);
    }
}
