namespace Verity.Engine.Model;

/// <summary>The parameters of one decoder layer; optional ones are null when the config lacks them.</summary>
internal sealed class LayerWeights
{
    public required Parameter AttnNorm, QProj, KProj, VProj, OProj, MlpNorm, GateProj, UpProj, DownProj;
    public Parameter? QBias, KBias, VBias, OBias, QNorm, KNorm;
}
