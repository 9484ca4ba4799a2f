namespace Verity.Rl.Config;

/// <summary>Supervised fine-tuning (`verity sft`) only. SFT also reads model.path (start checkpoint),
/// data.train_files, data.prompt_key, data.template and data.batch_size (pairs per optimizer step), the whole
/// optim section, and trainer seed, threads, run_dir, save_every, keep_last and log_every; trainer.steps is
/// not used (the run length is sft.epochs over the data, or sft.max_steps). `verity sft --resume auto` continues
/// a run from its newest checkpoint (weights, AdamW moments, step and data position).</summary>
public sealed record SftSection
{
    /// <summary>JSON field holding the target response (string). `verity data reject-sample` writes "response".</summary>
    public string ResponseKey { get; init; } = "response";

    /// <summary>Passes over the training pairs (int ≥ 1). 1–3 is usual; more overfits small sets.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Stop after this many optimizer steps even if epochs remain (int); 0 = no cap.</summary>
    public int MaxSteps { get; init; }

    /// <summary>Pairs whose prompt + response (+ EOS) exceed this many tokens are skipped and counted, not truncated
    /// (a cut response would teach the model to stop mid-solution). Recommended: the rollout length you train for.
    /// With sft.packing it is also the packed row length.</summary>
    public int MaxLength { get; init; } = 2048;

    /// <summary>Pack several pairs into one row of up to sft.max_length tokens (bool): first-fit-decreasing over each
    /// step's data.batch_size pairs, RoPE positions restarting and attention kept within each pair, so the loss and
    /// gradient are those of the padded layout and only the padding work goes away. optim.micro_batch then counts
    /// packed rows per forward/backward pass instead of pairs. Pays off when pair lengths vary.</summary>
    public bool Packing { get; init; }

    /// <summary>Reshuffle the pairs at every epoch (bool, seeded by trainer.seed); false keeps file order.</summary>
    public bool Shuffle { get; init; } = true;
}
