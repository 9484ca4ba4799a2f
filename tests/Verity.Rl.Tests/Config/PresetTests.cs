using System.Text.Json;
using System.Text.Json.Nodes;
using Verity.Rl.Config;

namespace Verity.Rl.Tests.Config;

public class PresetTests
{
    private static readonly string[] Expected = ["cispo", "dapo", "daro", "dr_grpo", "gppo", "grpo", "gspo", "lite_ppo", "ppo", "reinforce_pp", "rloo", "srpo"];

    public static TheoryData<string> Presets() => new(Expected);

    [Fact]
    public void Every_seed_algorithm_has_a_preset_and_nothing_else_is_there()
    {
        var names = Directory.GetFiles(RepoPaths.Configs, "*.yaml").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal);
        Assert.Equal(Expected, names);
    }

    [Theory]
    [MemberData(nameof(Presets))]
    public void Preset_loads_validates_and_starts_with_a_citing_header(string name)
    {
        string path = Path.Combine(RepoPaths.Configs, name + ".yaml");
        var config = ConfigLoader.Load(path);
        Assert.NotNull(config);
        var header = File.ReadLines(path).TakeWhile(l => l.StartsWith('#')).ToList();
        Assert.True(header.Count >= 2, $"{name}.yaml needs a header comment saying what it changes");
        Assert.Matches(@"arXiv \d{4}\.\d{5}|github\.com|Tricks or Traps", string.Join(" ", header));
    }

    [Theory]
    [InlineData("dapo", "algorithm.epsilon_high", "0.28")]
    [InlineData("dapo", "algorithm.dynamic_sampling.enable", "true")]
    [InlineData("dapo", "algorithm.loss_agg_mode", "\"token_mean\"")]
    [InlineData("dr_grpo", "algorithm.loss_agg_mode", "\"dr_grpo\"")]
    [InlineData("dr_grpo", "algorithm.adv_estimator", "\"dr_grpo\"")]
    [InlineData("lite_ppo", "algorithm.adv_estimator", "\"lite_ppo\"")]
    [InlineData("gspo", "algorithm.policy_loss", "\"gspo\"")]
    [InlineData("cispo", "algorithm.policy_loss", "\"cispo\"")]
    [InlineData("gppo", "algorithm.sft_coef", "0.1")]
    [InlineData("daro", "algorithm.daro.enable", "true")]
    [InlineData("ppo", "algorithm.adv_estimator", "\"gae\"")]
    [InlineData("reinforce_pp", "algorithm.kl.in_reward", "true")]
    [InlineData("rloo", "algorithm.adv_estimator", "\"rloo\"")]
    [InlineData("srpo", "data.sampler", "\"history_resampling\"")]
    [InlineData("grpo", "algorithm.kl.coef", "0.04")]
    public void Preset_sets_what_its_algorithm_changes(string name, string key, string json)
    {
        var node = JsonSerializer.SerializeToNode(ConfigLoader.Load(Path.Combine(RepoPaths.Configs, name + ".yaml")), ConfigLoader.JsonOptions)!;
        foreach (var segment in key.Split('.')) node = node[segment]!;
        Assert.Equal(json, node.ToJsonString());
    }

    [Theory]
    [MemberData(nameof(Presets))]
    public void Preset_round_trips_through_the_resolved_yaml(string name)
    {
        var config = ConfigLoader.Load(Path.Combine(RepoPaths.Configs, name + ".yaml"));
        var back = ConfigLoader.Parse(ConfigLoader.ToYaml(config), name);
        Assert.Equal(JsonSerializer.Serialize(config, ConfigLoader.JsonOptions), JsonSerializer.Serialize(back, ConfigLoader.JsonOptions));
    }
}
