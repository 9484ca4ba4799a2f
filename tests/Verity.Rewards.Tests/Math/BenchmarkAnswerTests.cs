using System.Text.Json;
using Verity.Rewards.Math;
using Xunit.Abstractions;

namespace Verity.Rewards.Tests.Math;

/// <summary>
/// Every reference answer of every benchmark file, boxed, verifies against itself; another row's answer that is
/// really different (normalized strings differ, and numerically different when both are plain numbers) does not.
/// </summary>
public class BenchmarkAnswerTests(ITestOutputHelper output)
{
    public static TheoryData<string> Files() => new(Directory.GetFiles(SharedData.File("benchmarks"), "*.jsonl").Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(Files))]
    public void Each_reference_verifies_against_itself_and_not_against_a_different_answer(string file)
    {
        var answers = System.IO.File.ReadLines(SharedData.File("benchmarks", file))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("answer").GetString()!).ToList();
        var selfFailures = new List<string>();
        var diffFailures = new List<string>();
        int pairs = 0;
        for (int i = 0; i < answers.Count; i++)
        {
            string gold = answers[i];
            var self = MathVerifier.Verify($"Therefore the answer is $\\boxed{{{gold}}}$.", gold);
            if (self.Score != 1) selfFailures.Add($"{i}: {gold} → {self.VerdictName} {self.Detail}");

            for (int k = 1; k < answers.Count; k++)
            {
                string other = answers[(i + k) % answers.Count];
                if (!ReallyDifferent(gold, other)) continue;
                pairs++;
                var r = MathVerifier.Verify($"Therefore the answer is $\\boxed{{{other}}}$.", gold);
                if (r.Score != 0) diffFailures.Add($"{i}: gold {gold} accepted {other}");
                break;
            }
        }
        output.WriteLine($"{file}: self {answers.Count - selfFailures.Count}/{answers.Count}, different rejected {pairs - diffFailures.Count}/{pairs}");
        foreach (var f in selfFailures.Concat(diffFailures)) output.WriteLine(f);
        Assert.Empty(selfFailures);
        Assert.Empty(diffFailures);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Changing_the_last_digit_of_an_answer_makes_it_wrong(string file)
    {
        // Units are ignored by design ("cm^2" vs "cm^3"), so answers with a unit word are skipped.
        int tried = 0;
        var accepted = new List<string>();
        foreach (var line in System.IO.File.ReadLines(SharedData.File("benchmarks", file)))
        {
            string gold = JsonDocument.Parse(line).RootElement.GetProperty("answer").GetString()!;
            if (gold.Contains("\\mbox") || gold.Contains("\\text")) continue;
            int at = gold.Length - 1;
            while (at >= 0 && !char.IsAsciiDigit(gold[at])) at--;
            if (at < 0) continue;
            string changed = gold[..at] + (char)('0' + (gold[at] - '0' + 1) % 10) + gold[(at + 1)..];
            tried++;
            if (MathVerifier.Verify($"so \\boxed{{{changed}}}", gold).Score != 0) accepted.Add($"{gold} accepted {changed}");
        }
        output.WriteLine($"{file}: {tried - accepted.Count}/{tried} perturbed answers rejected");
        Assert.Empty(accepted);
    }

    /// <summary>An independent, conservative notion of "different": not the same text after light normalization,
    /// not the same number, and not "x = a" against "a".</summary>
    private static bool ReallyDifferent(string a, string b)
    {
        string na = Normalize(a), nb = Normalize(b);
        if (na == nb) return false;
        if (double.TryParse(na, System.Globalization.CultureInfo.InvariantCulture, out var x)
            && double.TryParse(nb, System.Globalization.CultureInfo.InvariantCulture, out var y) && x == y) return false;
        return true;
    }

    private static string Normalize(string s)
    {
        s = new string(s.Where(c => !char.IsWhiteSpace(c)).ToArray())
            .Replace("\\dfrac", "\\frac").Replace("\\tfrac", "\\frac").Replace("\\left", "").Replace("\\right", "")
            .Replace("^\\circ", "").Replace("^{\\circ}", "").Replace("$", "").Replace("\\!", "").Replace("{,}", "").TrimEnd('.');
        int eq = s.IndexOf('=');
        if (eq > 0 && eq <= 3 && s.Take(eq).All(char.IsLetter)) s = s[(eq + 1)..];
        return s.ToLowerInvariant();
    }
}
