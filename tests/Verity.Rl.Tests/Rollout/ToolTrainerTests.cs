using Verity.Rl.Tests.Training;
using Verity.Rl.Training;

namespace Verity.Rl.Tests.Rollout;

/// <summary><c>verity train</c> with rollout.tool=code_interpreter: the trainer builds the tool from the config.</summary>
[Collection("sandbox")]
public sealed class ToolTrainerTests
{
    [Fact]
    public void Train_with_the_code_interpreter_logs_tool_metrics_and_the_shaping_rewards()
    {
        // Given the tiny arithmetic run (its model answers with a digit and EOS: it never writes code)
        using var dir = new TempDir();
        TinyRun.Create(dir.Path);
        string config = Path.Combine(dir.Path, "config.yaml");
        File.WriteAllText(config, TinyRun.Config(dir.Path, steps: 1, saveEvery: 0));

        // When trained one step with the tool on and the R1-CI reward mix
        var result = Trainer.Run(new TrainOptions
        {
            ConfigPath = config, Progress = TextWriter.Null, PlainProgress = true,
            Overrides = ["rollout.tool=code_interpreter", "rollout.tool_timeout=3",
                "reward=[{name: math_accuracy, weight: 1.0}, {name: code_format, weight: 0.1}, {name: code_turns, weight: 0.1}]"],
        });

        // Then the step ran through the tool rollout (its metrics are there: no calls, nothing masked) and the
        // shaping rewards scored the plain answers as well formed, within the turn limit
        var row = TrainerTests.Rows(result.RunDir).Single();
        Assert.Equal(0, (double)row["tool/calls_mean"]!);
        Assert.Equal(0, (double)row["tool/masked_frac"]!);
        Assert.Equal(1, (double)row["tool/turns_mean"]!);
        Assert.Equal(1, (double)row["rewards/code_format/mean"]!);
        Assert.Equal(0, (double)row["rewards/code_turns/mean"]!);
    }
}
