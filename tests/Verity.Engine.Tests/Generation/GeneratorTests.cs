using Verity.Engine.Generation;
using Verity.Engine.Model;

namespace Verity.Engine.Tests.Generation;

public class GeneratorTests
{
    /// <summary>A tiny GQA model with q/k/v bias and q/k norm, weights large enough that logits are peaked.</summary>
    private static TransformerModel TinyModel(bool qwen3 = true, int seed = 1)
    {
        var cfg = new ModelConfig
        {
            VocabSize = 53, HiddenSize = 24, IntermediateSize = 40, NumLayers = 2, NumHeads = 4, NumKvHeads = 2, HeadDim = 8,
            RopeTheta = 10000, QkvBias = !qwen3, QkNorm = qwen3, TieWordEmbeddings = qwen3, MaxPositionEmbeddings = 128,
        };
        var m = new TransformerModel(cfg);
        m.InitRandom(seed, std: 0.35f);
        return m;
    }

    private static GenerationRequest Request(int[] prompt, float temperature = 1f, int n = 1, int maxNew = 12, ulong seed = 7, float topP = 1f)
        => new(prompt, new SamplingParams { Temperature = temperature, N = n, MaxNewTokens = maxNew, Seed = seed, TopP = topP });

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Greedy_decoding_is_the_argmax_of_a_teacher_forced_forward_at_every_step(bool qwen3)
    {
        // Given a greedy sample
        var model = TinyModel(qwen3);
        int[] prompt = [3, 17, 5, 40];
        var sample = new Generator(model).Generate([Request(prompt, temperature: 0, maxNew: 15)]).Requests[0].Samples[0];
        Assert.Equal(15, sample.CompletionIds.Length);

        // When the whole sequence is run through the full (uncached) forward
        int[] seq = [.. prompt, .. sample.CompletionIds];
        var logits = model.Logits(Batch.FromSequences([seq]));
        int v = model.Config.VocabSize;

        // Then every generated token is the argmax of the logits before it
        for (int k = 0; k < sample.CompletionIds.Length; k++)
        {
            var row = logits.AsSpan((prompt.Length - 1 + k) * v, v);
            int argmax = 0;
            for (int i = 1; i < v; i++) if (row[i] > row[argmax]) argmax = i;
            Assert.Equal(argmax, sample.CompletionIds[k]);
        }
    }

    [Fact]
    public void Cached_decode_log_probs_match_the_training_forward()
    {
        var model = TinyModel();
        var result = new Generator(model, new GeneratorOptions { CheckParity = true })
            .Generate([Request([1, 2, 3], n: 4, maxNew: 20), Request([9, 8, 7, 6, 5, 4], n: 3, maxNew: 16, seed: 3)]);
        Assert.NotNull(result.Stats.MaxLogProbMismatch);
        Assert.True(result.Stats.MaxLogProbMismatch < 1e-4, $"max mismatch {result.Stats.MaxLogProbMismatch}");
        Assert.Equal(4 * 20 + 3 * 16, result.Stats.GeneratedTokens);
    }

    [Fact]
    public void Stats_split_the_time_into_prefill_and_decode_steps()
    {
        // The first token comes from the prompt's forward, every later one from a decode step; the prompt forward's
        // time is reported apart, inside the total.
        var model = TinyModel();
        var one = new Generator(model).Generate([Request([1, 2, 3, 4, 5], maxNew: 12)]).Stats;
        Assert.Equal(11, one.DecodeSteps);
        Assert.InRange(one.PrefillSeconds, double.Epsilon, one.Seconds);

        var firstOnly = new Generator(model).Generate([Request([1, 2, 3, 4, 5], maxNew: 1)]).Stats;
        Assert.Equal(0, firstOnly.DecodeSteps);
        Assert.InRange(firstOnly.PrefillSeconds, double.Epsilon, firstOnly.Seconds);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Single_sequence_decode_gives_the_same_samples_with_the_streamed_products(bool qwen3)
    {
        // A single sequence's steps use Linear.ForwardOneRowStream; the general products must give the same tokens and
        // log-probs bit for bit (biases included: the non-qwen3 model has q/k/v bias).
        var model = TinyModel(qwen3);
        GeneratedSample Run(bool stream)
        {
            bool before = IncrementalDecoder.StreamOneRow;
            IncrementalDecoder.StreamOneRow = stream;
            try { return new Generator(model).Generate([Request([3, 17, 5, 40], maxNew: 20, seed: 11)]).Requests[0].Samples[0]; }
            finally { IncrementalDecoder.StreamOneRow = before; }
        }
        var streamed = Run(true);
        var general = Run(false);
        Assert.Equal(general.CompletionIds, streamed.CompletionIds);
        Assert.Equal(general.PolicyLogProbs, streamed.PolicyLogProbs);
    }

    [Fact]
    public void Parity_check_detects_a_policy_that_changed_after_sampling()
    {
        // A wrong log-prob must be caught: perturb the weights after generating, then check.
        var model = TinyModel();
        var requests = new[] { Request([1, 2, 3], n: 2, maxNew: 10) };
        var result = new Generator(model).Generate(requests);
        foreach (var p in model.Parameters) for (int i = 0; i < p.Length; i++) p.Data[i] *= 1.05f;
        Assert.True(ParityCheck.MaxMismatch(model, requests, result.Requests) > 1e-3);
    }

    [Fact]
    public void Shared_prefill_gives_the_same_samples_as_separate_prefills()
    {
        var model = TinyModel();
        GenerationRequest[] requests = [Request([4, 5, 6, 7], n: 5, maxNew: 14, topP: 0.9f), Request([11, 12], n: 3, maxNew: 9, seed: 99)];
        var shared = new Generator(model).Generate(requests);
        var separate = new Generator(model, new GeneratorOptions { SharePrefix = false }).Generate(requests);
        AssertSameSamples(shared, separate);
        Assert.Equal(6, shared.Stats.PromptTokens);       // each prompt prefilled once
        Assert.Equal(5 * 4 + 3 * 2, separate.Stats.PromptTokens);
    }

    [Fact]
    public void Continuous_batching_gives_the_same_outputs_as_one_at_a_time()
    {
        // Given requests whose samples finish at different times (stop id 0 is likely with this model)
        var model = TinyModel();
        var requests = Enumerable.Range(0, 6)
            .Select(i => Request([1 + i, 2 * i + 3, 7], n: 1 + i % 3, maxNew: 6 + 3 * i, seed: (ulong)(100 + i)) with { StopTokenIds = [0, 1, 2] })
            .ToArray();

        // When generated with 3 slots and with 1 slot
        var batched = new Generator(model, new GeneratorOptions { MaxConcurrentSequences = 3 }).Generate(requests);
        var serial = new Generator(model, new GeneratorOptions { MaxConcurrentSequences = 1 }).Generate(requests);

        // Then each request gets identical samples, and the batched run really overlapped sequences
        AssertSameSamples(batched, serial);
        Assert.Equal(3, batched.Stats.MaxConcurrent);
        Assert.Equal(1, serial.Stats.MaxConcurrent);
        Assert.True(batched.Stats.DecodeSteps < serial.Stats.DecodeSteps);
        Assert.Contains(batched.Requests.SelectMany(r => r.Samples), s => s.Finish == FinishReason.Stop);
    }

    [Fact]
    public void A_generator_reusing_kv_blocks_of_earlier_calls_gives_what_a_fresh_one_gives()
    {
        // Given a generator whose first call left released blocks of the same shapes, full of other sequences' K/V
        var model = TinyModel();
        var reused = new Generator(model);
        reused.Generate([Request([9, 8, 7, 6], n: 2, maxNew: 10, seed: 1), Request([5, 4], n: 1, maxNew: 10, seed: 2)]); // one own block starts at position 2
        Assert.True(reused.PooledKvBytes > 0);

        // When both it and a fresh generator run the same batch (same prompt lengths and max_new_tokens, so blocks are reused)
        var requests = new[] { Request([1, 2, 3, 4], n: 2, maxNew: 10, seed: 3), Request([4, 3, 2, 1], n: 1, maxNew: 10, seed: 4) };
        var again = reused.Generate(requests);
        var fresh = new Generator(model).Generate(requests);

        // Then the samples are the same: no stale slot is read and every block starts at its new position
        AssertSameSamples(again, fresh);
    }

    [Fact]
    public void Kv_block_pool_reuses_blocks_of_the_same_capacity_within_its_cap()
    {
        var pool = new KvBlockPool(layers: 2, kvHeads: 1, headDim: 4, maxFloats: 2 * 2 * 4 * 8);
        var a = pool.Rent(start: 3, capacity: 8);
        a.Length = 5;
        pool.Return(a);
        Assert.Equal(a.Floats, pool.FreeFloats);

        var b = pool.Rent(start: 7, capacity: 8);
        Assert.Same(a, b);
        Assert.Equal((7, 0), (b.Start, b.Length));
        Assert.Equal(0, pool.FreeFloats);

        Assert.NotSame(a, pool.Rent(start: 0, capacity: 6)); // another capacity is a new block
        pool.Return(b);
        pool.Return(new KvBlock(2, 1, 4, 0, 8));             // over the cap: dropped, not held
        Assert.Equal(b.Floats, pool.FreeFloats);
    }

    [Fact]
    public void Stop_ids_end_a_sample_with_the_stop_token_kept_and_length_otherwise()
    {
        var model = TinyModel();
        var greedy = new Generator(model).Generate([Request([5, 6], temperature: 0, maxNew: 10)]).Requests[0].Samples[0];
        int stopAt = greedy.CompletionIds[3];
        int first = Array.IndexOf(greedy.CompletionIds, stopAt);
        var stopped = new Generator(model, new GeneratorOptions { DefaultStopTokenIds = [stopAt] })
            .Generate([Request([5, 6], temperature: 0, maxNew: 10)]).Requests[0].Samples[0];
        Assert.Equal(FinishReason.Stop, stopped.Finish);
        Assert.Equal(greedy.CompletionIds[..(first + 1)], stopped.CompletionIds);
        Assert.Equal(FinishReason.Length, greedy.Finish);

        var byCriterion = new Generator(model).Generate([Request([5, 6], temperature: 0, maxNew: 10) with { StopCriterion = ids => ids.Count == 2 }]);
        Assert.Equal(2, byCriterion.Requests[0].Samples[0].CompletionIds.Length);
        Assert.Equal(FinishReason.Stop, byCriterion.Requests[0].Samples[0].Finish);
    }

    [Fact]
    public void Same_seed_same_samples_and_samples_of_a_group_differ()
    {
        var model = TinyModel();
        var a = new Generator(model).Generate([Request([2, 3], n: 4, maxNew: 12, seed: 5)]);
        var b = new Generator(model).Generate([Request([2, 3], n: 4, maxNew: 12, seed: 5)]);
        AssertSameSamples(a, b);
        var ids = a.Requests[0].Samples.Select(s => string.Join(',', s.CompletionIds)).ToHashSet();
        Assert.True(ids.Count > 1, "the n samples of a request should use different random streams");
    }

    [Fact]
    public void Bad_requests_get_an_error_and_the_rest_of_the_batch_still_runs()
    {
        var model = TinyModel();
        GenerationRequest[] requests =
        [
            Request([1, 2]),
            Request([]),
            Request(Enumerable.Repeat(3, 120).ToArray(), maxNew: 20),
            new([1], new SamplingParams { N = 0 }),
            new([1], new SamplingParams { Temperature = -1 }),
            new([1], new SamplingParams { TopP = 1.5f }),
            Request([1, 999]),
            Request([4, 4], n: 2),
        ];
        var result = new Generator(model).Generate(requests);
        Assert.True(result.Requests[0].Ok);
        Assert.Contains("empty prompt", result.Requests[1].Error);
        Assert.Contains("exceeds the model's context", result.Requests[2].Error);
        Assert.Contains("n must be", result.Requests[3].Error);
        Assert.Contains("temperature", result.Requests[4].Error);
        Assert.Contains("top_p", result.Requests[5].Error);
        Assert.Contains("outside the vocabulary", result.Requests[6].Error);
        Assert.Equal(2, result.Requests[7].Samples.Count);
    }

    [Fact]
    public void A_request_larger_than_the_kv_budget_is_rejected_and_small_budgets_serialize()
    {
        var model = TinyModel();
        var cfg = model.Config;
        long perSample = KvBlockFloats(cfg, 3) + KvBlockFloats(cfg, 10);
        var opts = new GeneratorOptions { MaxKvBytes = perSample * 4 + 8 };
        var result = new Generator(model, opts).Generate([Request([1, 2, 3], n: 3, maxNew: 10), Request(Enumerable.Range(1, 40).ToArray(), maxNew: 10)]);
        Assert.True(result.Requests[0].Ok);
        Assert.Equal(3, result.Requests[0].Samples.Count);
        Assert.Equal(1, result.Stats.MaxConcurrent); // only one sequence fits at a time
        Assert.Contains("KV cache", result.Requests[1].Error);
    }

    private static long KvBlockFloats(ModelConfig c, int positions) => 2L * c.NumLayers * c.NumKvHeads * c.HeadDim * positions;

    private static void AssertSameSamples(GenerationResult a, GenerationResult b)
    {
        Assert.Equal(a.Requests.Count, b.Requests.Count);
        for (int r = 0; r < a.Requests.Count; r++)
        {
            Assert.Equal(a.Requests[r].Samples.Count, b.Requests[r].Samples.Count);
            for (int j = 0; j < a.Requests[r].Samples.Count; j++)
            {
                var x = a.Requests[r].Samples[j];
                var y = b.Requests[r].Samples[j];
                Assert.Equal(x.CompletionIds, y.CompletionIds);
                Assert.Equal(x.Finish, y.Finish);
                // The same tokens; log-probs to float32 rounding (GEMM paths for different row counts sum in different orders).
                for (int k = 0; k < x.PolicyLogProbs.Length; k++) Assert.True(Math.Abs(x.PolicyLogProbs[k] - y.PolicyLogProbs[k]) < 1e-5, $"sample {r}/{j} token {k}");
            }
        }
    }
}
