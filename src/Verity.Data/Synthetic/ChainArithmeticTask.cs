using System.Globalization;
using System.Text;

namespace Verity.Data.Synthetic;

/// <summary>One problem of the chain-arithmetic task: "a+b+c=" with its exact answer.</summary>
public sealed record ArithmeticProblem(IReadOnlyList<int> Operands)
{
    /// <summary>The prompt the model sees, e.g. <c>"12+34+56="</c>.</summary>
    public string Prompt => string.Join('+', Operands.Select(o => o.ToString(CultureInfo.InvariantCulture))) + "=";

    /// <summary>The exact sum, as the reference answer text for the verifier.</summary>
    public string Answer => Operands.Sum().ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The demo's verifiable task: add <see cref="Terms"/> two-digit numbers with a chain of thought of
/// partial sums, final answer in <c>\boxed{}</c>: <c>12+34+56=</c> → <c>12+34=46;46+56=102;\boxed{102}</c>.
/// Demonstrations come from a noisy teacher that botches each partial sum with probability
/// <c>stepNoise</c> (±1 or ±10, carried forward), so SFT plateaus at the teacher's accuracy and RL
/// must surpass it — the protocol of ../shared/reference/demo_prototype.py and seed 004's observation
/// that real distillation data keeps wrong answers.
/// Problems are split deterministically into train and held-out by a hash of the operands, so a
/// held-out problem is never drawn for training whatever the seed.
/// </summary>
public sealed class ChainArithmeticTask
{
    private static readonly int[] Slips = [-10, -1, 1, 10];

    public ChainArithmeticTask(int terms = 3, int minOperand = 10, int maxOperand = 99, int heldOutPercent = 10)
    {
        if (terms < 2) throw new ArgumentException($"chain arithmetic: terms must be ≥ 2, got {terms}.");
        if (minOperand < 0 || maxOperand < minOperand)
            throw new ArgumentException($"chain arithmetic: need 0 ≤ min_operand ≤ max_operand, got {minOperand}..{maxOperand}.");
        if (heldOutPercent is <= 0 or >= 100)
            throw new ArgumentException($"chain arithmetic: held_out_percent must be in 1..99, got {heldOutPercent}.");
        Terms = terms;
        MinOperand = minOperand;
        MaxOperand = maxOperand;
        HeldOutPercent = heldOutPercent;
    }

    public int Terms { get; }
    public int MinOperand { get; }
    public int MaxOperand { get; }
    public int HeldOutPercent { get; }

    /// <summary>True when the problem belongs to the held-out split.</summary>
    public bool IsHeldOut(ArithmeticProblem problem)
    {
        // FNV-1a over the operands: stable across runs and platforms (string.GetHashCode is not).
        uint h = 2166136261;
        foreach (var o in problem.Operands) { h ^= (uint)o; h *= 16777619; }
        return h % 100 < (uint)HeldOutPercent;
    }

    /// <summary>A training problem (never one of the held-out split).</summary>
    public ArithmeticProblem SampleTrain(Random rng)
    {
        while (true)
        {
            var p = Draw(rng);
            if (!IsHeldOut(p)) return p;
        }
    }

    /// <summary><paramref name="count"/> distinct held-out problems, the same for the same seed.</summary>
    public IReadOnlyList<ArithmeticProblem> HeldOut(int count, int seed)
    {
        var rng = new Random(seed);
        var seen = new HashSet<string>();
        var list = new List<ArithmeticProblem>(count);
        for (int tries = 0; list.Count < count; tries++)
        {
            if (tries > count * 1000)
                throw new ArgumentException($"chain arithmetic: cannot draw {count} distinct held-out problems from this range. HINT: widen the operand range or ask for fewer.");
            var p = Draw(rng);
            if (IsHeldOut(p) && seen.Add(p.Prompt)) list.Add(p);
        }
        return list;
    }

    /// <summary>The correct chain of thought and boxed answer.</summary>
    public static string Solve(ArithmeticProblem problem) => Demonstrate(problem, rng: null, stepNoise: 0);

    /// <summary>A teacher demonstration whose partial sums are each wrong with probability <paramref name="stepNoise"/>.</summary>
    public static string Demonstrate(ArithmeticProblem problem, Random? rng, double stepNoise)
    {
        var sb = new StringBuilder();
        long acc = problem.Operands[0];
        for (int i = 1; i < problem.Operands.Count; i++)
        {
            long next = acc + problem.Operands[i];
            if (rng is not null && rng.NextDouble() < stepNoise) next += Slips[rng.Next(Slips.Length)];
            sb.Append(acc.ToString(CultureInfo.InvariantCulture)).Append('+')
              .Append(problem.Operands[i].ToString(CultureInfo.InvariantCulture)).Append('=')
              .Append(next.ToString(CultureInfo.InvariantCulture)).Append(';');
            acc = next;
        }
        sb.Append("\\boxed{").Append(acc.ToString(CultureInfo.InvariantCulture)).Append('}');
        return sb.ToString();
    }

    private ArithmeticProblem Draw(Random rng)
    {
        var ops = new int[Terms];
        for (int i = 0; i < Terms; i++) ops[i] = rng.Next(MinOperand, MaxOperand + 1);
        return new ArithmeticProblem(ops);
    }
}
