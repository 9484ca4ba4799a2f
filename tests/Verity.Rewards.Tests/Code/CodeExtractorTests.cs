using Verity.Rewards.Code;

namespace Verity.Rewards.Tests.Code;

public sealed class CodeExtractorTests
{
    private const string TwoBlocks = "First try:\n```python\nprint(1)\n```\nBetter:\n```py\nprint(2)\n```\nDone.";

    [Fact]
    public void Takes_the_last_python_block_by_default_and_the_first_when_asked()
    {
        Assert.Equal("print(2)\n", CodeExtractor.Extract(TwoBlocks));
        Assert.Equal("print(1)\n", CodeExtractor.Extract(TwoBlocks, CodeBlockPick.First));
    }

    [Fact]
    public void Ignores_other_languages_unless_any_language_is_set()
    {
        string text = "```python\nprint(1)\n```\n```bash\nrm -rf /\n```\n```\nprint(3)\n```";
        Assert.Equal("print(1)\n", CodeExtractor.Extract(text));
        Assert.Equal("print(3)\n", CodeExtractor.Extract(text, anyLanguage: true));
    }

    [Fact]
    public void No_block_gives_null_and_an_unclosed_last_block_still_counts()
    {
        Assert.Null(CodeExtractor.Extract("def f(): return 1"));
        Assert.Null(CodeExtractor.Extract("```bash\nls\n```"));
        Assert.Equal("print(5)\n", CodeExtractor.Extract("Here:\r\n```python\r\nprint(5)\r\n"));
    }
}
