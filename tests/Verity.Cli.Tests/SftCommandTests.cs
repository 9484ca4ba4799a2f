using Verity.Rl.Tests.Training;

namespace Verity.Cli.Tests;

public sealed class SftCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-cli-sft-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private string P(string name) => Path.Combine(_dir, name);

    /// <summary>16 "a+b=" → answer pairs in batches of 4 = 4 steps, packed, a checkpoint every 2.</summary>
    private string[] Sft(string run, string? resume) =>
    [
        "sft", $"model.path={P("model")}", $"data.train_files=[{P("prompts.jsonl")}]", "data.prompt_key=question", "data.template=none",
        "sft.response_key=answer", "data.batch_size=4", "sft.packing=true", "sft.max_length=32", "optim.micro_batch=1",
        $"trainer.run_dir={P(run)}", "trainer.save_every=2", "trainer.keep_last=0", "trainer.threads=1", .. resume is null ? Array.Empty<string>() : ["--resume", resume],
    ];

    [Fact]
    public void Resume_auto_finishes_a_stopped_run_with_the_weights_of_an_uninterrupted_one()
    {
        TinyRun.Create(_dir);
        var full = CliRunner.Run(Sft("full", "auto"));
        Assert.True(full.Code == 0, full.Err);
        Assert.Contains("no checkpoint in", full.Out);
        Assert.Contains("sft: steps 1..4 on 16 pairs", full.Out);

        // Given the run as a kill after step 2's checkpoint would leave it
        Directory.CreateDirectory(P("cut/checkpoint-2"));
        foreach (var f in Directory.GetFiles(P("full/checkpoint-2"))) File.Copy(f, Path.Combine(P("cut/checkpoint-2"), Path.GetFileName(f)));
        File.Copy(P("full/metrics.jsonl"), P("cut/metrics.jsonl"));

        var cut = CliRunner.Run(Sft("cut", "auto"));
        Assert.True(cut.Code == 0, cut.Err);
        Assert.Contains("sft: steps 3..4 on 16 pairs", cut.Out);
        Assert.Equal(File.ReadAllBytes(P("full/checkpoint-4/model.safetensors")), File.ReadAllBytes(P("cut/checkpoint-4/model.safetensors")));
        Assert.Equal(File.ReadAllLines(P("full/metrics.jsonl")).Length, File.ReadAllLines(P("cut/metrics.jsonl")).Length);

        var again = CliRunner.Run(Sft("cut", "auto"));
        Assert.Contains($"sft: nothing to train: {P("cut/checkpoint-4")} is already at step 4", again.Out);

        var missing = CliRunner.Run(Sft("cut", P("nope")));
        Assert.Equal(2, missing.Code);
        Assert.Contains("--resume", missing.Err);
        Assert.Single(missing.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
