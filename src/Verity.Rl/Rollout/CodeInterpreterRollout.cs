using System.Diagnostics;
using Verity.Engine.Generation;
using Verity.Rewards.Code;
using Verity.Rl.Config;

namespace Verity.Rl.Rollout;

/// <summary>
/// Multi-turn rollouts with a code interpreter (R1-Code-Interpreter), in rounds:
/// <list type="number">
/// <item>Round 0 is the plain rollout (same requests, seeds and shared prompt prefill), with one more stop criterion:
/// a closed python block (<see cref="InterpreterProtocol.ClosedBlock"/>).</item>
/// <item>Every response that stopped on a closed block has its code run in the sandbox; all of a round's programs run
/// in parallel on the runner's worker slots. The (truncated) output is appended as tool tokens: the
/// <see cref="InterpreterProtocol.ToolMessage"/> ```output block, masked from the loss.</item>
/// <item>The next round batches every response that is still active through the generator once more (continuous
/// batching among them; responses that ended on EOS or length are done and take no slot). Each continues from its
/// prompt + response so far, which the generator prefills again (re-prefill): it has no API to extend a finished
/// sequence's KV cache; extending it would save that recompute.</item>
/// </list>
/// Responses get at most <see cref="MaxTurns"/> tool calls; after the last one the code-block stop is off, so the
/// model can still answer (code it writes then is not run). Tool tokens count toward the request's max_new_tokens:
/// a tool reply that does not leave room for one more token ends the response (finish = length).
/// Deterministic: round k ≥ 1 of sample j draws from a seed that is a function of the request's seed, j and k.
/// </summary>
public sealed class CodeInterpreterRollout
{
    private readonly ProgramRunner _runner;
    private readonly Func<string, int[]> _encode;

    /// <summary>A rollout that runs code on <paramref name="runner"/> and tokenizes tool messages with <paramref name="encode"/>
    /// (text → ids, no special tokens).</summary>
    public CodeInterpreterRollout(ProgramRunner runner, Func<string, int[]> encode, int maxTurns, int outputMaxChars)
    {
        if (maxTurns < 1) throw new ArgumentException($"code interpreter: max_turns must be ≥ 1, got {maxTurns}. HINT: R1-Code-Interpreter uses 8.");
        if (outputMaxChars < 16) throw new ArgumentException($"code interpreter: tool_output_max_chars must be ≥ 16, got {outputMaxChars}. HINT: use e.g. 1024.");
        _runner = runner;
        _encode = encode;
        MaxTurns = maxTurns;
        OutputMaxChars = outputMaxChars;
    }

    public int MaxTurns { get; }

    public int OutputMaxChars { get; }

    public ProgramRunner Runner => _runner;

    /// <summary>The tool of a run's config (null for rollout.tool=none); proves the sandbox first unless one is given.</summary>
    public static CodeInterpreterRollout? FromConfig(RolloutSection r, Func<string, int[]> encode, Sandbox? sandbox = null)
    {
        if (r.Tool == "none") return null;
        if (r.Tool != "code_interpreter")
            throw new ArgumentException($"config: rollout.tool '{r.Tool}' is not known. HINT: use one of: {string.Join(", ", ToolConfigValidation.Tools)}");
        int workers = r.ToolWorkers > 0 ? r.ToolWorkers : Math.Min(256, 2 * Environment.ProcessorCount);
        return new CodeInterpreterRollout(new ProgramRunner(sandbox ?? Sandbox.Create(), Limits(r), workers), encode, r.MaxTurns, r.ToolOutputMaxChars);
    }

    /// <summary>Sandbox limits of one tool call from the rollout keys.</summary>
    public static CodeLimits Limits(RolloutSection r)
    {
        var timeout = TimeSpan.FromSeconds(r.ToolTimeout);
        return new CodeLimits { TestTimeout = timeout, SolutionBudget = timeout, MemoryBytes = (long)r.ToolMemoryMb << 20 };
    }

    private sealed class State(int request, int sample)
    {
        public readonly int Request = request, Sample = sample;
        public readonly List<int> Ids = [];
        public readonly List<float> LogProbs = [];
        public readonly List<double> Mask = [];
        public readonly List<ToolCall> Calls = [];
        public int Rounds;
        public FinishReason? Finish;
        public string? Code, TurnText;
    }

    /// <param name="generate">The generator (or a stand-in with its contract: stop ids, stop criterion, max_new_tokens).</param>
    /// <param name="decode">Token ids → text (to find code blocks).</param>
    /// <param name="requests">The plain rollout's requests: prompts, n, seeds, max_new_tokens, stops.</param>
    public ToolRolloutResult Run(Func<IReadOnlyList<GenerationRequest>, GenerationResult> generate, Func<int[], string> decode, IReadOnlyList<GenerationRequest> requests)
    {
        var clock = Stopwatch.StartNew();
        double toolSeconds = 0;
        // Most positions never hold a backtick: decoding the newest token alone skips the whole-turn decode for them.
        bool Closes(IReadOnlyList<int> ids) =>
            decode([ids[^1]]).Contains('`') && InterpreterProtocol.ClosedBlock(decode([.. ids])) is not null;
        StopCriterion WithCode(StopCriterion? other) => other is null ? Closes : ids => other(ids) || Closes(ids);

        var states = new State[requests.Count][];
        var round = new List<(GenerationRequest Request, State[] States)>();
        for (int r = 0; r < requests.Count; r++)
        {
            states[r] = Enumerable.Range(0, requests[r].Sampling.N).Select(j => new State(r, j)).ToArray();
            round.Add((requests[r] with { StopCriterion = WithCode(requests[r].StopCriterion) }, states[r]));
        }

        for (int k = 0; round.Count > 0; k++)
        {
            // 1. generate this round: every active response at once
            var generated = generate(round.Select(x => x.Request).ToList());
            var waiting = new List<State>();
            for (int i = 0; i < round.Count; i++)
            {
                var result = generated.Requests[i];
                if (!result.Ok) throw new ArgumentException($"rollout: prompt {round[i].States[0].Request}: {result.Error}");
                for (int j = 0; j < round[i].States.Length; j++)
                {
                    var s = round[i].States[j];
                    var g = result.Samples[j];
                    s.Ids.AddRange(g.CompletionIds);
                    s.LogProbs.AddRange(g.PolicyLogProbs);
                    for (int t = 0; t < g.CompletionIds.Length; t++) s.Mask.Add(1);
                    s.Rounds++;
                    string? code = null, text = null;
                    if (g.Finish == FinishReason.Stop && s.Calls.Count < MaxTurns)
                    {
                        text = decode(g.CompletionIds);
                        code = InterpreterProtocol.ClosedBlock(text);
                    }
                    if (code is null || s.Ids.Count >= requests[s.Request].Sampling.MaxNewTokens)
                    {
                        s.Finish = code is null ? g.Finish : FinishReason.Length;
                        continue;
                    }
                    (s.Code, s.TurnText) = (code, text);
                    waiting.Add(s);
                }
            }

            // 2. run this round's programs in parallel, append their replies as tool tokens
            var toolClock = Stopwatch.StartNew();
            var runs = _runner.RunBatch(waiting.Select(s => s.Code!).ToList());
            toolSeconds += toolClock.Elapsed.TotalSeconds;
            var next = new List<(GenerationRequest, State[])>();
            for (int i = 0; i < waiting.Count; i++)
            {
                var s = waiting[i];
                var req = requests[s.Request];
                string output = InterpreterProtocol.FormatOutput(runs[i], _runner.Limits, OutputMaxChars, out bool truncated);
                int[] tool = _encode(InterpreterProtocol.ToolMessage(s.TurnText!, output));
                int room = req.Sampling.MaxNewTokens - s.Ids.Count;
                int kept = Math.Min(tool.Length, room);
                s.Calls.Add(new ToolCall(s.Ids.Count, kept, runs[i].Verdict, truncated));
                s.Ids.AddRange(tool.AsSpan(0, kept).ToArray());
                for (int t = 0; t < kept; t++) { s.LogProbs.Add(0); s.Mask.Add(0); }
                s.Code = s.TurnText = null;
                if (kept == room)
                {
                    s.Finish = FinishReason.Length; // no room left for the model to go on
                    continue;
                }
                var sampling = req.Sampling with { N = 1, MaxNewTokens = room - kept, Seed = RoundSeed(req.Sampling.Seed, s.Sample, k + 1) };
                int[] prefix = [.. req.PromptIds, .. s.Ids];
                var stop = s.Calls.Count < MaxTurns ? WithCode(req.StopCriterion) : req.StopCriterion;
                next.Add((new GenerationRequest(prefix, sampling) { StopTokenIds = req.StopTokenIds, StopCriterion = stop }, [s]));
            }
            round = next;
        }

        var samples = new List<IReadOnlyList<ToolSample>>(requests.Count);
        int calls = 0, errors = 0, timeouts = 0, truncatedCalls = 0, capped = 0, rounds = 0, count = 0;
        long toolTokens = 0, responseTokens = 0;
        foreach (var group in states)
        {
            samples.Add(group.Select(s => new ToolSample([.. s.Ids], [.. s.LogProbs], [.. s.Mask], s.Finish!.Value, s.Rounds, s.Calls)
            {
                Capped = s.Calls.Count >= MaxTurns,
            }).ToArray());
            foreach (var s in group)
            {
                count++;
                rounds += s.Rounds;
                calls += s.Calls.Count;
                errors += s.Calls.Count(c => c.Verdict != CodeVerdict.AC);
                timeouts += s.Calls.Count(c => c.Verdict == CodeVerdict.TLE);
                truncatedCalls += s.Calls.Count(c => c.Truncated);
                if (s.Calls.Count >= MaxTurns) capped++;
                toolTokens += s.Calls.Sum(c => c.Length);
                responseTokens += s.Ids.Count;
            }
        }
        var stats = new ToolRolloutStats(count, calls, errors, timeouts, truncatedCalls, capped, toolTokens, responseTokens, rounds,
            clock.Elapsed.TotalSeconds - toolSeconds, toolSeconds);
        return new ToolRolloutResult(samples, stats);
    }

    /// <summary>Seed of round <paramref name="round"/> ≥ 1 of a sample (round 0 keeps the request's seed and sample stream).</summary>
    internal static ulong RoundSeed(ulong seed, int sample, int round)
    {
        ulong z = seed ^ (ulong)(sample + 1) * 0x9E3779B97F4A7C15UL ^ (ulong)round * 0xD6E8FEB86659FD93UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
