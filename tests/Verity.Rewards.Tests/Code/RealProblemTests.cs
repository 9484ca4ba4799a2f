using Verity.Rewards.Code;
using Xunit.Abstractions;

namespace Verity.Rewards.Tests.Code;

/// <summary>The 64 real problems of shared/data/code: every reference solution scores 1, and a subtly wrong
/// version of each (tests/fixtures/code/wrong_solutions.jsonl, one small edit of the reference) scores below 1.</summary>
[Collection("sandbox")]
public sealed class RealProblemTests(SandboxFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void Reference_solutions_score_one_and_wrong_solutions_score_below_one()
    {
        // Given every problem twice: its reference solution and its wrong twin, scored in one batch
        var problems = CodeData.Problems();
        var wrong = CodeData.WrongSolutions();
        Assert.Equal(64, problems.Count);
        var batch = problems.Select(p => new CodeRewardRequest(CodeData.Fenced(p.Canonical), p.Tests))
            .Concat(problems.Select(p => new CodeRewardRequest(CodeData.Fenced(wrong[p.Id]), p.Tests))).ToArray();
        var rewarder = fixture.Rewarder(new CodeRewardOptions { Mode = CodeRewardMode.PassRate },
            SandboxFixture.FastLimits with { TestTimeout = TimeSpan.FromSeconds(6) });

        // When
        var rewards = rewarder.ScoreBatch(batch);

        // Then
        var failures = new List<string>();
        for (int i = 0; i < problems.Count; i++)
        {
            var right = rewards[i];
            var bad = rewards[problems.Count + i];
            if (right.Score != 1.0) failures.Add($"{problems[i].Id} reference scored {right.Score} [{string.Join(",", right.Verdicts)}] {right.Message}");
            if (bad.IsVoid || bad.Score >= 1.0) failures.Add($"{problems[i].Id} wrong solution scored {bad.Score}");
            Assert.Equal(problems[i].Tests.Count, right.Verdicts.Count);
        }
        output.WriteLine($"{rewarder.ProgramsRun} programs, {rewarder.Launches} sandboxed processes");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
