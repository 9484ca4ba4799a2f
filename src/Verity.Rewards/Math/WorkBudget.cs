namespace Verity.Rewards.Math;

/// <summary>Thrown inside the verifier when one call has used up its work budget; never escapes <see cref="MathVerifier"/>.</summary>
internal sealed class BudgetExceededException(string what) : Exception($"work limit reached: {what}");

/// <summary>
/// Bounds the work of one verification so that no input can hang it: nodes built, recursion depth, evaluation
/// steps and the size of exact integers. Each check is a counter increment, so the cost is negligible.
/// </summary>
internal sealed class WorkBudget(MathVerifyOptions options)
{
    private int _nodes;
    private long _steps;
    public int Depth;

    public void Node() { if (++_nodes > options.MaxNodes) throw new BudgetExceededException($"more than {options.MaxNodes} nodes"); }
    public void Step(int n = 1) { _steps += n; if (_steps > options.MaxEvaluationSteps) throw new BudgetExceededException($"more than {options.MaxEvaluationSteps} evaluation steps"); }
    public void Enter() { if (++Depth > options.MaxDepth) throw new BudgetExceededException($"nesting deeper than {options.MaxDepth}"); }
    public void Leave() => Depth--;
    public bool BitsOk(long bits) => bits <= options.MaxExactBits;
}
