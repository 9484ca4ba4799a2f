using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Verity.Engine.Generation;

/// <summary>One drawn token and its two log-probs.</summary>
/// <param name="Id">The token id.</param>
/// <param name="PolicyLogProb">
/// log π(token) under the model's own distribution: log-softmax of the raw logits, before temperature
/// and before top-k / top-p / min-p truncation. This is what the trainer's forward recomputes, and what
/// RL losses and the rollout/training mismatch metric use.
/// </param>
/// <param name="SamplingLogProb">
/// log q(token) under the distribution the token was actually drawn from: tempered, truncated and
/// renormalized (0 for greedy). Use it for importance correction of off-policy samples.
/// </param>
public readonly record struct SampledToken(int Id, float PolicyLogProb, float SamplingLogProb);

/// <summary>
/// Draws one token from a row of logits. Holds V-sized scratch buffers, so keep one per worker and
/// reuse it; not thread-safe. Filters follow Hugging Face's order and semantics:
/// temperature → top-k → top-p (smallest most-likely set with mass ≥ top_p, renormalized after
/// top-k) → min-p (drop tokens with prob &lt; min_p·max prob) → renormalize → draw.
/// </summary>
public sealed class TokenSampler
{
    private float[] _prob = [];     // [V] tempered probabilities (unnormalized, max = 1)
    private int[] _cand = [];       // [V] candidate token ids
    private ulong[] _candKey = [];  // [V] sort keys: descending probability, then ascending id

    public SampledToken Sample(ReadOnlySpan<float> logits, SamplingParams p, ref SamplingRng rng)
    {
        int v = logits.Length;
        if (v == 0) throw new ArgumentException("sampling: empty logits row.");
        int argmax = TensorPrimitives.IndexOfMax(logits);
        float maxLogit = logits[argmax];
        EnsureCapacity(v);
        // exp(l_i − max): the policy's unnormalized distribution, and at temperature 1 also the sampling one.
        var prob = _prob.AsSpan(0, v);
        TensorPrimitives.Subtract(logits, maxLogit, prob);
        TensorPrimitives.Exp(prob, prob);
        double policySum = SumAsDouble(prob);
        float policyLogZ = maxLogit + (float)Math.Log(policySum);

        if (p.IsGreedy) return new SampledToken(argmax, logits[argmax] - policyLogZ, 0f);

        if (p.Temperature != 1f)
        {
            // q_i ∝ exp((l_i − max)/T): the tempered distribution, unnormalized with max 1.
            TensorPrimitives.Subtract(logits, maxLogit, prob);
            TensorPrimitives.Multiply(prob, 1f / p.Temperature, prob);
            TensorPrimitives.Exp(prob, prob);
        }

        int chosen;
        double mass;
        bool everyToken = (p.TopK <= 0 || p.TopK >= v) && p.TopP >= 1f && p.MinP <= 0f;
        if (everyToken)
        {
            // Every token is a candidate (plain sampling): walk the ids in order, no candidate list.
            mass = p.Temperature == 1f ? policySum : SumAsDouble(prob);
            chosen = Pick(prob, rng.NextDouble() * mass);
        }
        else
        {
            int count = SelectCandidates(prob, p);
            var cand = _cand.AsSpan(0, count);
            mass = 0;
            foreach (var id in cand) mass += prob[id];
            double u = rng.NextDouble() * mass, cum = 0;
            chosen = cand[^1];
            foreach (var id in cand)
            {
                cum += prob[id];
                if (u < cum) { chosen = id; break; }
            }
        }
        float samplingLogProb = (float)(Math.Log(prob[chosen]) - Math.Log(mass));
        return new SampledToken(chosen, logits[chosen] - policyLogZ, samplingLogProb);
    }

    /// <summary>log Σ exp(l − max), accumulated in double (the float64 reference of the sampler's normalizer).</summary>
    internal static float LogSumExpShifted(ReadOnlySpan<float> logits, float max)
    {
        double s = 0;
        foreach (var l in logits) s += Math.Exp(l - max);
        return (float)Math.Log(s);
    }

    /// <summary>Σ x in double: 8 double lanes in a fixed order (the vocabulary is ~10⁵ terms; float lanes would lose digits).</summary>
    internal static double SumAsDouble(ReadOnlySpan<float> x)
    {
        int i = 0;
        double s = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var acc = Vector512<double>.Zero;
            for (; i + 16 <= x.Length; i += 16)
            {
                var (lo, hi) = Vector512.Widen(Vector512.Create(x.Slice(i, 16)));
                acc += lo + hi;
            }
            s = Vector512.Sum(acc);
        }
        for (; i < x.Length; i++) s += x[i];
        return s;
    }

    /// <summary>Ids per block that <see cref="Pick"/> skips with one vector sum.</summary>
    const int PickBlock = 64;

    /// <summary>
    /// The first id whose running sum of <paramref name="prob"/> (in id order) exceeds u; the last id if none does.
    /// Whole blocks of <see cref="PickBlock"/> ids are skipped while the running sum stays at or below u (one
    /// vector sum each, not 64 dependent double adds; a whole sample at a 49k vocabulary went 60 → 33 µs); the
    /// block that crosses u is walked id by id. Same choice as <see cref="PickReference"/> except when u lies
    /// within double rounding of a boundary.
    /// </summary>
    internal static int Pick(ReadOnlySpan<float> prob, double u)
    {
        double cum = 0;
        int i = 0;
        for (; i + PickBlock <= prob.Length; i += PickBlock)
        {
            double block = SumAsDouble(prob.Slice(i, PickBlock));
            if (u < cum + block) break;
            cum += block;
        }
        // If rounding puts the crossing just past this block, the walk simply goes on into the next one.
        for (; i < prob.Length; i++)
        {
            cum += prob[i];
            if (u < cum) return i;
        }
        return prob.Length - 1;
    }

    /// <summary>Reference for <see cref="Pick"/>: one running double sum, id by id.</summary>
    internal static int PickReference(ReadOnlySpan<float> prob, double u)
    {
        double cum = 0;
        for (int i = 0; i < prob.Length; i++)
        {
            cum += prob[i];
            if (u < cum) return i;
        }
        return prob.Length - 1;
    }

    /// <summary>
    /// Fills _cand with the surviving token ids. Without top-k/top-p no sort is needed (index order);
    /// with them, candidates are sorted by probability (descending, ties by id).
    /// </summary>
    private int SelectCandidates(Span<float> prob, SamplingParams p)
    {
        int v = prob.Length;
        int k = p.TopK > 0 && p.TopK < v ? p.TopK : v;
        bool needSort = k < v || p.TopP < 1f;
        int count;
        if (!needSort)
        {
            count = 0;
            float floor = p.MinP; // max prob is exactly 1 after the shift
            for (int i = 0; i < v; i++) if (prob[i] >= floor) _cand[count++] = i;
            return count;
        }

        // Sort only the tokens above a threshold τ; the set is exact as soon as it holds the k best
        // tokens (top-k) and enough mass (top-p), because every excluded token is below all included.
        double total = 0;
        foreach (var q in prob) total += q;
        float tau = 1e-3f;
        while (true)
        {
            count = 0;
            for (int i = 0; i < v; i++) if (prob[i] >= tau) _cand[count++] = i;
            double kept = 0;
            for (int i = 0; i < count; i++) kept += prob[_cand[i]];
            // With top-k the nucleus is computed inside the top-k set, so holding that set suffices;
            // without it, the kept tokens must carry at least top_p of the total mass.
            bool done = k < v ? count >= k : kept >= p.TopP * total * (1 + 1e-9);
            if (tau == 0f || count == v || done) break;
            tau = tau > 1e-30f ? tau / 64f : 0f;
        }
        // Probabilities are ≥ 0, so their IEEE bits order like the values; complementing them sorts
        // descending, and the id in the low half breaks ties the same way on every run.
        var keys = _candKey.AsSpan(0, count);
        for (int i = 0; i < count; i++)
            keys[i] = ((ulong)~BitConverter.SingleToUInt32Bits(prob[_cand[i]]) << 32) | (uint)_cand[i];
        keys.Sort();
        for (int i = 0; i < count; i++) _cand[i] = (int)(uint)keys[i];
        count = Math.Min(count, k);

        if (p.TopP < 1f)
        {
            double topMass = total;
            if (k < v)
            {
                topMass = 0;
                for (int i = 0; i < count; i++) topMass += prob[_cand[i]];
            }
            double need = p.TopP * topMass, cum = 0;
            int keep = count;
            for (int i = 0; i < count; i++)
            {
                cum += prob[_cand[i]];
                if (cum >= need) { keep = i + 1; break; }
            }
            count = keep;
        }
        if (p.MinP > 0f)
        {
            float floor = p.MinP * prob[_cand[0]];
            int keep = 0;
            while (keep < count && prob[_cand[keep]] >= floor) keep++;
            count = Math.Max(keep, 1);
        }
        return count;
    }

    private void EnsureCapacity(int v)
    {
        if (_prob.Length >= v) return;
        _prob = new float[v];
        _cand = new int[v];
        _candKey = new ulong[v];
    }
}
