using Verity.Data.Templates;
using Verity.Hub.Templates;
using Verity.Hub.Tokenization;
using Verity.Hub.Tokenization.Training;

namespace Verity.Data.Tests;

public class PromptFormatterTests
{
    private static Tokenizer Trained(out string dir)
    {
        dir = Directory.CreateTempSubdirectory("verity-prompt-").FullName;
        var corpus = Enumerable.Range(0, 50).Select(i => $"What is {i} plus {i}? The answer is \\boxed{{{2 * i}}}.").ToList();
        TrainedTokenizerWriter.Write(BpeTrainer.Train(corpus, new BpeTrainerOptions(280, ["<|im_start|>", "<|im_end|>", "<|endoftext|>"])), dir);
        return Tokenizer.FromFolder(dir);
    }

    [Fact]
    public void Chat_wraps_the_boxed_instruction_in_the_tokenizers_template_and_plain_templates_append_text()
    {
        var tokenizer = Trained(out var dir);
        try
        {
            var chat = new PromptFormatter(tokenizer, "chat");
            string text = chat.Text("What is 2 plus 2?");
            Assert.Equal(ChatTemplate.Apply(tokenizer, [new ChatMessage("user", InstructionTemplates.Get("boxed")("What is 2 plus 2?"))], addGenerationPrompt: true), text);
            Assert.Contains("\\boxed{}", text);
            // the chat markers are single added tokens, not spelled out in bytes
            int start = tokenizer.TokenToId("<|im_start|>")!.Value;
            Assert.Equal(start, chat.Encode("What is 2 plus 2?")[0]);
            Assert.Equal("Q\nLet's think step by step and output the final answer after \"####\".", new PromptFormatter(tokenizer, "gsm8k").Text("Q"));
            Assert.Equal("Q", new PromptFormatter(tokenizer, "none").Text("Q"));
            var ex = Assert.Throws<ArgumentException>(() => new PromptFormatter(tokenizer, "boxd"));
            Assert.Contains("chat", ex.Message);
            Assert.Contains("boxed", ex.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
