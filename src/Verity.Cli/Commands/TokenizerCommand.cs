using System.CommandLine;
using Verity.Hub.Tokenization;
using Verity.Hub.Tokenization.Training;

namespace Verity.Cli.Commands;

/// <summary><c>verity tokenizer train</c>: learn a byte-level BPE tokenizer and write it in Hugging Face format.</summary>
internal static class TokenizerCommand
{
    public static Command Create()
    {
        var command = new Command("tokenizer", "Tokenizer tools.");
        command.Subcommands.Add(CreateTrain());
        return command;
    }

    private static Command CreateTrain()
    {
        var input = new Option<string>("--input") { Description = "Training corpus: a UTF-8 text file, or JSONL with one {\"text\": ...} per line.", Required = true };
        var vocabSize = new Option<int>("--vocab-size") { Description = "Total vocabulary: 256 byte tokens + merges + special tokens.", Required = true };
        var output = new Option<string>("--out") { Description = "Folder to write tokenizer.json and tokenizer_config.json into.", Required = true };
        var specials = new Option<string>("--special-tokens")
        {
            Description = "Comma-separated special tokens, given ids after the BPE vocabulary.",
            DefaultValueFactory = _ => "<|endoftext|>,<|im_start|>,<|im_end|>",
        };
        var command = new Command("train", "Learn byte-level BPE merges (Qwen-style regex pre-tokenization) from a corpus.");
        command.Options.Add(input);
        command.Options.Add(vocabSize);
        command.Options.Add(output);
        command.Options.Add(specials);
        command.SetAction(parse =>
        {
            var tokens = parse.GetValue(specials)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var bpe = BpeTrainer.Train(TrainingCorpus.Read(parse.GetValue(input)!), new BpeTrainerOptions(parse.GetValue(vocabSize), tokens));
            string dir = parse.GetValue(output)!;
            TrainedTokenizerWriter.Write(bpe, dir);
            var check = Tokenizer.FromFolder(dir);  // read back what was written
            parse.InvocationConfiguration.Output.WriteLine($"trained {bpe.Merges.Count} merges, vocab {check.VocabSize} ({bpe.Tokens.Count} BPE + {tokens.Length} special) -> {dir}");
            return 0;
        });
        return command;
    }
}
