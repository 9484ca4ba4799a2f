namespace Verity.Rl.Config;

/// <summary>AdamW, schedule and batching of the update.</summary>
public sealed record OptimSection
{
    /// <summary>Peak learning rate of the policy. RLVR recipes use 1e-6 (DAPO, Skywork, Klear); INTELLECT-2 3e-7.</summary>
    public double Lr { get; init; } = 1e-6;

    /// <summary>Learning rate of the critic (gae only; verl 1e-5).</summary>
    public double CriticLr { get; init; } = 1e-5;

    /// <summary>AdamW (β1, β2). SRPO and OpenRLHF use [0.9, 0.95].</summary>
    public List<double> Betas { get; init; } = [0.9, 0.999];

    /// <summary>AdamW ε.</summary>
    public double Eps { get; init; } = 1e-8;

    /// <summary>Decoupled weight decay (verl 0.01, DAPO 0.1).</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Linear warmup steps from 0 to lr (DAPO: 10).</summary>
    public int WarmupSteps { get; init; }

    /// <summary>Learning-rate schedule after warmup: constant, linear or cosine (decaying to min_lr_ratio × lr).</summary>
    public string Schedule { get; init; } = "constant";

    /// <summary>Floor of the linear / cosine schedule as a fraction of lr (OpenRLHF 0.1).</summary>
    public double MinLrRatio { get; init; }

    /// <summary>Cosine cycles over the run (0.5 = one half-cosine from lr down to the floor).</summary>
    public double NumCycles { get; init; } = 0.5;

    /// <summary>Clip the global gradient L2 norm to this value; 0 disables clipping. 1.0 everywhere.</summary>
    public double GradClip { get; init; } = 1.0;

    /// <summary>Responses per forward/backward pass (memory knob only: the loss normalizer is computed over the
    /// mini-batch, so the gradient does not depend on it). Must divide mini_batch.</summary>
    public int MicroBatch { get; init; } = 4;

    /// <summary>Responses per optimizer step; null = the whole step batch (data.batch_size × rollout.n), i.e. one
    /// update per rollout — strictly on-policy, which AceReason and Skywork found avoids entropy collapse.
    /// Must divide the batch.</summary>
    public int? MiniBatch { get; init; }

    /// <summary>Passes over each rollout batch (PPO epochs). More than 1 reuses samples off-policy and needs a
    /// ratio-based policy_loss (not pg).</summary>
    public int PpoEpochs { get; init; } = 1;
}

/// <summary>The loop around the steps.</summary>
public sealed record TrainerSection
{
    /// <summary>RL steps (one rollout batch each).</summary>
    public int Steps { get; init; } = 100;

    /// <summary>Seed of every random stream (data order, sampling, initialization). Same seed and threads →
    /// same run.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>CPU threads; 0 uses every core. Part of the determinism contract together with seed.</summary>
    public int Threads { get; init; }

    /// <summary>Directory of this run: config.yaml, metrics.jsonl, completions.jsonl, checkpoint-&lt;step&gt;/.</summary>
    public string RunDir { get; init; } = "runs/verity";

    /// <summary>Save a checkpoint every this many steps; 0 saves only at the end.</summary>
    public int SaveEvery { get; init; }

    /// <summary>Checkpoints kept on disk (older ones are deleted); 0 keeps all.</summary>
    public int KeepLast { get; init; } = 2;

    /// <summary>Write a metrics row every this many steps.</summary>
    public int LogEvery { get; init; } = 1;

    /// <summary>Steps at the start that train only the critic (adv_estimator gae; the actor updates from step
    /// critic_warmup + 1 on). OpenRLHF freezing_actor_steps; verl trainer.critic_warmup starts the actor one step earlier.</summary>
    public int CriticWarmup { get; init; }

    /// <summary>Evaluate data.eval_files every this many steps (and after the last step) with the training reward:
    /// eval/avg@k (mean accuracy of eval_k samples per prompt at eval_temperature), eval/pass@k, eval/reward and
    /// eval/greedy_acc (temperature 0), in the step's metrics row. Accuracy = reward &gt; 0. 0 disables it.</summary>
    public int EvalEvery { get; init; }

    /// <summary>Samples per evaluation prompt for eval/avg@k and eval/pass@k (SRPO reports avg@32; 4–8 at CPU scale).</summary>
    public int EvalK { get; init; } = 4;

    /// <summary>Sampling temperature of the eval_k samples (OpenRLHF eval 0.6); greedy accuracy is always reported besides.</summary>
    public double EvalTemperature { get; init; } = 0.6;

    /// <summary>Evaluate only the first this many usable prompts of data.eval_files, in file order (the same ones every
    /// time, so eval/* rows stay comparable across steps). An evaluation costs (eval_k + 1) generations per prompt, so a
    /// 500-problem file at eval_k 4 costs as much as ~20 training steps of 128 samples; 0 (default) uses every prompt.</summary>
    public int EvalMaxPrompts { get; init; }

    /// <summary>Metrics backends of verity train: console (progress table or lines), jsonl (metrics.jsonl, which verity
    /// report and resume read, so it is required) and tensorboard (events.out.tfevents.* in the run directory, for
    /// `tensorboard --logdir`). Default [console, jsonl].</summary>
    public List<string> Trackers { get; init; } = ["console", "jsonl"];

    /// <summary>Write sampled prompts, completions and rewards to completions.jsonl every this many steps (TRL
    /// log_completions); 0 disables it.</summary>
    public int CompletionsEvery { get; init; } = 10;
}
