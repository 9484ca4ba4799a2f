using System.Diagnostics;

namespace Verity.Rewards.Math;

/// <summary>Outcome of one verification.</summary>
public enum MathVerdict
{
    /// <summary>The response's final answer equals the reference.</summary>
    Correct,
    /// <summary>An answer was found and read, and it differs from the reference.</summary>
    Wrong,
    /// <summary>The response holds no extractable final answer (no box, marker, math or number).</summary>
    NoAnswer,
    /// <summary>An answer was found but could not be read as math, or the reference could not (see <see cref="MathVerification.Detail"/>).</summary>
    Unparseable,
}

/// <summary>Result of <see cref="MathVerifier.Verify"/>: score 1 only for <see cref="MathVerdict.Correct"/>.</summary>
/// <param name="Score">1 when correct, else 0.</param>
/// <param name="Verdict">What happened.</param>
/// <param name="Extracted">The response's answer text as extracted (null when none).</param>
/// <param name="Detail">Why, for unparseable verdicts ("response" or "reference" side, or the work limit).</param>
public readonly record struct MathVerification(int Score, MathVerdict Verdict, string? Extracted, string? Detail = null)
{
    /// <summary>snake_case name of the verdict as written to JSONL: correct, wrong, no_answer, unparseable.</summary>
    public string VerdictName => Verdict switch
    {
        MathVerdict.Correct => "correct",
        MathVerdict.Wrong => "wrong",
        MathVerdict.NoAnswer => "no_answer",
        _ => "unparseable",
    };
}

/// <summary>
/// Rule-based math answer verifier: extract the response's final answer (<see cref="AnswerExtractor"/>), parse
/// both it and the reference into expression trees (<see cref="LatexCleaner"/>, <see cref="MathParser"/>),
/// and decide equivalence (<see cref="MathEquivalence"/>). Pure, thread-safe, never throws, and bounded in
/// work by <see cref="MathVerifyOptions"/> (input length, nodes, depth, evaluation steps, exact-integer size).
/// </summary>
public static class MathVerifier
{
    /// <summary>Verifies one response against one reference answer.</summary>
    public static MathVerification Verify(string? response, string? reference, MathVerifyOptions? options = null)
    {
        options ??= MathVerifyOptions.Default;
        try
        {
            return VerifyCore(response ?? "", reference ?? "", options);
        }
        catch (BudgetExceededException ex)
        {
            return new MathVerification(0, MathVerdict.Unparseable, null, ex.Message);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A bug must not crash a training run; it scores 0 and says so.
            return new MathVerification(0, MathVerdict.Unparseable, null, "internal: " + ex.GetType().Name + ": " + ex.Message);
        }
    }

    private static MathVerification VerifyCore(string response, string reference, MathVerifyOptions o)
    {
        if (response.Length > o.MaxResponseChars) response = response.Substring(response.Length - o.MaxResponseChars);
        if (o.MultipleChoice) return VerifyChoice(response, reference, o);

        var budget = new WorkBudget(o);
        var gold = ParseReference(reference, o, budget);
        MathVerification? fallback = null;
        foreach (var group in o.ExtractionPriority)
        {
            var cands = new List<AnswerCandidate>();
            foreach (var src in group) cands.AddRange(AnswerExtractor.Find(response, src, o));
            if (cands.Count == 0) continue;
            cands.Sort((a, b) => b.Position.CompareTo(a.Position));
            foreach (var c in cands)
            {
                var pred = ParseAnswer(c.Text, o, budget, out bool clean);
                if (!clean) continue;
                // A last-resort guess that is only words ("hmm") answers only a question whose answer is words.
                if (c.Source == AnswerSource.LastMath && pred!.Kind == NodeKind.Text && gold.Node?.Kind != NodeKind.Text) continue;
                return Compare(gold, c.Text, pred!, o, budget);
            }
            // The group had an answer but none of it reads as math: judge it as text, never fall back to a
            // number found elsewhere (the reference may not be trusted to that).
            var first = cands[0];
            fallback = TextOnly(gold, first.Text, o);
            // The last-math guess found only prose: that is no answer, not an unreadable one.
            if (fallback.Value.Score == 0 && group.All(s => s == AnswerSource.LastMath))
                fallback = new MathVerification(0, MathVerdict.NoAnswer, null);
            break;
        }
        return fallback ?? new MathVerification(0, MathVerdict.NoAnswer, null);
    }

    private readonly record struct Reference(string Text, string? Cleaned, MathNode? Node, bool Clean);

    private static Reference ParseReference(string reference, MathVerifyOptions o, WorkBudget budget)
    {
        string text = reference;
        var boxes = AnswerExtractor.Find(reference, AnswerSource.Boxed, o);
        if (boxes.Count > 0) text = boxes[0].Text;
        else if (reference.Length > 200)
        {
            var fin = AnswerExtractor.Find(reference, AnswerSource.FinalAnswerIs, o);
            if (fin.Count > 0) text = fin[0].Text;
        }
        var cleaned = LatexCleaner.Clean(text, o);
        if (cleaned == null) return new Reference(text, null, null, false);
        var node = MathParser.Parse(cleaned, o, budget, out bool clean);
        return new Reference(text, cleaned, node, clean);
    }

    private static MathNode? ParseAnswer(string text, MathVerifyOptions o, WorkBudget budget, out bool clean)
    {
        clean = false;
        var cleaned = LatexCleaner.Clean(text, o);
        if (cleaned == null || cleaned.Length == 0) return null;
        return MathParser.Parse(cleaned, o, budget, out clean);
    }

    private static MathVerification Compare(Reference gold, string extracted, MathNode pred, MathVerifyOptions o, WorkBudget budget)
    {
        var predCleaned = LatexCleaner.Clean(extracted, o);
        if (SameText(gold.Cleaned, predCleaned)) return new MathVerification(1, MathVerdict.Correct, extracted);
        if (ChoiceMatch(gold.Cleaned, predCleaned, o.ChoiceLetters) is bool choice)
            return new MathVerification(choice ? 1 : 0, choice ? MathVerdict.Correct : MathVerdict.Wrong, extracted);
        if (gold.Node == null || !gold.Clean)
            return new MathVerification(0, MathVerdict.Unparseable, extracted, "reference answer could not be parsed");
        bool eq = new MathEquivalence(o, budget).Equivalent(gold.Node, pred);
        return new MathVerification(eq ? 1 : 0, eq ? MathVerdict.Correct : MathVerdict.Wrong, extracted);
    }

    private static MathVerification TextOnly(Reference gold, string extracted, MathVerifyOptions o)
    {
        var predCleaned = LatexCleaner.Clean(extracted, o);
        if (SameText(gold.Cleaned, predCleaned)) return new MathVerification(1, MathVerdict.Correct, extracted);
        if (ChoiceMatch(gold.Cleaned, predCleaned, o.ChoiceLetters) is bool choice)
            return new MathVerification(choice ? 1 : 0, choice ? MathVerdict.Correct : MathVerdict.Wrong, extracted);
        return new MathVerification(0, MathVerdict.Unparseable, extracted, "response answer could not be parsed");
    }

    /// <summary>Equal after dropping spaces and case: catches answers the parser does not model (e.g. "f'", "12:00").</summary>
    private static bool SameText(string? a, string? b)
    {
        if (a == null || b == null) return false;
        int i = 0, j = 0;
        bool any = false;
        while (true)
        {
            while (i < a.Length && char.IsWhiteSpace(a[i])) i++;
            while (j < b.Length && char.IsWhiteSpace(b[j])) j++;
            if (i >= a.Length || j >= b.Length) return i >= a.Length && j >= b.Length && any;
            if (char.ToLowerInvariant(a[i]) != char.ToLowerInvariant(b[j])) return false;
            any = true;
            i++; j++;
        }
    }

    // ---------------------------------------------------------------- multiple choice

    /// <summary>
    /// One side is a bare option letter ("C") and the other starts with one ("C. x = 42", "(C) Cecile"): compare
    /// the letters. Null when this rule does not apply.
    /// </summary>
    private static bool? ChoiceMatch(string? gold, string? pred, string letters)
    {
        if (gold == null || pred == null) return null;
        char? gBare = BareLetter(gold, letters), pBare = BareLetter(pred, letters);
        if (gBare == null && pBare == null) return null;
        char? gLead = gBare ?? LeadingLetter(gold, letters), pLead = pBare ?? LeadingLetter(pred, letters);
        if (gLead == null || pLead == null) return null;
        return gLead == pLead;
    }

    private static char? BareLetter(string s, string letters)
    {
        var t = s.Trim().Trim('(', ')', ' ');
        return t.Length == 1 && letters.Contains(t[0]) ? t[0] : null;
    }

    private static char? LeadingLetter(string s, string letters)
    {
        var t = s.TrimStart();
        int k = t.StartsWith('(') ? 1 : 0;
        if (k >= t.Length || !letters.Contains(t[k])) return null;
        int e = k + 1;
        if (k == 1) { if (e < t.Length && t[e] == ')') return t[k]; return null; }
        if (e < t.Length && (t[e] is '.' or ')' or ':') ) return t[k];
        return null;
    }

    private static MathVerification VerifyChoice(string response, string reference, MathVerifyOptions o)
    {
        char? gold = ChoiceExtractor.Extract(reference, o.ChoiceLetters);
        char? pred = ChoiceExtractor.Extract(response, o.ChoiceLetters);
        if (pred == null) return new MathVerification(0, MathVerdict.NoAnswer, null);
        if (gold == null) return new MathVerification(0, MathVerdict.Unparseable, pred.ToString(), "reference has no option letter");
        return gold == pred
            ? new MathVerification(1, MathVerdict.Correct, pred.ToString())
            : new MathVerification(0, MathVerdict.Wrong, pred.ToString());
    }

    // ---------------------------------------------------------------- throughput

    /// <summary>
    /// Verifications per second on one thread over the given (response, reference) pairs, repeated until at least
    /// <paramref name="minSeconds"/> have passed (after one warm-up pass). Used by <c>verity reward math-bench</c>.
    /// </summary>
    public static (double PerSecond, long Count, int Correct) MeasureThroughput(IReadOnlyList<(string Response, string Reference)> pairs, double minSeconds = 2, MathVerifyOptions? options = null)
    {
        options ??= MathVerifyOptions.Default;
        int correct = 0;
        foreach (var (r, g) in pairs) correct += Verify(r, g, options).Score;
        long count = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < minSeconds || count == 0)
        {
            foreach (var (r, g) in pairs) Verify(r, g, options);
            count += pairs.Count;
            if (pairs.Count == 0) break;
        }
        return (count / sw.Elapsed.TotalSeconds, count, correct);
    }
}
