namespace Verity.Rewards.Code;

/// <summary>How test results become a scalar reward.</summary>
public enum CodeRewardMode
{
    /// <summary>1 when every selected test passes, else 0 (stops at the first failure). AceCoder/DeepCoder default.</summary>
    Binary,
    /// <summary>Fraction of selected tests passed (Klear-Reasoner soft reward, verl "continuous").</summary>
    PassRate,
}

/// <summary>Options of <see cref="CodeRewarder"/>; every field has a working default.</summary>
public sealed record CodeRewardOptions
{
    /// <summary>Binary (default) or pass rate.</summary>
    public CodeRewardMode Mode { get; init; } = CodeRewardMode.Binary;

    /// <summary>Map the reward r ∈ [0,1] to 2r−1 ∈ [−1,1] (FORMAT then scores −1). Default false.</summary>
    public bool PlusMinusOne { get; init; }

    /// <summary>Score at most this many tests per sample (0 = all). DeepCoder keeps 15, Klear 16; use 0 for eval.</summary>
    public int MaxTests { get; init; }

    /// <summary>Binary mode stops a program at its first failing test. Default true (LCB/rllm early_stop).</summary>
    public bool EarlyStop { get; init; } = true;

    /// <summary>Which fenced block holds the program when there are several. Default the last.</summary>
    public CodeBlockPick Pick { get; init; } = CodeBlockPick.Last;

    /// <summary>Accept fenced blocks with any language tag (or none); default only python/py/python3.</summary>
    public bool AnyLanguage { get; init; }

    /// <summary>Concurrent sandboxed programs. Default 2 × cores (runs wait on pipes and process start-up).</summary>
    public int Workers { get; init; } = 2 * Environment.ProcessorCount;

    /// <summary>Opt-in float tolerance (relative, absolute below 1) for stdio tokens and call return values.</summary>
    public double? FloatTolerance { get; init; }

    /// <summary>Compare stdio tokens case-insensitively (YES/yes). Default false.</summary>
    public bool IgnoreCase { get; init; }

    /// <summary>Resource limits of every run.</summary>
    public CodeLimits Limits { get; init; } = new();

    internal void Validate()
    {
        if (Workers < 1 || Workers > 256) throw new ArgumentException($"code reward: workers must be in 1..256, got {Workers}. HINT: the default is 2 × cores.");
        if (MaxTests < 0) throw new ArgumentException($"code reward: max tests must be ≥ 0 (0 = all), got {MaxTests}.");
        if (FloatTolerance is < 0) throw new ArgumentException($"code reward: float tolerance must be ≥ 0, got {FloatTolerance}.");
        Limits.Validate();
    }
}

/// <summary>
/// Reward of one response. <see cref="Score"/> is null when the sample is void (a SANDBOX_ERROR: the runner
/// failed, not the program); void samples must be left out of group statistics, never counted as 0.
/// </summary>
public sealed record CodeReward(double? Score, double PassRate, IReadOnlyList<CodeVerdict> Verdicts, string? Message)
{
    public bool IsVoid => Score is null;
}

/// <summary>A response to score and the tests of its problem.</summary>
public sealed record CodeRewardRequest(string Response, CodeTestSuite Tests);
