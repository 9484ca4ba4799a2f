namespace Verity.Rl.Demo;

/// <summary>
/// The embedded demo's protocol (after ../shared/reference/demo_prototype.py): a tiny Llama-family model
/// and BPE tokenizer made on the spot, SFT on a noisy teacher's chain-of-thought for 3-number addition
/// until held-out accuracy plateaus, then GRPO. Defaults are sized to finish in a few minutes on 2 cores.
/// </summary>
public sealed record DemoOptions
{
    /// <summary>Run directory: model/, metrics.jsonl, summary.json.</summary>
    public string RunDir { get; init; } = "runs/demo";

    public int Seed { get; init; } = 1;

    // model: Llama-style, GQA, tied head
    public int Hidden { get; init; } = 96;
    public int Layers { get; init; } = 3;
    public int Heads { get; init; } = 4;
    public int KvHeads { get; init; } = 2;
    public int Intermediate { get; init; } = 256;
    public int VocabSize { get; init; } = 288;

    // SFT on the noisy teacher
    public double TeacherStepNoise { get; init; } = 0.3;
    public int SftSteps { get; init; } = 2000;
    public int SftBatch { get; init; } = 64;
    public double SftLr { get; init; } = 2e-3;

    /// <summary>
    /// Linear warmup steps of the SFT learning rate. Without it, some seeds sat on the loss plateau before
    /// carrying was learned for over 1000 steps (seed 1: held-out greedy 5.5 % at step 500, 53 % at 1000;
    /// with it 7.5 % and 80.5 %; seeds 2 and 3 at 1000 steps: 86 % and 82.5 %).
    /// </summary>
    public int SftWarmup { get; init; } = 100;

    /// <summary>
    /// Folder of a saved SFT model: loaded instead of running SFT when it holds one, else written after SFT.
    /// Null: SFT runs and is not kept apart from the final model.
    /// </summary>
    public string? SftCheckpoint { get; init; }

    /// <summary>Evaluate on the held-out set every this many SFT steps (0 = only at the end), to show the plateau.</summary>
    public int SftEvalEvery { get; init; } = 500;

    // GRPO
    public int RlSteps { get; init; } = 300;

    /// <summary>Prompts per GRPO step. 32 rather than 16: the slowest seed (1) gained faster per step with less noisy updates.</summary>
    public int PromptsPerStep { get; init; } = 32;
    public int GroupSize { get; init; } = 8;

    /// <summary>
    /// Peak GRPO learning rate. Measured on seed 2 from the same SFT model (16 prompts × 8): 3e-4 rose
    /// steadily (training reward 0.52 → 0.90 in 150 steps); 5e-4 was as fast early but spiked back down;
    /// 1e-3 and 2e-3 collapsed to reward 0 within 40 steps; 1e-4 needed 600 steps for +22 points.
    /// </summary>
    public double RlLr { get; init; } = 3e-4;

    /// <summary>Fraction of the RL steps, at the end, over which the learning rate decays linearly to 10 % (settles the sharpened policy).</summary>
    public double RlDecayFraction { get; init; } = 0.5;
    public double Temperature { get; init; } = 1.0;
    public int MaxNewTokens { get; init; } = 40;

    // evaluation: avg@k at the sampling temperature, and greedy
    public int HeldOut { get; init; } = 200;
    public int K { get; init; } = 4;

    /// <summary>The CI-sized protocol: same steps, fewer of them (RL gain asserted against seed noise).</summary>
    public static DemoOptions Quick(string runDir) => new()
    {
        RunDir = runDir, SftSteps = 1500, RlSteps = 200, SftEvalEvery = 0, HeldOut = 100, K = 4,
    };
}
