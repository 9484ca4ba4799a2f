using System.Text.Json;
using Verity.Rl.Config;

namespace Verity.Rl.Tests.Config;

public class ConfigLoaderTests
{
    private static string Json(RunConfig c) => JsonSerializer.Serialize(c, ConfigLoader.JsonOptions);

    private static string WriteTemp(string yaml)
    {
        string path = Path.Combine(Path.GetTempPath(), $"verity-config-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [Fact]
    public void Defaults_are_valid()
    {
        var c = ConfigLoader.Load(null);
        Assert.Equal("grpo", c.Algorithm.AdvEstimator);
        Assert.Equal(8, c.Rollout.N);
        Assert.Single(c.Reward);
    }

    [Fact]
    public void Yaml_sets_values_and_leaves_the_rest_at_defaults()
    {
        var c = ConfigLoader.Parse("""
            rollout:
              n: 16
              stop: ["####", "8"]
            algorithm:
              epsilon_high: 0.28
              dual_clip_c: 10
              kl: {type: k2, coef: 0.001}
            reward:
              - name: prm
                weight: 0.2
              - {name: math_accuracy, weight: 0.8}
            """);
        Assert.Equal(16, c.Rollout.N);
        Assert.Equal(["####", "8"], c.Rollout.Stop);
        Assert.Equal(0.28, c.Algorithm.EpsilonHigh);
        Assert.Equal(10.0, c.Algorithm.DualClipC);
        Assert.Equal("k2", c.Algorithm.Kl.Type);
        Assert.Equal(0.001, c.Algorithm.Kl.Coef);
        Assert.Equal(0.2, c.Algorithm.EpsilonLow); // untouched default
        Assert.Equal([("prm", 0.2), ("math_accuracy", 0.8)], c.Reward.Select(r => (r.Name, r.Weight)));
    }

    [Fact]
    public void Overrides_apply_after_the_file_and_the_last_one_wins()
    {
        string path = WriteTemp("algorithm:\n  policy_loss: ppo_clip\nrollout:\n  n: 4\n");
        try
        {
            var c = ConfigLoader.Load(path, [
                "algorithm.policy_loss=gspo", "algorithm.loss_agg_mode=seq_mean_token_mean", "rollout.n=8", "rollout.n=6",
                "optim.betas=[0.9, 0.95]", "trainer.run_dir=runs/a:b #1", "algorithm.dual_clip_c=3", "algorithm.dual_clip_c=null",
                "reward.0.weight=0.5", "model.reference_path=/models/ref",
            ]);
            Assert.Equal("gspo", c.Algorithm.PolicyLoss);
            Assert.Equal(6, c.Rollout.N);
            Assert.Equal([0.9, 0.95], c.Optim.Betas);
            Assert.Equal("runs/a:b #1", c.Trainer.RunDir);
            Assert.Null(c.Algorithm.DualClipC);
            Assert.Equal(0.5, c.Reward[0].Weight);
            Assert.Equal("/models/ref", c.Model.ReferencePath);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_whole_list_can_be_replaced_by_an_override()
    {
        var c = ConfigLoader.Load(null, ["reward=[{name: prm, weight: 0.2}, {name: math_accuracy, weight: 0.8}]"]);
        Assert.Equal(["prm", "math_accuracy"], c.Reward.Select(r => r.Name));
    }

    [Fact]
    public void Unknown_key_in_a_file_names_file_line_path_and_closest_key()
    {
        string path = WriteTemp("rollout:\n  n: 4\nalgorithm:\n  epsilonn: 0.3\n");
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(path));
            Assert.Contains($"{path}:4", ex.Message);
            Assert.Contains("'algorithm.epsilonn'", ex.Message);
            Assert.Contains("did you mean 'algorithm.epsilon_low'", ex.Message);
            Assert.DoesNotContain("\n", ex.Message);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("algorithm.n=8", "did you mean 'rollout.n'")]
    [InlineData("algorithm.kl.coeff=0.1", "did you mean 'algorithm.kl.coef'")]
    [InlineData("optim.learning_rate=1e-6", "valid keys here: lr,")]
    [InlineData("rollout.temprature=0.7", "did you mean 'rollout.temperature'")]
    [InlineData("algo.policy_loss=gspo", "did you mean 'algorithm.policy_loss'")]
    [InlineData("algorithm.klx.coef=0.1", "did you mean 'algorithm.kl.coef'")]
    [InlineData("rollouts=4", "did you mean 'rollout'")]
    [InlineData("algo.zzz=4", "unknown key 'algo'")]
    public void Unknown_override_key_suggests_the_closest_valid_key(string item, string expected)
    {
        var ex = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(null, [item]));
        Assert.Contains(expected, ex.Message);
        Assert.Contains("HINT", ex.Message);
    }

    [Theory]
    [InlineData("rollout.n=abc", "expected a whole number")]
    [InlineData("rollout.n=2.5", "expected a whole number")]
    [InlineData("algorithm.kl.in_reward=maybe", "expected true or false")]
    [InlineData("optim.lr=fast", "expected a finite number")]
    [InlineData("rollout.n=null", "may not be null")]
    [InlineData("rollout.stop=oops", "must be a list")]
    [InlineData("rollout.n", "expected key=value")]
    [InlineData("reward.3.weight=1", "not one of its indexes")]
    [InlineData("rollout.n.x=1", "not a section")]
    public void Bad_override_values_are_one_line_errors_with_a_hint(string item, string expected)
    {
        var ex = Record.Exception(() => ConfigLoader.Load(null, [item]));
        Assert.True(ex is InvalidDataException or ArgumentException, ex?.ToString());
        Assert.Contains(expected, ex!.Message);
        Assert.Contains("HINT", ex.Message);
        Assert.DoesNotContain("\n", ex.Message);
    }

    [Fact]
    public void Mistyped_section_in_a_file_is_found_from_its_keys()
    {
        var ex = Assert.Throws<InvalidDataException>(() => ConfigLoader.Parse("algo:\n  policy_loss: gspo\n", "s.yaml"));
        Assert.Contains("s.yaml:1: unknown key 'algo'. HINT: did you mean 'algorithm'?", ex.Message);
    }

    [Fact]
    public void Wrong_type_in_a_file_names_the_line()
    {
        var ex = Assert.Throws<InvalidDataException>(() => ConfigLoader.Parse("trainer:\n  seed: 1\n  steps: many\n", "x.yaml"));
        Assert.StartsWith("x.yaml:3:", ex.Message);
        Assert.Contains("trainer.steps", ex.Message);
    }

    [Fact]
    public void Invalid_yaml_names_the_line()
    {
        var ex = Assert.Throws<InvalidDataException>(() => ConfigLoader.Parse("rollout:\n  n: 4\n   temperature: [1\n", "bad.yaml"));
        Assert.StartsWith("bad.yaml:", ex.Message);
        Assert.Contains("invalid YAML", ex.Message);
    }

    [Fact]
    public void Missing_file_is_a_file_not_found_error_with_a_hint()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => ConfigLoader.Load("/no/such/config.yaml"));
        Assert.Contains("HINT", ex.Message);
    }

    [Theory]
    [InlineData(new[] { "algorithm.epsilon_low=0.3", "algorithm.epsilon_high=0.2" }, "set algorithm.epsilon_high ≥ 0.3")]
    [InlineData(new[] { "algorithm.policy_loss=gspo" }, "set algorithm.loss_agg_mode=seq_mean_token_mean")]
    [InlineData(new[] { "algorithm.dynamic_sampling.enable=true", "rollout.n=1", "algorithm.adv_estimator=reinforce_pp" }, "dynamic_sampling.enable")]
    [InlineData(new[] { "rollout.n=1" }, "set rollout.n ≥ 2")]
    [InlineData(new[] { "data.batch_size=4", "rollout.n=8", "optim.mini_batch=12" }, "does not divide the batch of data.batch_size × rollout.n = 32")]
    [InlineData(new[] { "data.batch_size=4", "rollout.n=8", "optim.mini_batch=16", "optim.micro_batch=3" }, "use a divisor of 16, e.g. 2")]
    [InlineData(new[] { "algorithm.policy_loss=pg", "optim.ppo_epochs=2" }, "set optim.ppo_epochs=1")]
    [InlineData(new[] { "algorithm.policy_loss=ppo" }, "use one of: cispo, gppo, gspo, pg, ppo_clip")]
    [InlineData(new[] { "algorithm.adv_estimator=grpoo" }, "dr_grpo, gae, grpo")]
    [InlineData(new[] { "algorithm.kl.adaptive=true", "algorithm.kl.coef=0.1" }, "set algorithm.kl.in_reward=true")]
    [InlineData(new[] { "algorithm.overlong.punish=true", "rollout.max_new_tokens=512" }, "algorithm.overlong.buffer_len")]
    [InlineData(new[] { "algorithm.dual_clip_c=0.5" }, "algorithm.dual_clip_c must be > 1")]
    [InlineData(new[] { "optim.betas=[0.9]" }, "optim.betas must be two numbers")]
    [InlineData(new[] { "reward=[]" }, "lists no reward function")]
    [InlineData(new[] { "algorithm.daro.enable=true", "algorithm.adv_estimator=gae" }, "use adv_estimator=grpo")]
    public void Validation_names_the_key_and_the_fix(string[] overrides, string expected)
    {
        var ex = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(null, overrides));
        Assert.Contains(expected, ex.Message);
        Assert.Contains("HINT", ex.Message);
    }

    [Fact]
    public void Resolve_skips_validation_so_show_can_print_a_config_in_progress()
    {
        var c = ConfigLoader.Resolve(null, ["algorithm.policy_loss=gspo"]);
        Assert.Equal("gspo", c.Algorithm.PolicyLoss);
    }

    [Fact]
    public void Resolved_yaml_loads_back_to_the_same_config()
    {
        var c = ConfigLoader.Load(null, [
            "rollout.stop=[\"\\n\\n\", \"####\", \"null\", \"8\", \"a: b\", \" x\", \"-\"]",
            "trainer.run_dir=runs/it's #1", "algorithm.dual_clip_c=3.5", "model.path=null-ish", "optim.lr=3e-7",
        ]);
        string yaml = ConfigLoader.ToYaml(c);
        var back = ConfigLoader.Parse(yaml, "round-trip");
        Assert.Equal(Json(c), Json(back));
        Assert.Contains("algorithm:\n  adv_estimator: grpo\n", yaml);
        Assert.Equal(["\n\n", "####", "null", "8", "a: b", " x", "-"], back.Rollout.Stop);
    }

    [Fact]
    public void Edit_distance_is_levenshtein()
    {
        Assert.Equal(3, ConfigSchema.EditDistance("kitten", "sitting"));
        Assert.Equal(0, ConfigSchema.EditDistance("", ""));
        Assert.Equal(4, ConfigSchema.EditDistance("", "abcd"));
    }
}
