namespace Verity.Rl.Config;

/// <summary>Sampling of responses.</summary>
public sealed record RolloutSection
{
    /// <summary>Responses per prompt (group size G). Group-relative estimators need n ≥ 2; GRPO papers use 5–16
    /// (TRL default 8, DAPO and Skywork-OR1 16).</summary>
    public int N { get; init; } = 8;

    /// <summary>Sampling temperature; RL needs exploration, 1.0 is the common choice (Lite PPO 0.99).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus sampling mass in (0, 1]; 1.0 disables it. Values &lt; 1 bias sampling log-probs
    /// against training log-probs (rl-anchors §4.3).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Keep only the k most likely tokens; 0 disables it.</summary>
    public int TopK { get; init; }

    /// <summary>Drop tokens with probability below min_p × the top probability; 0 disables it.</summary>
    public double MinP { get; init; }

    /// <summary>Maximum response length in tokens (L_max). Also Dr.GRPO's constant loss normalizer and the
    /// upper end of the overlong buffer. DAPO: 20480; small models: 512–1024.</summary>
    public int MaxNewTokens { get; init; } = 512;

    /// <summary>Extra stop strings besides the tokenizer's end-of-sequence token (e.g. ["&lt;/answer&gt;"]): a sample stops
    /// on the token that completes one (finish = stop). As vLLM returns it, the response text the reward sees is cut
    /// before the stop string, while the token ids (and so the loss) keep the tokens generated up to that token.
    /// Default [] (none).</summary>
    public List<string> Stop { get; init; } = [];

    /// <summary>Tool the model may call during a rollout: <c>none</c>, or <c>code_interpreter</c> (R1-Code-Interpreter:
    /// a closed python fenced block is run in the sandbox and its output appended as an output fenced block, masked
    /// from the loss; docs/code-sandbox.md). Needs Linux, root and bubblewrap.</summary>
    public string Tool { get; init; } = "none";

    /// <summary>Most tool calls per response; after the last one the model generates on, but its code is not run.
    /// R1-Code-Interpreter: 8.</summary>
    public int MaxTurns { get; init; } = 8;

    /// <summary>Characters of a program's output (stdout, then stderr) the model sees; longer output keeps its first
    /// ¾ and last ¼ with a truncation marker between. The tool tokens also count toward max_new_tokens.</summary>
    public int ToolOutputMaxChars { get; init; } = 1024;

    /// <summary>Wall-clock limit of one tool call in seconds (R1-Code-Interpreter: 60; small models: 5–10).</summary>
    public double ToolTimeout { get; init; } = 10;

    /// <summary>Memory limit (RLIMIT_AS) of one tool call in MiB.</summary>
    public int ToolMemoryMb { get; init; } = 1024;

    /// <summary>Tool calls run in parallel at most (sandbox worker slots); 0 = 2 × cores.</summary>
    public int ToolWorkers { get; init; }

    /// <summary>Tool calls a response may make before the <c>code_turns</c> reward penalizes it (R1-Code-Interpreter:
    /// −0.1 beyond 6 turns).</summary>
    public int ToolTurnLimit { get; init; } = 6;
}
