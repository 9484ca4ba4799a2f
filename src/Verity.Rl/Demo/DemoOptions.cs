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

    /// <summary>Linear warmup steps of the SFT learning rate.</summary>
    public int SftWarmup { get; init; } = 100;

    /// <summary>
    /// Folder of a saved SFT model: loaded instead of running SFT when it holds one, else written after SFT.
    /// Null: SFT runs and is not kept apart from the final model.
    /// </summary>
    public string? SftCheckpoint { get; init; }

    /// <summary>Evaluate on the held-out set every this many SFT steps (0 = only at the end), to show the plateau.</summary>
    public int SftEvalEvery { get; init; } = 500;

    // GRPO
    public int RlSteps { get; init; } = 600;
    public int PromptsPerStep { get; init; } = 16;
    public int GroupSize { get; init; } = 8;
    public double RlLr { get; init; } = 1e-4;

    /// <summary>Fraction of the RL steps, at the end, over which the learning rate decays linearly to 10 %.</summary>
    public double RlDecayFraction { get; init; } = 0.0;
    public double Temperature { get; init; } = 1.0;
    public int MaxNewTokens { get; init; } = 40;

    // evaluation: avg@k at the sampling temperature, and greedy
    public int HeldOut { get; init; } = 200;
    public int K { get; init; } = 4;

    /// <summary>The CI-sized protocol: same steps, fewer of them (RL gain asserted against seed noise).</summary>
    public static DemoOptions Quick(string runDir) => new()
    {
        RunDir = runDir, SftSteps = 1500, RlSteps = 250, SftEvalEvery = 0, HeldOut = 100, K = 4,
    };
}
