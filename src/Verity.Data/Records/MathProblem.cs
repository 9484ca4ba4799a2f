namespace Verity.Data.Records;

/// <summary>A math problem with its reference answer (the benchmark and training files' schema).</summary>
/// <param name="Id">Stable id from the source file (e.g. <c>test/precalculus/807.json</c>).</param>
/// <param name="Problem">The question text, LaTeX allowed.</param>
/// <param name="Answer">The reference final answer, as text for the verifier.</param>
/// <param name="Solution">A worked solution when the source has one.</param>
public sealed record MathProblem(string Id, string Problem, string Answer, string? Solution = null);
