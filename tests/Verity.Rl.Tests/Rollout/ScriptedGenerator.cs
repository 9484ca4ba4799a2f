using Verity.Engine.Generation;

namespace Verity.Rl.Tests.Rollout;

/// <summary>
/// A stand-in for the generator whose "model" is a script: given the text so far (prompt + response, tool output
/// included) it says what it would write next, ending with EOS. Tokens are characters. Like the real generator it
/// emits one token at a time and stops on a stop id, on the request's stop criterion (checked after every token)
/// or at max_new_tokens — so the tool rollout's stop on a closed code block is exercised, not assumed. Every call
/// is recorded.
/// </summary>
internal sealed class ScriptedGenerator(Func<string, string> script)
{
    public const char Eos = '\u0003';

    public List<IReadOnlyList<GenerationRequest>> Calls { get; } = [];

    public static int[] Encode(string text) => text.Select(c => (int)c).ToArray();

    public static string Decode(int[] ids) => new(ids.Where(id => id != Eos).Select(id => (char)id).ToArray());

    public GenerationResult Generate(IReadOnlyList<GenerationRequest> requests)
    {
        Calls.Add(requests);
        var results = new List<RequestResult>();
        foreach (var request in requests)
        {
            int[] plan = Encode(script(Decode(request.PromptIds)));
            var samples = new List<GeneratedSample>();
            for (int j = 0; j < request.Sampling.N; j++)
            {
                var ids = new List<int>();
                var logProbs = new List<float>();
                FinishReason? finish = null;
                for (int i = 0; finish is null; i++)
                {
                    int t = plan[Math.Min(i, plan.Length - 1)];
                    ids.Add(t);
                    logProbs.Add(-0.5f - 0.01f * ids.Count); // never 0: tool tokens are the only zeros
                    if (t == Eos || (request.StopCriterion?.Invoke(ids) ?? false)) finish = FinishReason.Stop;
                    else if (ids.Count >= request.Sampling.MaxNewTokens) finish = FinishReason.Length;
                }
                samples.Add(new GeneratedSample([.. ids], [.. logProbs], [.. logProbs], finish.Value));
            }
            results.Add(new RequestResult(samples, null));
        }
        return new GenerationResult(results, new GenerationStats(0, 0, 0, 0, 0));
    }
}
