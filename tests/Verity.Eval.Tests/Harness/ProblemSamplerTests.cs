using Verity.Data.Records;
using Verity.Engine.Generation;
using Verity.Eval.Harness;

namespace Verity.Eval.Tests.Harness;

public class ProblemSamplerTests : IDisposable
{
    private readonly TinyModelFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static readonly MathProblem[] Problems =
    [
        new("p0", "What is 3 plus 4?", "31415926"),
        new("p1", "What is 10 plus 20?", "27182818"),
        new("p2", "What is 7 plus 8?", "16180339"),
    ];

    private IReadOnlyList<ProblemOutcome> Sample(int chunk, ulong seed = 5)
    {
        var model = SamplingModel.Load(_folder.Path);
        return new ProblemSampler(model.Generator, model.Tokenizer, new Verity.Data.Templates.PromptFormatter(model.Tokenizer, "boxed"),
            new SamplingParams { N = 3, Temperature = 1f, MaxNewTokens = 12, Seed = seed }, model.StopTokenIds) { ChunkSize = chunk }.Run(Problems);
    }

    [Fact]
    public void A_random_model_scores_zero_on_unreachable_answers_with_k_verified_samples_each()
    {
        var outcomes = Sample(chunk: 16);
        Assert.Equal(3, outcomes.Count);
        Assert.All(outcomes, o => Assert.Equal(3, o.Samples.Count));
        Assert.All(outcomes.SelectMany(o => o.Samples), s =>
        {
            Assert.InRange(s.Length, 1, 12);
            Assert.True(!s.Truncated || s.Length == 12);
            Assert.Contains(s.Verdict, new[] { "wrong", "no_answer", "unparseable" });
        });
        var scores = BenchmarkScores.Compute("tiny", outcomes);
        Assert.Equal(0, scores.AvgAtK);
        Assert.Equal(0, scores.PassAtK);
        Assert.Equal(0, scores.MajAtK);
    }

    [Fact]
    public void Samples_depend_on_the_seed_only_not_on_the_chunking()
    {
        var whole = Sample(chunk: 16);
        var oneByOne = Sample(chunk: 1);
        var otherSeed = Sample(chunk: 16, seed: 6);
        Assert.Equal(whole.SelectMany(o => o.Samples.Select(s => s.Response)), oneByOne.SelectMany(o => o.Samples.Select(s => s.Response)));
        Assert.NotEqual(whole.SelectMany(o => o.Samples.Select(s => s.Response)), otherSeed.SelectMany(o => o.Samples.Select(s => s.Response)));
    }
}
