using Verity.Engine.Model;
using Verity.Engine.Optim;
using Verity.Hub.Checkpoints;
using Verity.Hub.Config;
using Verity.Hub.Safetensors;
using Verity.Rl.Config;

namespace Verity.Rl.Training;

/// <summary>
/// The value model of PPO (adv_estimator gae): a transformer with a scalar head <c>score.weight</c> [1, C] on the
/// final-normed hidden state, trained by its own AdamW at optim.critic_lr. On disk it is a Hugging Face folder in
/// the AutoModelForTokenClassification (num_labels = 1) layout verl's critic uses: <c>model.*</c> and
/// <c>score.weight</c>, no LM head (an untied LM head is frozen and never saved: the critic does not predict
/// tokens), plus <c>optimizer.safetensors</c> inside a checkpoint.
/// </summary>
public sealed class Critic
{
    /// <summary>Subfolder of a checkpoint holding the critic.</summary>
    public const string FolderName = "critic";

    Critic(HfModelConfig config, TransformerModel model, RunConfig run)
    {
        Config = config;
        Model = model;
        if (model.TryGet(new ParameterKey(ParameterKind.LmHead), out var head)) head.Frozen = true;
        var o = run.Optim;
        Optimizer = new AdamW(Trainable, new AdamWOptions
        {
            LearningRate = o.CriticLr, Beta1 = o.Betas[0], Beta2 = o.Betas[1], Eps = o.Eps, WeightDecay = o.WeightDecay,
            Decays = AdamWOptions.DecayMatricesOnly,
        });
        (LearningRate, GradClip, ValueClip, WarmupSteps) = (o.CriticLr, o.GradClip, run.Algorithm.ValueClip, run.Trainer.CriticWarmup);
    }

    public HfModelConfig Config { get; }

    public TransformerModel Model { get; }

    public AdamW Optimizer { get; }

    /// <summary>optim.critic_lr, constant (verl's critic default schedule).</summary>
    public double LearningRate { get; }

    /// <summary>optim.grad_clip, applied to the critic's own gradient norm.</summary>
    public double GradClip { get; }

    /// <summary>algorithm.value_clip c (null: none).</summary>
    public double? ValueClip { get; }

    /// <summary>trainer.critic_warmup: the first this many steps train only the critic.</summary>
    public int WarmupSteps { get; }

    /// <summary>True while the actor waits for the critic (steps 1..critic_warmup).</summary>
    public bool FreezesActor(long step) => step <= WarmupSteps;

    /// <summary>Every parameter the critic trains and saves: all but an untied LM head.</summary>
    IReadOnlyList<Parameter> Trainable => Model.Parameters.Where(p => p.Key.Kind != ParameterKind.LmHead).ToList();

    /// <summary>
    /// The run's critic: loaded from model.critic_path (which must hold score.weight), or else a copy of the
    /// policy's weights with a zero value head, so every first value is 0 and the first advantages are the
    /// whitened returns (the head gets a gradient at once; the backbone from the next update on).
    /// </summary>
    public static Critic Create(RunConfig run, LoadedModel policy, int tokenizerVocab)
    {
        if (run.Model.CriticPath is not { Length: > 0 } path)
        {
            var model = new TransformerModel(policy.Model.Config, withValueHead: true);
            foreach (var p in policy.Model.Parameters) p.Data.CopyTo(model.Get(p.Key).Data, 0);
            return new Critic(policy.Config, model, run);
        }
        if (!Directory.Exists(path))
            throw new DirectoryNotFoundException($"{path}: critic folder not found (model.critic_path). HINT: pass a critic saved by verity train (checkpoint-<step>/critic), or leave model.critic_path null to start the critic from the policy");
        var config = ModelFolder.ReadConfig(path);
        if (config.Model.VocabSize < tokenizerVocab)
            throw new InvalidDataException($"{path}: the critic has {config.Model.VocabSize} token embeddings but the tokenizer {tokenizerVocab} tokens (model.critic_path). HINT: the critic must share the policy's tokenizer");
        var critic = new Critic(config, new TransformerModel(config.Model, withValueHead: true), run);
        critic.LoadWeights(path);
        return critic;
    }

    /// <summary>Writes the critic's weights (F32) and optimizer state into <paramref name="directory"/>.</summary>
    public void Save(string directory)
    {
        ModelFolder.Save(directory, Config, Trainable, new ModelSaveOptions { DType = StorageDType.F32 });
        OptimizerStateFile.Save(Path.Combine(directory, OptimizerStateFile.FileName), Optimizer);
    }

    /// <summary>Restores weights and optimizer state from a checkpoint's critic folder.</summary>
    public void Restore(string checkpoint)
    {
        string directory = Path.Combine(checkpoint, FolderName);
        if (!Directory.Exists(directory))
            throw new InvalidDataException($"{checkpoint}: has no {FolderName}/ folder, but adv_estimator gae resumes a critic. HINT: this checkpoint comes from a run without a critic; start afresh with --resume none");
        LoadWeights(directory);
        OptimizerStateFile.Load(Path.Combine(directory, OptimizerStateFile.FileName), Optimizer);
    }

    void LoadWeights(string directory)
    {
        using var checkpoint = SafetensorsCheckpoint.OpenDirectory(directory);
        string score = HfWeightNames.ToHfName(new ParameterKey(ParameterKind.ValueHead));
        if (!checkpoint.Contains(score))
            throw new InvalidDataException($"{checkpoint.Source}: no tensor '{score}' (the value head), so this is not a critic. HINT: point model.critic_path at a critic saved by verity train (checkpoint-<step>/critic), or leave it null to start the critic from the policy");
        // A checkpoint may carry the LM head of the model it came from; the critic keeps it frozen.
        bool hasHead = checkpoint.Contains(HfWeightNames.ToHfName(new ParameterKey(ParameterKind.LmHead)));
        WeightLoader.Load(checkpoint, Config.Model.TieWordEmbeddings, hasHead ? Model.Parameters : Trainable);
    }
}
