using Verity.Engine.Model;
using Verity.Hub.Safetensors;

namespace Verity.Hub.Checkpoints;

/// <summary>
/// Copies a checkpoint's tensors into a model's parameters, by name through <see cref="HfWeightNames"/>.
/// Every parameter must be found with exactly its shape and every tensor in the file must be used — a
/// silently ignored or missing weight gives a model that runs and is wrong.
/// </summary>
public static class WeightLoader
{
    /// <param name="checkpoint">The open weights.</param>
    /// <param name="tieWordEmbeddings">When true, a <c>lm_head.weight</c> in the file is skipped: the head is the
    /// embedding (some Qwen3 snapshots store the copy anyway).</param>
    /// <param name="destination">Parameters to fill (their keys and shapes are the expectation).</param>
    public static void Load(SafetensorsCheckpoint checkpoint, bool tieWordEmbeddings, IReadOnlyList<Parameter> destination)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var p in destination)
        {
            string name = HfWeightNames.ToHfName(p.Key);
            if (!checkpoint.Contains(name))
            {
                missing.Add(name);
                continue;
            }
            var info = checkpoint.Get(name);
            if (!info.Shape.Select(d => d).SequenceEqual(p.Shape.Select(d => (long)d)))
                throw new InvalidDataException($"{checkpoint.PathOf(name)}: tensor '{name}' has shape {info.ShapeText}, expected [{string.Join(", ", p.Shape)}] from config.json. HINT: config.json and the weights come from different models.");
            checkpoint.ReadFloat32(name, p.Data);
            used.Add(name);
        }
        if (missing.Count > 0)
            throw new InvalidDataException($"{checkpoint.Source}: tensor '{missing[0]}' is missing{(missing.Count > 1 ? $" (and {missing.Count - 1} more)" : "")}. HINT: config.json and the weights come from different models (check tie_word_embeddings, attention_bias, model_type).");
        string tiedHead = HfWeightNames.ToHfName(new ParameterKey(ParameterKind.LmHead));
        var unexpected = checkpoint.Names.Where(n => !used.Contains(n) && !(tieWordEmbeddings && n == tiedHead)).Order(StringComparer.Ordinal).ToList();
        if (unexpected.Count > 0)
            throw new InvalidDataException($"{checkpoint.Source}: tensor '{unexpected[0]}' is unexpected{(unexpected.Count > 1 ? $" (and {unexpected.Count - 1} more)" : "")}. HINT: the checkpoint has weights this config does not describe (check model_type, attention_bias, tie_word_embeddings).");
    }
}
