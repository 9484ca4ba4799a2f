using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Verity.Engine.Model;
using Verity.Engine.Threading;

namespace Verity.Engine.Optim;

/// <summary>
/// AdamW with PyTorch's semantics (torch.optim.AdamW, amsgrad off), per element:
/// <code>
///   p *= 1 − lr·wd                       (decoupled decay, only where Decays(key))
///   m  = β1·m + (1−β1)·g
///   v  = β2·v + (1−β2)·g²
///   p −= lr/(1−β1^t) · m / (√v / √(1−β2^t) + eps)
/// </code>
/// Frozen parameters are skipped and keep no state. The step count t is shared by all parameters,
/// so a parameter unfrozen later starts with the current bias correction — the same as PyTorch only
/// when every parameter trains from step one, which is how Verity uses it.
/// </summary>
public sealed class AdamW
{
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly Dictionary<ParameterKey, (float[] M, float[] V)> _state = new();

    public AdamW(IReadOnlyList<Parameter> parameters, AdamWOptions options)
    {
        options.Validate();
        _parameters = parameters;
        Options = options;
    }

    public AdamWOptions Options { get; }

    /// <summary>Steps taken so far (PyTorch's <c>state["step"]</c>).</summary>
    public long StepCount { get; private set; }

    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Takes one step at the options' learning rate.</summary>
    public void Step() => Step(Options.LearningRate);

    /// <summary>Takes one step at <paramref name="learningRate"/> (from a schedule).</summary>
    public void Step(double learningRate)
    {
        StepCount++;
        var o = Options;
        double bc1 = 1 - Math.Pow(o.Beta1, StepCount);
        double bc2Sqrt = Math.Sqrt(1 - Math.Pow(o.Beta2, StepCount));
        var k = new Coefficients(
            StepSize: (float)(learningRate / bc1),
            Beta1: (float)o.Beta1,
            OneMinusBeta1: (float)(1 - o.Beta1),
            Beta2: (float)o.Beta2,
            OneMinusBeta2: (float)(1 - o.Beta2),
            Bc2Sqrt: (float)bc2Sqrt,
            Eps: (float)o.Eps);
        // The state is created and the decay decided serially; the element loop then runs in fixed chunks on the
        // work pool (it is bound by memory bandwidth, ~16 bytes read and 12 written per parameter). Each element's
        // update depends only on itself, so the result does not depend on the split or the thread count.
        var chunks = new List<(Parameter P, float[] M, float[] V, float Decay, int Start, int Length)>();
        foreach (var p in _parameters)
        {
            if (p.Frozen) continue;
            var (m, v) = StateOf(p);
            bool decays = o.Decays?.Invoke(p.Key) ?? true;
            float decay = decays ? (float)(1 - learningRate * o.WeightDecay) : 1f;
            for (int start = 0; start < p.Length; start += ChunkElements)
                chunks.Add((p, m, v, decay, start, Math.Min(ChunkElements, p.Length - start)));
        }
        WorkPool.For(chunks.Count, i =>
        {
            var (p, m, v, decay, s, n) = chunks[i];
            Update(p.Data.AsSpan(s, n), p.Grad.AsSpan(s, n), m.AsSpan(s, n), v.AsSpan(s, n), decay, k);
        });
    }

    /// <summary>Elements per parallel task (1 MB of each buffer): big enough to amortize a hand-off.</summary>
    const int ChunkElements = 1 << 18;

    internal readonly record struct Coefficients(float StepSize, float Beta1, float OneMinusBeta1, float Beta2,
        float OneMinusBeta2, float Bc2Sqrt, float Eps);

    /// <summary>The fused element loop; <see cref="UpdateReference"/> is the scalar form it is tested against.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float decay, Coefficients k)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var b1 = Vector512.Create(k.Beta1); var ob1 = Vector512.Create(k.OneMinusBeta1);
            var b2 = Vector512.Create(k.Beta2); var ob2 = Vector512.Create(k.OneMinusBeta2);
            var bc2 = Vector512.Create(k.Bc2Sqrt); var eps = Vector512.Create(k.Eps);
            var step = Vector512.Create(k.StepSize); var dec = Vector512.Create(decay);
            for (; i <= p.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var gv = Vector512.Create(g.Slice(i, Vector512<float>.Count));
                var mv = b1 * Vector512.Create(m.Slice(i, Vector512<float>.Count)) + ob1 * gv;
                var vv = b2 * Vector512.Create(v.Slice(i, Vector512<float>.Count)) + ob2 * (gv * gv);
                var pv = Vector512.Create(p.Slice(i, Vector512<float>.Count)) * dec;
                pv -= step * (mv / (Vector512.Sqrt(vv) / bc2 + eps));
                mv.CopyTo(m.Slice(i)); vv.CopyTo(v.Slice(i)); pv.CopyTo(p.Slice(i));
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var b1 = Vector256.Create(k.Beta1); var ob1 = Vector256.Create(k.OneMinusBeta1);
            var b2 = Vector256.Create(k.Beta2); var ob2 = Vector256.Create(k.OneMinusBeta2);
            var bc2 = Vector256.Create(k.Bc2Sqrt); var eps = Vector256.Create(k.Eps);
            var step = Vector256.Create(k.StepSize); var dec = Vector256.Create(decay);
            for (; i <= p.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var gv = Vector256.Create(g.Slice(i, Vector256<float>.Count));
                var mv = b1 * Vector256.Create(m.Slice(i, Vector256<float>.Count)) + ob1 * gv;
                var vv = b2 * Vector256.Create(v.Slice(i, Vector256<float>.Count)) + ob2 * (gv * gv);
                var pv = Vector256.Create(p.Slice(i, Vector256<float>.Count)) * dec;
                pv -= step * (mv / (Vector256.Sqrt(vv) / bc2 + eps));
                mv.CopyTo(m.Slice(i)); vv.CopyTo(v.Slice(i)); pv.CopyTo(p.Slice(i));
            }
        }
        UpdateReference(p[i..], g[i..], m[i..], v[i..], decay, k);
    }

    internal static void UpdateReference(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float decay, Coefficients k)
    {
        for (int i = 0; i < p.Length; i++)
        {
            float gi = g[i];
            m[i] = k.Beta1 * m[i] + k.OneMinusBeta1 * gi;
            v[i] = k.Beta2 * v[i] + k.OneMinusBeta2 * (gi * gi);
            float pi = p[i] * decay;
            p[i] = pi - k.StepSize * (m[i] / (MathF.Sqrt(v[i]) / k.Bc2Sqrt + k.Eps));
        }
    }

    private (float[] M, float[] V) StateOf(Parameter p)
    {
        if (!_state.TryGetValue(p.Key, out var s))
        {
            s = (new float[p.Length], new float[p.Length]);
            _state[p.Key] = s;
        }
        return s;
    }

    /// <summary>First and second moments of <paramref name="key"/>, or null if it never stepped.</summary>
    public (float[] ExpAvg, float[] ExpAvgSq)? GetState(ParameterKey key) =>
        _state.TryGetValue(key, out var s) ? (s.M, s.V) : null;

    /// <summary>Restores a saved state (resume). Moment lengths must match the parameter.</summary>
    public void SetState(long stepCount, IReadOnlyDictionary<ParameterKey, (float[] ExpAvg, float[] ExpAvgSq)> moments)
    {
        if (stepCount < 0) throw new ArgumentException($"adamw state: step count must be ≥ 0, got {stepCount}.");
        var byKey = _parameters.ToDictionary(p => p.Key);
        var restored = new Dictionary<ParameterKey, (float[], float[])>();
        foreach (var (key, (m, v)) in moments)
        {
            if (!byKey.TryGetValue(key, out var p))
                throw new ArgumentException($"adamw state: moments for {key}, which the model does not have. HINT: the optimizer state belongs to a different model.");
            if (m.Length != p.Length || v.Length != p.Length)
                throw new ArgumentException($"adamw state: moments for {key} have {m.Length}/{v.Length} elements, the parameter {p.Length}. HINT: the optimizer state belongs to a different model.");
            restored[key] = ((float[])m.Clone(), (float[])v.Clone());
        }
        _state.Clear();
        foreach (var (key, s) in restored) _state[key] = s;
        StepCount = stepCount;
    }
}
