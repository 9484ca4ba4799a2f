using Verity.Engine.Model;
using Verity.Hub.Config;
using Verity.Hub.Safetensors;
using Verity.Hub.Tokenization;

namespace Verity.Hub.Checkpoints;

/// <summary>A model read from a folder, with the file-level facts the engine does not keep.</summary>
public sealed record LoadedModel(HfModelConfig Config, TransformerModel Model, GenerationConfig? Generation);

/// <summary>How <see cref="ModelFolder.Save"/> writes weights.</summary>
public sealed record ModelSaveOptions
{
    public StorageDType DType { get; init; } = StorageDType.BF16;

    /// <summary>Above this many data bytes the weights are split into shards plus an index.</summary>
    public long MaxShardBytes { get; init; } = SafetensorsCheckpointWriter.DefaultMaxShardBytes;

    /// <summary>Written as generation_config.json when given.</summary>
    public GenerationConfig? Generation { get; init; }

    /// <summary>A folder whose tokenizer files are copied beside the weights (usually the one loaded from).</summary>
    public string? TokenizerSource { get; init; }
}

/// <summary>
/// A Hugging Face model folder: config.json, model.safetensors (or shards + index), optional
/// generation_config.json and tokenizer files. Reads and writes the layout transformers and vLLM use.
/// </summary>
public static class ModelFolder
{
    /// <summary>Tokenizer and chat-template files copied on save when present in the source.</summary>
    public static readonly string[] TokenizerFiles =
    [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
        "vocab.json", "merges.txt", "tokenizer.model", "chat_template.jinja", "chat_template.json",
    ];

    public static HfModelConfig ReadConfig(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"{directory}: model folder not found. HINT: pass the folder holding config.json and model.safetensors.");
        return HfConfigReader.ReadFile(Path.Combine(directory, HfConfigReader.FileName));
    }

    /// <summary>generation_config.json if the folder has one.</summary>
    public static GenerationConfig? ReadGenerationConfig(string directory)
    {
        string path = Path.Combine(directory, GenerationConfig.FileName);
        return File.Exists(path) ? GenerationConfig.ReadFile(path) : null;
    }

    /// <summary>
    /// Loads config.json, the weights (every tensor checked by name and shape) and generation_config.json
    /// if present. With <paramref name="withValueHead"/> the checkpoint must hold <c>score.weight</c>.
    /// </summary>
    public static LoadedModel Load(string directory, bool withValueHead = false)
    {
        var config = ReadConfig(directory);
        var model = new TransformerModel(config.Model, withValueHead);
        LoadWeights(directory, config, model.Parameters);
        return new LoadedModel(config, model, ReadGenerationConfig(directory));
    }

    /// <summary>Fills <paramref name="destination"/> from the folder's weights, checking names and shapes.</summary>
    public static void LoadWeights(string directory, HfModelConfig config, IReadOnlyList<Parameter> destination)
    {
        using var checkpoint = SafetensorsCheckpoint.OpenDirectory(directory);
        WeightLoader.Load(checkpoint, config.Model.TieWordEmbeddings, destination);
    }

    /// <summary>
    /// The generation_config.json to write: the given one, else the tokenizer source's own; when it lists no
    /// EOS ids they come from config.json, else from the tokenizer (eos_token + its generation_config ids), so
    /// that a saved model stops where the model it came from did. Null when there is nothing to write.
    /// </summary>
    internal static GenerationConfig? ResolveGeneration(HfModelConfig config, ModelSaveOptions options)
    {
        string? source = options.TokenizerSource;
        var generation = options.Generation ?? (source is null ? null : ReadGenerationConfig(source));
        if (generation is { EosTokenIds.Count: > 0 }) return generation;
        IReadOnlyList<int> eos = config.EosTokenIds.Count > 0 ? config.EosTokenIds : TokenizerEosIds(source);
        return eos.Count > 0 ? (generation ?? new GenerationConfig()) with { EosTokenIds = eos } : generation;
    }

    private static IReadOnlyList<int> TokenizerEosIds(string? source)
    {
        if (source is null || !Directory.Exists(source)) return [];
        if (!new[] { "tokenizer.json", "encoder.json", "vocab.json" }.Any(f => File.Exists(Path.Combine(source, f)))) return [];
        try
        {
            return Tokenizer.FromFolder(source).EosTokenIds;
        }
        catch (NotSupportedException)
        {
            return [];  // a tokenizer kind Verity cannot run is still copied for other tools; it just names no EOS here
        }
    }

    /// <summary>Writes config, weights, optional generation config and tokenizer files into <paramref name="directory"/>.</summary>
    public static void Save(string directory, HfModelConfig config, IReadOnlyList<Parameter> parameters, ModelSaveOptions options)
    {
        Directory.CreateDirectory(directory);
        var stored = config with { DType = options.DType == StorageDType.F32 ? "float32" : "bfloat16" };
        HfConfigWriter.WriteFile(Path.Combine(directory, HfConfigReader.FileName), stored);
        var tensors = WeightSaver.ToTensors(parameters);
        SafetensorsCheckpointWriter.Write(directory, tensors, options.DType, options.MaxShardBytes,
            new Dictionary<string, string> { ["format"] = "pt" });
        ResolveGeneration(config, options)?.WriteFile(Path.Combine(directory, GenerationConfig.FileName));
        if (options.TokenizerSource is { } source
            && !string.Equals(Path.GetFullPath(source).TrimEnd('/'), Path.GetFullPath(directory).TrimEnd('/'), StringComparison.Ordinal))
        {
            foreach (var file in TokenizerFiles)
            {
                string from = Path.Combine(source, file);
                if (File.Exists(from)) File.Copy(from, Path.Combine(directory, file), overwrite: true);
            }
        }
    }
}
