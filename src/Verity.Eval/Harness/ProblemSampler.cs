using Verity.Data.Records;
using Verity.Data.Templates;
using Verity.Engine.Generation;
using Verity.Hub.Tokenization;
using Verity.Rewards.Math;

namespace Verity.Eval.Harness;

/// <summary>One verified sample.</summary>
/// <param name="Response">Decoded completion without special tokens.</param>
/// <param name="Extracted">The verifier's extracted answer (the maj@k vote key), null when none.</param>
/// <param name="Verdict">correct, wrong, no_answer or unparseable.</param>
/// <param name="Score">1 when correct, else 0.</param>
/// <param name="Length">Completion length in tokens (a final stop token included).</param>
/// <param name="Truncated">It hit max_new_tokens without stopping.</param>
public sealed record SampleOutcome(string Response, string? Extracted, string Verdict, int Score, int Length, bool Truncated)
{
    public bool Correct => Score == 1;
}

/// <summary>A problem with its k verified samples.</summary>
/// <param name="Problem">The problem.</param>
/// <param name="Samples">k samples in sample order.</param>
/// <param name="Error">Why the generator rejected the request (e.g. the prompt does not fit the context); its
/// k samples are then empty, scored 0 with verdict <c>rejected</c>, so the problem still counts.</param>
public sealed record ProblemOutcome(MathProblem Problem, IReadOnlyList<SampleOutcome> Samples, string? Error = null)
{
    public int CorrectCount => Samples.Count(s => s.Correct);
}

/// <summary>
/// Samples k completions per problem with the engine's generator (continuous batching, stop on EOS) and
/// verifies each against the reference with <see cref="MathVerifier"/>. Problems go to the generator in
/// chunks so long runs report progress; each problem's random stream depends only on the seed and its
/// index, so the chunk size does not change the samples.
/// </summary>
public sealed class ProblemSampler(Generator generator, Tokenizer tokenizer, PromptFormatter prompts, SamplingParams sampling, IReadOnlyCollection<int> stopTokenIds)
{
    /// <summary>Problems per generate call (one progress line each).</summary>
    public int ChunkSize { get; init; } = 16;

    public IReadOnlyList<ProblemOutcome> Run(IReadOnlyList<MathProblem> problems, Action<int, int>? progress = null)
    {
        var outcomes = new List<ProblemOutcome>(problems.Count);
        for (int start = 0; start < problems.Count; start += ChunkSize)
        {
            var chunk = problems.Skip(start).Take(ChunkSize).ToList();
            var requests = chunk.Select((p, j) => new GenerationRequest(prompts.Encode(p.Problem),
                sampling with { Seed = SeedFor(sampling.Seed, start + j) }) { StopTokenIds = stopTokenIds }).ToList();
            var result = generator.Generate(requests);
            for (int j = 0; j < chunk.Count; j++)
            {
                var r = result.Requests[j];
                if (r.Error is { } error)
                {
                    // One over-long prompt must not end a multi-hour evaluation; it scores 0 and is reported.
                    var rejected = new SampleOutcome("", null, "rejected", 0, 0, false);
                    outcomes.Add(new ProblemOutcome(chunk[j], Enumerable.Repeat(rejected, sampling.N).ToList(), error));
                    continue;
                }
                outcomes.Add(new ProblemOutcome(chunk[j], r.Samples.Select(s => Verify(s, chunk[j].Answer)).ToList()));
            }
            progress?.Invoke(outcomes.Count, problems.Count);
        }
        return outcomes;
    }

    private SampleOutcome Verify(GeneratedSample sample, string reference)
    {
        // Checkpoints often pad the embedding past the tokenizer (Qwen: 151,936 rows, 151,665 tokens); a sampled
        // padding id has no text, so it is dropped from the decoded response rather than failing the run.
        var ids = sample.CompletionIds.Where(id => id < tokenizer.VocabSize).ToArray();
        string response = tokenizer.Decode(ids, skipSpecialTokens: true);
        var v = MathVerifier.Verify(response, reference);
        return new SampleOutcome(response, v.Extracted, v.VerdictName, v.Score, sample.CompletionIds.Length, sample.Finish == FinishReason.Length);
    }

    /// <summary>Seed of problem <paramref name="index"/>'s random stream (splitmix-style spread of the run seed).</summary>
    public static ulong SeedFor(ulong seed, int index) => seed * 0x9E3779B97F4A7C15UL + (ulong)index * 0xBF58476D1CE4E5B9UL + 1;
}
