using Verity.Engine.Generation;
using Verity.Hub.Tokenization;

namespace Verity.Rl.Training;

/// <summary>
/// rollout.stop for <see cref="RlStep"/>: the Hub's <see cref="StopStrings"/> as a generation criterion, and
/// the cut of the decoded response before the first stop string (what the reward sees, as vLLM returns it).
/// Ids of padded embedding rows (model vocab &gt; tokenizer vocab) are no text, so they are left out here too.
/// </summary>
internal sealed class RolloutStops
{
    private readonly StopStrings _stops;
    private readonly int _tokenizerVocab;
    private readonly bool _padded;

    public RolloutStops(Tokenizer tokenizer, IReadOnlyList<string> stops, int modelVocab)
    {
        _stops = new StopStrings(tokenizer, stops);
        _tokenizerVocab = tokenizer.VocabSize;
        _padded = modelVocab > tokenizer.VocabSize;
    }

    /// <summary>For <see cref="GenerationRequest.StopCriterion"/>; null without stop strings.</summary>
    public StopCriterion? Criterion => _stops.IsEmpty ? null : ShouldStop;

    /// <summary>The decoded response cut before the first stop string (unchanged without stop strings).</summary>
    public string Cut(string text) => _stops.IsEmpty ? text : _stops.Truncate(text);

    private bool ShouldStop(IReadOnlyList<int> ids)
    {
        if (!_padded) return _stops.ShouldStop(ids);
        if (ids[^1] >= _tokenizerVocab) return false;
        return _stops.ShouldStop(ids.Where(id => id < _tokenizerVocab).ToList());
    }
}
