using Verity.Rewards.Code;

namespace Verity.Rewards.Tests.Code;

[Collection("sandbox")]
public sealed class SmokeTests(SandboxFixture fixture)
{
    [Fact]
    public void Stdio_program_is_judged()
    {
        var rewarder = fixture.Rewarder();
        var suite = new StdioSuite([new StdioCase("3\n", "6\n"), new StdioCase("5\n", "10\n")]);
        var good = rewarder.Score(CodeData.Fenced("print(int(input())*2)"), suite);
        var bad = rewarder.Score(CodeData.Fenced("print(int(input())+3)"), suite);
        Assert.Equal(1.0, good.Score);
        Assert.Equal(0.0, bad.Score);
    }
}
