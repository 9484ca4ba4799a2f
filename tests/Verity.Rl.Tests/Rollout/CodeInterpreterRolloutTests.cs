using System.Diagnostics;
using Verity.Engine.Generation;
using Verity.Rewards;
using Verity.Rewards.Code;
using Verity.Rl.Rollout;
using static Verity.Rl.Tests.Rollout.ScriptedGenerator;

namespace Verity.Rl.Tests.Rollout;

/// <summary>The tool rollout against a scripted model (<see cref="ScriptedGenerator"/>) and the real sandbox.</summary>
[Collection("sandbox")]
public sealed class CodeInterpreterRolloutTests(SandboxFixture fixture)
{
    private const string Prompt = "Q: what is 6*7?\n";

    private CodeInterpreterRollout Tool(int maxTurns = 4, int maxChars = 256, double timeout = 3) =>
        new(new ProgramRunner(fixture.Sandbox, new CodeLimits
        {
            TestTimeout = TimeSpan.FromSeconds(timeout), SolutionBudget = TimeSpan.FromSeconds(timeout), MemoryBytes = 512L << 20,
        }, workers: 2), Encode, maxTurns, maxChars);

    private static GenerationRequest Request(string prompt, int n = 1, int maxNew = 400, ulong seed = 1) =>
        new(Encode(prompt), new SamplingParams { N = n, MaxNewTokens = maxNew, Seed = seed }) { StopTokenIds = [Eos] };

    private static string LastOutput(string text)
    {
        int start = text.LastIndexOf("```output\n", StringComparison.Ordinal) + "```output\n".Length;
        return text[start..text.IndexOf("\n```", start, StringComparison.Ordinal)];
    }

    /// <summary>Writes one code block; once it has seen the output, answers with it.</summary>
    private static string OneCall(string text) => text.Contains("```output", StringComparison.Ordinal)
        ? $"So the answer is {LastOutput(text)}.{Eos}"
        : $"Let me compute.\n```python\nprint(6*7)\n```\nI guess 41.{Eos}";

    /// <summary>The text of the masked (tool) tokens.</summary>
    private static string Masked(ToolSample s) => Decode(s.Ids.Where((_, k) => s.LossMask[k] == 0).ToArray());

    [Fact]
    public void Tool_output_is_appended_masked_and_generation_continues()
    {
        // Given a model that writes a code block, then answers with what the tool printed
        var model = new ScriptedGenerator(OneCall);

        // When rolled out with the code interpreter
        var result = Tool().Run(model.Generate, Decode, [Request(Prompt)]);

        // Then generation stopped at the closing fence (the model's "I guess 41." was never written), the program's
        // output came back as an output block, and the model went on to use it
        var s = result.Requests[0][0];
        const string turn = "Let me compute.\n```python\nprint(6*7)\n```";
        const string reply = "\n```output\n42\n```\n";
        Assert.Equal(turn + reply + "So the answer is 42.", Decode(s.Ids));
        Assert.Equal(FinishReason.Stop, s.Finish);
        Assert.Equal(2, s.Rounds);

        // and exactly the reply's tokens are masked, with no rollout log-prob; every generated token has one
        Assert.Equal(reply, Masked(s));
        for (int k = 0; k < s.Ids.Length; k++)
        {
            bool isTool = k >= turn.Length && k < turn.Length + reply.Length;
            Assert.Equal(isTool ? 0 : 1, s.LossMask[k]);
            Assert.Equal(isTool, s.PolicyLogProbs[k] == 0);
        }
        Assert.Equal([new ToolCall(turn.Length, reply.Length, CodeVerdict.AC, false)], s.Calls);

        // and the second round continued from the prompt + everything so far, with the budget that was left
        var second = Assert.Single(model.Calls[1]);
        Assert.Equal(Encode(Prompt + turn + reply), second.PromptIds);
        Assert.Equal(400 - turn.Length - reply.Length, second.Sampling.MaxNewTokens);

        // and the rewards read the same transcript: one well-formed call
        Assert.Equal(1, RewardRegistry.Create("code_format")(new RewardInput(Decode(s.Ids))));
        Assert.Equal(new InterpreterTranscript(1, true), InterpreterProtocol.Parse(Decode(s.Ids)));
        var metrics = new Dictionary<string, double>();
        result.Stats.AddTo(metrics);
        Assert.Equal(1, metrics["tool/calls_mean"]);
        Assert.Equal(0, metrics["tool/errors"]);
        Assert.Equal(2, metrics["tool/turns_mean"]);
        Assert.Equal(reply.Length / (double)s.Ids.Length, metrics["tool/masked_frac"], 12);
    }

    [Fact]
    public void Finished_responses_leave_and_the_rest_go_on_together()
    {
        // Given two prompts that lead to code and one answered directly, two samples each
        static string Script(string text) => text.StartsWith("direct", StringComparison.Ordinal) ? $"42{Eos}" : OneCall(text);
        var model = new ScriptedGenerator(Script);
        GenerationRequest[] requests = [Request("a " + Prompt, n: 2, seed: 7), Request("direct " + Prompt, n: 2, seed: 8), Request("c " + Prompt, n: 2, seed: 9)];

        // When rolled out
        var result = Tool().Run(model.Generate, Decode, requests);

        // Then round 0 is the plain rollout (one request per prompt, n samples, the caller's seeds)
        Assert.Equal(2, model.Calls.Count);
        Assert.Equal([2, 2, 2], model.Calls[0].Select(r => r.Sampling.N));
        Assert.Equal([7UL, 8UL, 9UL], model.Calls[0].Select(r => r.Sampling.Seed));
        // and round 1 batches only the four responses still waiting for the model, one request each, each with its own seed
        var second = model.Calls[1];
        Assert.Equal(4, second.Count);
        Assert.All(second, r => Assert.Equal(1, r.Sampling.N));
        Assert.Equal(2, second.Count(r => Decode(r.PromptIds).StartsWith("a ", StringComparison.Ordinal)));
        Assert.Equal(2, second.Count(r => Decode(r.PromptIds).StartsWith("c ", StringComparison.Ordinal)));
        Assert.Equal(4, second.Select(r => r.Sampling.Seed).Distinct().Count());
        Assert.Equal("42", Decode(result.Requests[1][1].Ids));
        Assert.All(result.Requests[1], s => Assert.Equal(1, s.Rounds));
        Assert.All(result.Requests[2], s => Assert.EndsWith("So the answer is 42.", Decode(s.Ids)));
        Assert.Equal(4 / 6.0, result.Stats.Calls / (double)result.Stats.Samples, 12);

        // and the same requests give the same later rounds (seeds depend on the request's seed, the sample and the round)
        var again = new ScriptedGenerator(Script);
        Tool().Run(again.Generate, Decode, requests);
        Assert.Equal(second.Select(r => r.Sampling.Seed), again.Calls[1].Select(r => r.Sampling.Seed));
    }

    [Fact]
    public void The_turn_cap_stops_running_code_but_lets_the_model_finish()
    {
        // Given a model that writes a code block every time it gets the word
        var model = new ScriptedGenerator(_ => $"```python\nprint(1)\n```\ndone{Eos}");

        // When it may call the tool twice
        var result = Tool(maxTurns: 2).Run(model.Generate, Decode, [Request(Prompt)]);

        // Then two blocks ran, the third was not stopped at (no code stop in the last round) and the model finished
        var s = result.Requests[0][0];
        const string block = "```python\nprint(1)\n```";
        const string reply = "\n```output\n1\n```\n";
        Assert.Equal(block + reply + block + reply + block + "\ndone", Decode(s.Ids));
        Assert.Equal(2, s.Calls.Count);
        Assert.Equal(3, s.Rounds);
        Assert.True(s.Capped);
        Assert.Equal(1, result.Stats.Capped);
        // and the shaping rewards see it: an unanswered block is a format failure; 2 calls > a limit of 1
        Assert.Equal(-1, RewardRegistry.Create("code_format")(new RewardInput(Decode(s.Ids))));
        Assert.Equal(-1, RewardRegistry.Create("code_turns", new RewardSettings { ToolTurnLimit = 1 })(new RewardInput(Decode(s.Ids))));
        Assert.Equal(0, RewardRegistry.Create("code_turns", new RewardSettings { ToolTurnLimit = 2 })(new RewardInput(Decode(s.Ids))));
    }

    [Fact]
    public void Long_output_is_truncated_to_the_cap_and_counted()
    {
        // Given a program that prints 5000 characters and a cap of 64
        var model = new ScriptedGenerator(text => text.Contains("```output", StringComparison.Ordinal) ? $"ok{Eos}" : $"```python\nprint('x' * 5000)\n```{Eos}");

        // When rolled out
        var result = Tool(maxChars: 64).Run(model.Generate, Decode, [Request(Prompt, maxNew: 1000)]);

        // Then the model saw 48 + 16 of the characters around a marker, and the call counts as truncated
        var s = result.Requests[0][0];
        string expected = "\n```output\n" + new string('x', 48) + "\n…[4937 characters truncated]…\n" + new string('x', 15) + "\n```\n";
        Assert.Equal(expected, Masked(s));
        Assert.True(s.Calls[0].Truncated);
        Assert.Equal(1, result.Stats.Truncated);
        Assert.EndsWith("```\nok", Decode(s.Ids));
    }

    [Fact]
    public void Tool_tokens_never_push_a_response_past_max_new_tokens()
    {
        // Given a budget that the tool reply does not fit into
        const string turn = "```python\nprint('y' * 200)\n```";
        var model = new ScriptedGenerator(text => text.Contains("```output", StringComparison.Ordinal) ? $"more{Eos}" : turn + Eos);

        // When rolled out with 60 tokens
        var result = Tool().Run(model.Generate, Decode, [Request(Prompt, maxNew: 60)]);

        // Then the reply is cut at the budget, masked, and the response ends as too long (no further round)
        var s = result.Requests[0][0];
        Assert.Equal(60, s.Ids.Length);
        Assert.Equal(FinishReason.Length, s.Finish);
        Assert.All(s.LossMask.Skip(turn.Length), m => Assert.Equal(0, m));
        Assert.Single(model.Calls);
    }

    [Fact]
    public void A_fork_bomb_ends_at_its_timeout_the_model_is_told_and_the_host_is_unharmed()
    {
        // Given a model that writes a fork bomb and then reads the error
        const string bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass";
        var model = new ScriptedGenerator(text => text.Contains("```output", StringComparison.Ordinal) ? $"It failed.{Eos}" : $"```python\n{bomb}\n```{Eos}");

        // When rolled out with a 2 s tool timeout
        var clock = Stopwatch.StartNew();
        var result = Tool(timeout: 2).Run(model.Generate, Decode, [Request(Prompt, maxNew: 600)]);

        // Then the call ended at its timeout as an error the model can read, generation went on, nothing survived
        var s = result.Requests[0][0];
        Assert.InRange(clock.Elapsed.TotalSeconds, 2, 6);
        Assert.Equal(CodeVerdict.TLE, s.Calls[0].Verdict);
        Assert.Contains("TimeoutError: the program ran longer than 2 s and was stopped", Masked(s));
        Assert.EndsWith("It failed.", Decode(s.Ids));
        Assert.Equal((1, 1), (result.Stats.Errors, result.Stats.Timeouts));
        foreach (int uid in fixture.Sandbox.Uids) Assert.Empty(Sandbox.ProcessesLeft(uid, TimeSpan.FromSeconds(1)));
    }
}
