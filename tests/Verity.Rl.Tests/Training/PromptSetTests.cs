using System.Text.Json.Nodes;
using Verity.Hub.Tokenization;
using Verity.Rl.Algorithms;
using Verity.Rl.Algorithms.Entropy;
using Verity.Rl.Config;
using Verity.Rl.Training;

namespace Verity.Rl.Tests.Training;

public class PromptSetTests
{
    private static (TempDir Dir, Tokenizer Tokenizer) Tiny()
    {
        var dir = new TempDir();
        TinyRun.Create(dir.Path, prompts: 6);
        return (dir, Tokenizer.FromFolder(Path.Combine(dir.Path, "model")));
    }

    private static DataSection Data(TempDir dir, string template, int maxPromptLength = 512) => new()
    {
        TrainFiles = [dir.File("prompts.jsonl")], PromptKey = "question", Template = template, MaxPromptLength = maxPromptLength,
    };

    [Fact]
    public void Instruction_templates_append_their_instruction_and_chat_wraps_the_question_with_the_generation_prompt()
    {
        var (dir, tokenizer) = Tiny();
        using var _ = dir;
        var boxed = PromptSet.Load(Data(dir, "boxed"), tokenizer);
        var chat = PromptSet.Load(Data(dir, "chat"), tokenizer);
        var none = PromptSet.Load(Data(dir, "none"), tokenizer);
        string question = none.Texts[0];
        Assert.Matches(@"^\d\+\d=$", question);
        Assert.Equal(question + "\nLet's think step by step and output the final answer within \\boxed{}.", boxed.Texts[0]);
        Assert.Equal($"<|im_start|>user\n{question}<|im_end|>\n<|im_start|>assistant\n", chat.Texts[0]);
        Assert.Equal(tokenizer.Encode(chat.Texts[0], addSpecialTokens: false), chat.Prompts[0].PromptIds);
        Assert.Equal(6, chat.Prompts.Count);
        Assert.All(none.Prompts, p => Assert.Matches(@"^\d$", p.Answer));
    }

    [Fact]
    public void Prompts_longer_than_max_prompt_length_are_skipped_and_none_left_is_an_error()
    {
        var (dir, tokenizer) = Tiny();
        using var _ = dir;
        File.AppendAllText(dir.File("prompts.jsonl"), "{\"question\": \"" + string.Concat(Enumerable.Repeat("9+9=", 20)) + "\", \"answer\": 18}\n");
        var set = PromptSet.Load(Data(dir, "none", maxPromptLength: 10), tokenizer);
        Assert.Equal((6, 1), (set.Prompts.Count, set.Skipped));
        var ex = Assert.Throws<InvalidDataException>(() => PromptSet.Load(Data(dir, "none", maxPromptLength: 1), tokenizer));
        Assert.Contains("data.max_prompt_length", ex.Message);
    }

    [Fact]
    public void Adaptive_controller_coefficients_and_the_sampler_position_survive_a_checkpoint()
    {
        var config = new RunConfig
        {
            Algorithm = new AlgorithmSection { Entropy = new EntropySection { Adaptive = true, Coef = 0.001, Target = 0.2, Delta = 1e-4, Max = 0.005 } },
        };
        var setup = AlgorithmSetup.From(config);
        for (int i = 0; i < 7; i++) setup.EntropyController.Update(0.1); // α climbs 7 Δ
        var sampler = new PromptSampler("random", 5, seed: 1);
        sampler.Next(3);
        var states = ControllerStates.Capture(setup, sampler)
            .ToDictionary(kv => kv.Key, kv => System.Text.Json.JsonSerializer.SerializeToElement(kv.Value));

        var fresh = new PromptSampler("random", 5, seed: 1);
        var restored = ControllerStates.Restore(AlgorithmSetup.From(config), config, states, fresh, "checkpoint-7");

        double alpha = ((AdaptiveEntropyController)setup.EntropyController).Alpha;
        Assert.Equal(0.001 + 7e-4, alpha, 12);
        Assert.Equal(alpha, ((AdaptiveEntropyController)restored.EntropyController).Alpha);
        Assert.Equal(sampler.Next(4), fresh.Next(4));
        Assert.Throws<InvalidDataException>(() => ControllerStates.Restore(setup, config, new Dictionary<string, System.Text.Json.JsonElement>(), fresh, "x"));
    }
}
