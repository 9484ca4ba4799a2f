using System.CommandLine;
using Verity.Hub.Tokenization;

namespace Verity.Cli.Commands;

/// <summary><c>verity tokenize</c>: JSONL texts → JSONL token ids with a model folder's tokenizer.</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder with tokenizer.json (or GPT-2 encoder.json + vocab.bpe).", Required = true };
        var input = new Option<string>("--input") { Description = "JSONL file, one {\"text\": ...} per line.", Required = true };
        var output = new Option<string>("--output") { Description = "JSONL file to write, one {\"ids\": [...]} per line.", Required = true };
        var special = new Option<bool>("--add-special-tokens") { Description = "Apply the tokenizer's post-processor (e.g. Llama's BOS).", DefaultValueFactory = _ => false };
        var command = new Command("tokenize", "Encode texts from a JSONL file to token ids with a Hugging Face tokenizer.");
        command.Options.Add(model);
        command.Options.Add(input);
        command.Options.Add(output);
        command.Options.Add(special);
        command.SetAction(parse =>
        {
            var tokenizer = Tokenizer.FromFolder(parse.GetValue(model)!);
            int lines = JsonlTokenizing.EncodeFile(tokenizer, parse.GetValue(input)!, parse.GetValue(output)!, parse.GetValue(special));
            parse.InvocationConfiguration.Output.WriteLine($"tokenized {lines} lines -> {parse.GetValue(output)}");
            return 0;
        });
        return command;
    }
}
