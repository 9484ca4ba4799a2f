using System.Globalization;
using Verity.Engine.Model;
using Verity.Engine.Optim;
using Verity.Hub.Safetensors;

namespace Verity.Hub.Checkpoints;

/// <summary>
/// AdamW state for resume, as safetensors: <c>{hf name}.exp_avg</c> and <c>{hf name}.exp_avg_sq</c> in F32
/// (bf16 moments would change the run), with the step count in the metadata.
/// </summary>
public static class OptimizerStateFile
{
    public const string FileName = "optimizer.safetensors";
    private const string FormatKey = "format";
    private const string Format = "verity-adamw-1";
    private const string StepKey = "step";
    private const string ExpAvg = ".exp_avg";
    private const string ExpAvgSq = ".exp_avg_sq";

    public static void Save(string path, AdamW optimizer)
    {
        var tensors = new List<TensorToWrite>();
        foreach (var p in optimizer.Parameters)
        {
            if (optimizer.GetState(p.Key) is not { } s) continue;
            string name = HfWeightNames.ToHfName(p.Key);
            tensors.Add(new TensorToWrite(name + ExpAvg, p.Shape, s.ExpAvg));
            tensors.Add(new TensorToWrite(name + ExpAvgSq, p.Shape, s.ExpAvgSq));
        }
        var metadata = new Dictionary<string, string>
        {
            [FormatKey] = Format,
            [StepKey] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture),
        };
        SafetensorsWriter.Write(path, tensors, StorageDType.F32, metadata);
    }

    public static void Load(string path, AdamW optimizer)
    {
        using var file = SafetensorsFile.Open(path);
        if (!file.Metadata.TryGetValue(FormatKey, out var format) || format != Format)
            throw new InvalidDataException($"{path}: metadata '{FormatKey}' is '{format}', expected '{Format}'. HINT: this is not a Verity AdamW state file.");
        if (!file.Metadata.TryGetValue(StepKey, out var stepText) || !long.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out long step))
            throw new InvalidDataException($"{path}: metadata '{StepKey}' must be a non-negative integer, found '{stepText}'. HINT: the file is corrupt.");
        var byName = optimizer.Parameters.ToDictionary(p => HfWeightNames.ToHfName(p.Key));
        var moments = new Dictionary<ParameterKey, (float[], float[])>();
        foreach (var t in file.Tensors)
        {
            if (!t.Name.EndsWith(ExpAvg, StringComparison.Ordinal)) continue;
            string name = t.Name[..^ExpAvg.Length];
            if (!byName.TryGetValue(name, out var p))
                throw new InvalidDataException($"{path}: tensor '{t.Name}' belongs to parameter '{name}', which the model does not have. HINT: the optimizer state belongs to a different model.");
            if (t.ElementCount != p.Length || !file.Contains(name + ExpAvgSq))
                throw new InvalidDataException($"{path}: tensor '{t.Name}' has shape {t.ShapeText}, expected [{string.Join(", ", p.Shape)}] with a matching '{name}{ExpAvgSq}'. HINT: the optimizer state belongs to a different model.");
            moments[p.Key] = (file.ReadFloat32(t.Name), file.ReadFloat32(name + ExpAvgSq));
        }
        optimizer.SetState(step, moments);
    }
}
