using Verity.Data.Templates;
using Verity.Engine.Generation;
using Verity.Hub.Checkpoints;
using Verity.Hub.Tokenization;

namespace Verity.Eval.Harness;

/// <summary>
/// A model folder made ready to sample from: weights, its tokenizer and the stop ids (the tokenizer's EOS
/// ids plus generation_config.json's), shared by eval and the generation-based data steps.
/// </summary>
public sealed class SamplingModel
{
    public required LoadedModel Loaded { get; init; }
    public required Tokenizer Tokenizer { get; init; }
    public required IReadOnlyList<int> StopTokenIds { get; init; }
    public required Generator Generator { get; init; }

    public static SamplingModel Load(string directory, int maxConcurrent = 64)
    {
        var loaded = ModelFolder.Load(directory);
        if (!File.Exists(Path.Combine(directory, "tokenizer.json")))
            throw new FileNotFoundException($"{directory}: no tokenizer.json beside the weights. HINT: copy the tokenizer files into the model folder (verity tokenizer train writes them).", Path.Combine(directory, "tokenizer.json"));
        var tokenizer = Tokenizer.FromFolder(directory);
        var stop = tokenizer.EosTokenIds.Concat(loaded.Generation?.EosTokenIds ?? []).Concat(loaded.Config.EosTokenIds).Distinct().ToList();
        if (stop.Count == 0)
            throw new InvalidDataException($"{directory}: neither tokenizer_config.json nor generation_config.json names an EOS token, so samples could never stop. HINT: set eos_token in tokenizer_config.json.");
        var generator = new Generator(loaded.Model, new GeneratorOptions { MaxConcurrentSequences = maxConcurrent, DefaultStopTokenIds = stop });
        return new SamplingModel { Loaded = loaded, Tokenizer = tokenizer, StopTokenIds = stop, Generator = generator };
    }

    public ProblemSampler Sampler(string template, SamplingParams sampling) =>
        new(Generator, Tokenizer, new PromptFormatter(Tokenizer, template), sampling, StopTokenIds);
}
