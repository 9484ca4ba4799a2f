using Verity.Engine.Generation;
using Verity.Rewards.Code;

namespace Verity.Rl.Rollout;

/// <summary>One tool call inside a response: the index of its first tool token (<c>Start</c>), its tool tokens (the
/// whole ```output block, masked from the loss), how the program ended, and whether its output was cut.</summary>
public sealed record ToolCall(int Start, int Length, CodeVerdict Verdict, bool Truncated);

/// <summary>
/// One multi-turn response: model tokens and tool tokens interleaved. <see cref="LossMask"/> is 1 on tokens the
/// model generated and 0 on tool tokens; <see cref="PolicyLogProbs"/> holds the sampling policy's log-probs of the
/// generated tokens and 0 on tool tokens (which were never sampled). <c>Rounds</c>: generation rounds this response
/// took (tool calls + 1, unless it ended at a call).
/// </summary>
public sealed record ToolSample(int[] Ids, float[] PolicyLogProbs, double[] LossMask, FinishReason Finish, int Rounds, IReadOnlyList<ToolCall> Calls)
{
    /// <summary>True when the response used all its tool calls (rollout.max_turns).</summary>
    public bool Capped { get; init; }
}

/// <summary>Counters of one tool rollout.</summary>
public sealed record ToolRolloutStats(int Samples, int Calls, int Errors, int Timeouts, int Truncated, int Capped, long ToolTokens, long ResponseTokens,
    int Rounds, double GenerateSeconds, double ToolSeconds)
{
    /// <summary>TRL-style metric names: tool/calls_mean (calls per response), tool/errors and tool/timeouts (fractions of
    /// calls), tool/truncated (fraction of calls whose output was cut), tool/turns_mean (generation rounds per response),
    /// tool/capped (fraction of responses that used every call), tool/masked_frac (tool tokens / response tokens).</summary>
    public void AddTo(IDictionary<string, double> metrics)
    {
        double perCall(int n) => Calls > 0 ? n / (double)Calls : 0;
        metrics["tool/calls_mean"] = Samples > 0 ? Calls / (double)Samples : 0;
        metrics["tool/errors"] = perCall(Errors);
        metrics["tool/timeouts"] = perCall(Timeouts);
        metrics["tool/truncated"] = perCall(Truncated);
        metrics["tool/turns_mean"] = Samples > 0 ? Rounds / (double)Samples : 0;
        metrics["tool/capped"] = Samples > 0 ? Capped / (double)Samples : 0;
        metrics["tool/masked_frac"] = ResponseTokens > 0 ? ToolTokens / (double)ResponseTokens : 0;
        metrics["time/tool"] = ToolSeconds;
    }
}

/// <summary>Samples of each request, in request and sample order, and the counters.</summary>
public sealed record ToolRolloutResult(IReadOnlyList<IReadOnlyList<ToolSample>> Requests, ToolRolloutStats Stats);
