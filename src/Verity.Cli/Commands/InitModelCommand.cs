using System.CommandLine;
using Verity.Engine.Model;
using Verity.Hub.Checkpoints;
using Verity.Hub.Config;
using Verity.Hub.Safetensors;

namespace Verity.Cli.Commands;

/// <summary>
/// <c>verity init-model</c>: a randomly initialised model in Hugging Face layout (config.json +
/// model.safetensors), for tests, benchmarks and demos that must not download anything.
/// </summary>
internal static class InitModelCommand
{
    private static readonly Dictionary<string, ModelFamily> Families = new(StringComparer.Ordinal)
    {
        ["llama"] = ModelFamily.Llama,
        ["qwen2"] = ModelFamily.Qwen2,
        ["qwen3"] = ModelFamily.Qwen3,
    };

    public static Command Create()
    {
        var family = new Option<string>("--family") { Description = "Architecture: llama, qwen2 (q/k/v bias) or qwen3 (q/k norm).", Required = true };
        var hidden = new Option<int>("--hidden") { Description = "Hidden size C.", Required = true };
        var layers = new Option<int>("--layers") { Description = "Decoder layers L.", Required = true };
        var heads = new Option<int>("--heads") { Description = "Query heads NH.", Required = true };
        var kvHeads = new Option<int?>("--kv-heads") { Description = "Key/value heads NKV (default: --heads)." };
        var intermediate = new Option<int>("--intermediate") { Description = "MLP width I.", Required = true };
        var vocab = new Option<int>("--vocab") { Description = "Vocabulary size V.", Required = true };
        var headDim = new Option<int?>("--head-dim") { Description = "Per-head width HD (default: hidden / heads)." };
        var tied = new Option<bool>("--tied") { Description = "Tie the LM head to the token embedding." };
        var maxPositions = new Option<int>("--max-positions") { Description = "max_position_embeddings.", DefaultValueFactory = _ => 2048 };
        var seed = new Option<int>("--seed") { Description = "Random seed (same seed → same weights).", DefaultValueFactory = _ => 0 };
        var std = new Option<float>("--std") { Description = "Standard deviation of the matrix initialisation.", DefaultValueFactory = _ => 0.02f };
        var dtype = new Option<string>("--dtype") { Description = "Stored dtype: f32 or bf16.", DefaultValueFactory = _ => "f32" };
        var outDir = new Option<string>("--out") { Description = "Folder to write (created if missing).", Required = true };

        var command = new Command("init-model", "Write a randomly initialised model (config.json + model.safetensors) in Hugging Face layout.");
        foreach (var o in new Option[] { family, hidden, layers, heads, kvHeads, intermediate, vocab, headDim, tied, maxPositions, seed, std, dtype, outDir })
            command.Options.Add(o);
        command.SetAction(parse =>
        {
            string familyName = parse.GetValue(family)!;
            if (!Families.TryGetValue(familyName, out var f))
                throw new ArgumentException($"--family '{familyName}' is unknown (known: {string.Join(", ", Families.Keys)}).");
            var storage = parse.GetValue(dtype) switch
            {
                "f32" => StorageDType.F32,
                "bf16" => StorageDType.BF16,
                var other => throw new ArgumentException($"--dtype '{other}' is unknown (known: f32, bf16)."),
            };
            int h = parse.GetValue(hidden), nh = parse.GetValue(heads);
            if (nh <= 0) throw new ArgumentException($"--heads must be positive, got {nh}.");
            int? hd = parse.GetValue(headDim);
            if (hd is null && h % nh != 0)
                throw new ArgumentException($"--hidden {h} is not divisible by --heads {nh}. HINT: pass --head-dim.");
            var model = new ModelConfig
            {
                VocabSize = parse.GetValue(vocab),
                HiddenSize = h,
                IntermediateSize = parse.GetValue(intermediate),
                NumLayers = parse.GetValue(layers),
                NumHeads = nh,
                NumKvHeads = parse.GetValue(kvHeads) ?? nh,
                HeadDim = hd ?? h / nh,
                QkvBias = f == ModelFamily.Qwen2,
                QkNorm = f == ModelFamily.Qwen3,
                TieWordEmbeddings = parse.GetValue(tied),
                RopeTheta = f == ModelFamily.Llama ? 500000.0 : 1000000.0,
                RmsNormEps = f == ModelFamily.Llama ? 1e-5f : 1e-6f,
                MaxPositionEmbeddings = parse.GetValue(maxPositions),
            };
            model.Validate();
            var transformer = new TransformerModel(model);
            transformer.InitRandom(parse.GetValue(seed), parse.GetValue(std));
            string dir = parse.GetValue(outDir)!;
            var config = new HfModelConfig { Family = f, Model = model };
            ModelFolder.Save(dir, config, transformer.Parameters, new ModelSaveOptions { DType = storage });
            long count = transformer.Parameters.Sum(p => (long)p.Length);
            parse.InvocationConfiguration.Output.WriteLine($"wrote {dir}: {familyName}, {count:N0} parameters, {parse.GetValue(dtype)}");
            return 0;
        });
        return command;
    }
}
