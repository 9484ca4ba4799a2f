namespace Verity.Rl.Config;

/// <summary>Supervised fine-tuning (`verity sft`) only. SFT also reads model.path (start checkpoint),
/// data.train_files, data.prompt_key, data.template and data.batch_size (pairs per optimizer step), the whole
/// optim section, and trainer seed, threads, run_dir, save_every, keep_last and log_every; trainer.steps is
/// not used (the run length is sft.epochs over the data, or sft.max_steps).</summary>
public sealed record SftSection
{
    /// <summary>JSON field holding the target response (string). `verity data reject-sample` writes "response".</summary>
    public string ResponseKey { get; init; } = "response";

    /// <summary>Passes over the training pairs (int ≥ 1). 1–3 is usual; more overfits small sets.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Stop after this many optimizer steps even if epochs remain (int); 0 = no cap.</summary>
    public int MaxSteps { get; init; }

    /// <summary>Pairs whose prompt + response (+ EOS) exceed this many tokens are skipped and counted, not truncated
    /// (a cut response would teach the model to stop mid-solution). Recommended: the rollout length you train for.</summary>
    public int MaxLength { get; init; } = 2048;

    /// <summary>Reshuffle the pairs at every epoch (bool, seeded by trainer.seed); false keeps file order.</summary>
    public bool Shuffle { get; init; } = true;
}
