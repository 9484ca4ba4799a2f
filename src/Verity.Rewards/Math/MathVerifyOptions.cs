namespace Verity.Rewards.Math;

/// <summary>Where a final answer can be found in a response.</summary>
public enum AnswerSource
{
    /// <summary>The last <c>\boxed{…}</c> / <c>\fbox{…}</c> (brace-matched); adjacent boxes joined by "and"/commas form a set.</summary>
    Boxed,
    /// <summary>"The final answer is X" (Minerva style).</summary>
    FinalAnswerIs,
    /// <summary>The last <c>#### N</c> line (GSM8K).</summary>
    Gsm8kMarker,
    /// <summary>"Answer: X", "the answer is X" (also "réponse", "答案").</summary>
    AnswerMarker,
    /// <summary>The last LaTeX environment or plain number of the response.</summary>
    LastMath,
}

/// <summary>How an answer written with % compares with one written without.</summary>
public enum PercentMode
{
    /// <summary>28% equals 28 and 0.28 (the default: models write either).</summary>
    Either,
    /// <summary>The % sign is dropped: 28% equals 28 only.</summary>
    Ignore,
    /// <summary>x% means x/100: 28% equals 0.28 only.</summary>
    Fraction,
}

/// <summary>
/// Options of the math verifier. Every field has a default that suits RL rewards on MATH/GSM8K-style data;
/// the configuration-dependent peer cases (precision, percent handling, ordered lists, variable names,
/// decimal comma, multiple choice) are reproduced by setting the field named in the peer's configuration.
/// </summary>
public sealed record MathVerifyOptions
{
    /// <summary>
    /// Extraction order: groups tried in turn; inside a group the rightmost match wins; a candidate that does not
    /// parse yields to the next. Default: [boxed, "final answer is", ####] then ["Answer:"] then [last math].
    /// </summary>
    public IReadOnlyList<IReadOnlyList<AnswerSource>> ExtractionPriority { get; init; } =
    [
        [AnswerSource.Boxed, AnswerSource.FinalAnswerIs, AnswerSource.Gsm8kMarker],
        [AnswerSource.AnswerMarker],
        [AnswerSource.LastMath],
    ];

    /// <summary>Percent handling (default Either).</summary>
    public PercentMode Percent { get; init; } = PercentMode.Either;

    /// <summary>
    /// When set, numbers compared with a decimal on either side are rounded to this many decimal places first
    /// (Math-Verify's float_rounding). When null, a relative tolerance is used instead.
    /// </summary>
    public int? DecimalPlaces { get; init; }

    /// <summary>Relative tolerance when either side holds a decimal literal (default 1e-6).</summary>
    public double RelativeTolerance { get; init; } = 1e-6;

    /// <summary>Relative tolerance for symbolic identities checked at random points (no decimals involved).</summary>
    public double SymbolicTolerance { get; init; } = 1e-8;

    /// <summary>Bare lists ("4, 10, -2") compare in order (Hendrycks string semantics). Default false: as sets.</summary>
    public bool OrderedLists { get; init; }

    /// <summary>Variable names must match (default). When false, f(y) equals f(x) if each side has one free symbol.</summary>
    public bool StrictVariables { get; init; } = true;

    /// <summary>
    /// A reference written as an interval/set may match a response written as an inequality (x∈[-2,7] vs -2≤x≤7).
    /// The other direction (reference inequality, response interval) is always allowed. Default false.
    /// </summary>
    public bool SetMatchesRelation { get; init; }

    /// <summary>A comma between digits is a decimal comma ("1000,99" = 1000.99). Default false (thousands / list).</summary>
    public bool DecimalComma { get; init; }

    /// <summary>Drop unit words after a number ("125 miles", "10\text{ cm}^2"). Default true.</summary>
    public bool StripUnits { get; init; } = true;

    /// <summary>Multiple-choice mode: both sides reduce to one option letter from <see cref="ChoiceLetters"/>.</summary>
    public bool MultipleChoice { get; init; }

    /// <summary>Valid option letters in multiple-choice mode.</summary>
    public string ChoiceLetters { get; init; } = "ABCDE";

    /// <summary>Longest response read (characters; a longer one is read from its last this-many characters).</summary>
    public int MaxResponseChars { get; init; } = 262_144;

    /// <summary>Longest extracted answer that is parsed (characters).</summary>
    public int MaxAnswerChars { get; init; } = 4_000;

    /// <summary>Most expression nodes built per answer.</summary>
    public int MaxNodes { get; init; } = 4_000;

    /// <summary>Deepest nesting followed by the parser and comparer.</summary>
    public int MaxDepth { get; init; } = 120;

    /// <summary>Most evaluation steps per verification.</summary>
    public long MaxEvaluationSteps { get; init; } = 400_000;

    /// <summary>Largest exact integer (bits) built by powers and factorials; beyond it evaluation is numeric.</summary>
    public long MaxExactBits { get; init; } = 200_000;

    /// <summary>Random points at which symbolic expressions are compared.</summary>
    public int EvaluationPoints { get; init; } = 6;

    /// <summary>Seed of those points (same seed → same verdicts).</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>The defaults.</summary>
    public static MathVerifyOptions Default { get; } = new();
}
