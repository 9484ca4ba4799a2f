using Verity.Engine.Model;
using Verity.Hub.Safetensors;

namespace Verity.Hub.Checkpoints;

/// <summary>Turns parameters into named tensors for the safetensors writer.</summary>
public static class WeightSaver
{
    public static List<TensorToWrite> ToTensors(IReadOnlyList<Parameter> parameters) =>
        parameters.Select(p => new TensorToWrite(HfWeightNames.ToHfName(p.Key), p.Shape, p.Data)).ToList();
}
