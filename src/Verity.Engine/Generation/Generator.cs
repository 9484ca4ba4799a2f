using System.Diagnostics;
using Verity.Engine.Model;

namespace Verity.Engine.Generation;

/// <summary>
/// Batched sampling for rollouts. Each request's prompt is prefilled once and its KV cache shared by
/// the request's n samples; samples then decode together, one token per sequence per step, and a
/// finished sequence's slot is given to the next pending sample (continuous batching) within the caps on
/// concurrent sequences and KV memory. Every sample draws from its own seeded stream
/// (request seed, sample index), and every row of the model's forward depends only on its own
/// sequence (up to float32 rounding: GEMM paths for different row counts sum in different orders), so a
/// sample's tokens do not depend on what else was in the batch.
/// A request that is invalid gets an error in its result; the others still run.
/// </summary>
public sealed class Generator
{
    readonly TransformerModel _model;
    readonly IncrementalDecoder _decoder;
    readonly GeneratorOptions _options;
    readonly TokenSampler _sampler = new();
    readonly KvBlockPool _blocks;

    public Generator(TransformerModel model, GeneratorOptions? options = null)
    {
        _model = model;
        _decoder = new IncrementalDecoder(model);
        _options = options ?? new GeneratorOptions();
        if (_options.MaxConcurrentSequences < 1)
            throw new ArgumentException($"generator: max_concurrent_sequences must be ≥ 1, got {_options.MaxConcurrentSequences}.");
        var cfg = model.Config;
        _blocks = new KvBlockPool(cfg.NumLayers, cfg.NumKvHeads, cfg.HeadDim, _options.MaxKvBytes / sizeof(float));
    }

    /// <summary>Bytes of released KV blocks held for reuse (see <see cref="KvBlockPool"/>).</summary>
    internal long PooledKvBytes => _blocks.FreeFloats * sizeof(float);

    sealed class Sequence(int request, int sample, Prefix prefix, SequenceCache cache, int promptLength, ulong seed)
    {
        public readonly int Request = request, Sample = sample, PromptLength = promptLength;
        public readonly Prefix Prefix = prefix;
        public readonly SequenceCache Cache = cache;
        public SamplingRng Rng = new(seed, (ulong)sample);
        public readonly List<int> Ids = [];
        public readonly List<float> PolicyLogProbs = [], SamplingLogProbs = [];
        public FinishReason? Finish;
    }

    sealed class Prefix(KvBlock block, int remaining)
    {
        public readonly KvBlock Block = block;
        public int Remaining = remaining;
        public float[]? LastLogits;
    }

    public GenerationResult Generate(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        var cfg = _model.Config;
        int v = cfg.VocabSize;
        var errors = new string?[requests.Count];
        var samples = new GeneratedSample?[requests.Count][];
        var pending = new Queue<(int Request, int Sample)>();
        for (int r = 0; r < requests.Count; r++)
        {
            errors[r] = Validate(requests[r], cfg);
            samples[r] = new GeneratedSample?[errors[r] is null ? requests[r].Sampling.N : 0];
            if (errors[r] is null)
                for (int j = 0; j < requests[r].Sampling.N; j++) pending.Enqueue((r, j));
        }

        var shared = new Prefix?[requests.Count]; // the prompt cache of each request while samples use it
        var active = new List<Sequence>();
        long budget = _options.MaxKvBytes / sizeof(float), used = 0;
        long promptTokens = 0, generated = 0, prefillTicks = 0;
        int steps = 0, maxConcurrent = 0;
        float[] logits = [];

        long OwnFloats(int r) => KvBlock.FloatsFor(cfg.NumLayers, cfg.NumKvHeads, cfg.HeadDim, requests[r].Sampling.MaxNewTokens);
        long PrefixFloats(int r) => KvBlock.FloatsFor(cfg.NumLayers, cfg.NumKvHeads, cfg.HeadDim, requests[r].PromptIds.Length);

        void Release(Sequence s)
        {
            used -= s.Cache.Own.Floats;
            _blocks.Return(s.Cache.Own);
            if (--s.Prefix.Remaining == 0)
            {
                used -= s.Prefix.Block.Floats;
                _blocks.Return(s.Prefix.Block);
                if (shared[s.Request] == s.Prefix) shared[s.Request] = null;
            }
            samples[s.Request][s.Sample] = new GeneratedSample([.. s.Ids], [.. s.PolicyLogProbs], [.. s.SamplingLogProbs], s.Finish!.Value);
            generated += s.Ids.Count;
        }

        while (pending.Count > 0 || active.Count > 0)
        {
            cancellation.ThrowIfCancellationRequested();

            // 1. admit pending samples while slots and KV memory allow; prefill new prompts in one call
            var admitted = new List<(int Request, int Sample, Prefix Prefix)>();
            var toPrefill = new List<(int Request, Prefix Prefix)>();
            while (pending.Count > 0 && active.Count + admitted.Count < _options.MaxConcurrentSequences)
            {
                var (r, j) = pending.Peek();
                bool needPrefix = !_options.SharePrefix || shared[r] is null;
                long need = OwnFloats(r) + (needPrefix ? PrefixFloats(r) : 0);
                if (used + need > budget)
                {
                    if (active.Count + admitted.Count > 0) break; // wait for memory to free up
                    errors[r] = $"request {r}: needs {need * 4.0 / (1 << 20):F1} MiB of KV cache but the budget is {_options.MaxKvBytes / (double)(1 << 20):F1} MiB. HINT: raise MaxKvBytes or lower max_new_tokens / the prompt length.";
                    samples[r] = [];
                    while (pending.Count > 0 && pending.Peek().Request == r) pending.Dequeue();
                    continue;
                }
                pending.Dequeue();
                used += need;
                var prefix = shared[r];
                if (needPrefix)
                {
                    var block = _blocks.Rent(0, requests[r].PromptIds.Length);
                    prefix = new Prefix(block, _options.SharePrefix ? requests[r].Sampling.N : 1);
                    if (_options.SharePrefix) shared[r] = prefix;
                    toPrefill.Add((r, prefix));
                }
                admitted.Add((r, j, prefix!));
            }
            if (toPrefill.Count > 0)
            {
                var rows = new List<DecodeRow>();
                var last = new List<int>();
                foreach (var (r, prefix) in toPrefill)
                {
                    var cache = new SequenceCache(null, prefix.Block);
                    var prompt = requests[r].PromptIds;
                    for (int t = 0; t < prompt.Length; t++) rows.Add(new DecodeRow(cache, prompt[t], t));
                    last.Add(rows.Count - 1);
                    promptTokens += prompt.Length;
                }
                EnsureLogits(ref logits, last.Count, v);
                long prefillStart = Stopwatch.GetTimestamp();
                _decoder.Run(rows, last, logits);
                prefillTicks += Stopwatch.GetTimestamp() - prefillStart;
                for (int i = 0; i < toPrefill.Count; i++) toPrefill[i].Prefix.LastLogits = logits.AsSpan(i * v, v).ToArray();
            }
            foreach (var (r, j, pre) in admitted)
            {
                int p = requests[r].PromptIds.Length;
                var own = _blocks.Rent(p, requests[r].Sampling.MaxNewTokens);
                var s = new Sequence(r, j, pre, new SequenceCache(pre.Block, own), p, requests[r].Sampling.Seed);
                if (Advance(s, pre.LastLogits!, requests[r])) Release(s);
                else active.Add(s);
            }

            if (active.Count == 0) continue;

            // 2. one decode step for every active sequence
            maxConcurrent = Math.Max(maxConcurrent, active.Count);
            var decodeRows = new DecodeRow[active.Count];
            var all = new int[active.Count];
            for (int i = 0; i < active.Count; i++)
            {
                var s = active[i];
                decodeRows[i] = new DecodeRow(s.Cache, s.Ids[^1], s.PromptLength + s.Ids.Count - 1);
                all[i] = i;
            }
            EnsureLogits(ref logits, active.Count, v);
            _decoder.Run(decodeRows, all, logits);
            steps++;
            for (int i = 0; i < active.Count; i++)
                if (Advance(active[i], logits.AsSpan(i * v, v), requests[active[i].Request])) Release(active[i]);
            active.RemoveAll(s => s.Finish is not null);
        }

        var results = new RequestResult[requests.Count];
        for (int r = 0; r < requests.Count; r++)
            results[r] = new RequestResult(errors[r] is null ? samples[r].Select(s => s!).ToArray() : [], errors[r]);
        var stats = new GenerationStats(promptTokens, generated, steps, maxConcurrent, clock.Elapsed.TotalSeconds)
        {
            PrefillSeconds = prefillTicks / (double)Stopwatch.Frequency,
        };
        if (_options.CheckParity) stats = stats with { MaxLogProbMismatch = ParityCheck.MaxMismatch(_model, requests, results) };
        return new GenerationResult(results, stats);
    }

    /// <summary>Samples the next token from <paramref name="logits"/>; returns true when the sequence is finished.</summary>
    bool Advance(Sequence s, ReadOnlySpan<float> logits, GenerationRequest request)
    {
        var t = _sampler.Sample(logits, request.Sampling, ref s.Rng);
        s.Ids.Add(t.Id);
        s.PolicyLogProbs.Add(t.PolicyLogProb);
        s.SamplingLogProbs.Add(t.SamplingLogProb);
        var stopIds = request.StopTokenIds ?? _options.DefaultStopTokenIds;
        if (stopIds.Contains(t.Id) || (request.StopCriterion?.Invoke(s.Ids) ?? false)) s.Finish = FinishReason.Stop;
        else if (s.Ids.Count >= request.Sampling.MaxNewTokens) s.Finish = FinishReason.Length;
        return s.Finish is not null;
    }

    static void EnsureLogits(ref float[] logits, int rows, int v)
    {
        if (logits.Length < rows * v) logits = new float[rows * v];
    }

    /// <summary>Null when the request can run, else a one-line reason naming the field.</summary>
    static string? Validate(GenerationRequest request, ModelConfig cfg)
    {
        try
        {
            request.Sampling.Validate();
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
        var prompt = request.PromptIds;
        if (prompt is null || prompt.Length == 0) return "empty prompt: give at least one token id (e.g. the BOS token).";
        foreach (var id in prompt)
            if ((uint)id >= (uint)cfg.VocabSize) return $"prompt token id {id} is outside the vocabulary [0, {cfg.VocabSize}).";
        int total = prompt.Length + request.Sampling.MaxNewTokens;
        if (total > cfg.MaxPositionEmbeddings)
            return $"prompt of {prompt.Length} tokens + max_new_tokens {request.Sampling.MaxNewTokens} = {total} exceeds the model's context of {cfg.MaxPositionEmbeddings}. HINT: shorten the prompt or lower max_new_tokens.";
        return null;
    }
}
