using System.Text.Json;

namespace Verity.Rewards.Code;

/// <summary>One stdin/stdout case: the program gets <see cref="Input"/> on stdin and must print <see cref="Output"/>.</summary>
public sealed record StdioCase(string Input, string Output);

/// <summary>One function-call case: positional JSON arguments and the expected JSON return value.</summary>
public sealed record CallCase(JsonElement Args, JsonElement Output);

/// <summary>
/// The tests of one problem, normalized to four kinds (docs/reference code-sandbox.md §1):
/// stdio (program per case), call (function or LeetCode <c>Solution</c> method), asserts (MBPP/AceCoder, one test
/// per assert statement) and check (HumanEval <c>check(candidate)</c>, one all-or-nothing test).
/// </summary>
public abstract record CodeTestSuite
{
    /// <summary>Number of tests this suite scores (asserts: statements; check: 1).</summary>
    public abstract int Count { get; }

    /// <summary>Keeps at most <paramref name="maxTests"/> tests (0 = all): stdio/call keep the longest inputs (as
    /// DeepCoder does, they are the most discriminating), asserts keep the first ones.</summary>
    public abstract CodeTestSuite Take(int maxTests);

    /// <summary>Canonical JSON of the suite, hashed into the result-cache key.</summary>
    public abstract string Fingerprint();

    public static readonly IReadOnlyList<string> Kinds = ["stdio", "call", "asserts", "check"];

    /// <summary>Parses the <c>tests</c> object of a problem or reward request; <paramref name="where"/> names the
    /// file and line for error messages.</summary>
    public static CodeTestSuite Parse(JsonElement tests, string where)
    {
        if (tests.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{where}: key 'tests' must be an object, got {tests.ValueKind}. HINT: use {{\"kind\":\"stdio\",\"cases\":[...]}}.");
        string kind = RequireString(tests, "kind", where);
        CodeTestSuite suite = kind switch
        {
            "stdio" => new StdioSuite(RequireArray(tests, "cases", where).Select((c, i) =>
                new StdioCase(RequireString(c, "input", $"{where} cases[{i}]"), RequireString(c, "output", $"{where} cases[{i}]"))).ToArray()),
            "call" => new CallSuite(RequireString(tests, "fn_name", where), RequireArray(tests, "cases", where).Select((c, i) =>
            {
                var args = Require(c, "args", $"{where} cases[{i}]");
                if (args.ValueKind != JsonValueKind.Array)
                    throw new InvalidDataException($"{where} cases[{i}]: key 'args' must be a JSON array of positional arguments. HINT: wrap a single argument as [x].");
                return new CallCase(args.Clone(), Require(c, "output", $"{where} cases[{i}]").Clone());
            }).ToArray()),
            "asserts" => new AssertsSuite(OptionalString(tests, "setup") ?? "",
                RequireArray(tests, "asserts", where).Select((a, i) => AsString(a, $"{where} asserts[{i}]"))
                    .Concat(OptionalArray(tests, "challenge_asserts").Select((a, i) => AsString(a, $"{where} challenge_asserts[{i}]"))).ToArray()),
            "check" => new CheckSuite(RequireString(tests, "entry_point", where), RequireString(tests, "code", where)),
            _ => throw new InvalidDataException($"{where}: unknown tests kind '{kind}'. HINT: use one of {string.Join(", ", Kinds)}."),
        };
        if (suite.Count == 0) throw new InvalidDataException($"{where}: the '{kind}' tests have no cases. HINT: give at least one case (or drop the problem).");
        return suite;
    }

    private static JsonElement Require(JsonElement obj, string key, string where)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(key, out var value))
            throw new InvalidDataException($"{where}: missing key '{key}'. HINT: see `verity reward code --help` for the test formats.");
        return value;
    }

    private static string RequireString(JsonElement obj, string key, string where) => AsString(Require(obj, key, where), $"{where} key '{key}'");

    private static string AsString(JsonElement value, string where) => value.ValueKind == JsonValueKind.String
        ? value.GetString()!
        : throw new InvalidDataException($"{where}: expected a string, got {value.ValueKind}. HINT: quote the value.");

    private static JsonElement.ArrayEnumerator RequireArray(JsonElement obj, string key, string where)
    {
        var value = Require(obj, key, where);
        return value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray()
            : throw new InvalidDataException($"{where}: key '{key}' must be an array, got {value.ValueKind}. HINT: use [...].");
    }

    private static string? OptionalString(JsonElement obj, string key) =>
        obj.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static IEnumerable<JsonElement> OptionalArray(JsonElement obj, string key) =>
        obj.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [];

    private protected static int[] LongestFirstKept(IReadOnlyList<int> sizes, int maxTests)
    {
        if (maxTests <= 0 || maxTests >= sizes.Count) return Enumerable.Range(0, sizes.Count).ToArray();
        return Enumerable.Range(0, sizes.Count).OrderByDescending(i => sizes[i]).ThenBy(i => i).Take(maxTests).Order().ToArray();
    }

    private protected static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) write(writer);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}

public sealed record StdioSuite(IReadOnlyList<StdioCase> Cases) : CodeTestSuite
{
    public override int Count => Cases.Count;

    public override CodeTestSuite Take(int maxTests) =>
        new StdioSuite(LongestFirstKept(Cases.Select(c => c.Input.Length).ToArray(), maxTests).Select(i => Cases[i]).ToArray());

    public override string Fingerprint() => Json(w =>
    {
        w.WriteStartArray();
        w.WriteStringValue("stdio");
        foreach (var c in Cases) { w.WriteStringValue(c.Input); w.WriteStringValue(c.Output); }
        w.WriteEndArray();
    });
}

public sealed record CallSuite(string FnName, IReadOnlyList<CallCase> Cases) : CodeTestSuite
{
    public override int Count => Cases.Count;

    public override CodeTestSuite Take(int maxTests) =>
        new CallSuite(FnName, LongestFirstKept(Cases.Select(c => c.Args.GetRawText().Length).ToArray(), maxTests).Select(i => Cases[i]).ToArray());

    public override string Fingerprint() => Json(w =>
    {
        w.WriteStartArray();
        w.WriteStringValue("call");
        w.WriteStringValue(FnName);
        foreach (var c in Cases) { c.Args.WriteTo(w); c.Output.WriteTo(w); }
        w.WriteEndArray();
    });
}

/// <summary>MBPP/AceCoder style: <see cref="Asserts"/> are statements run after <see cref="Setup"/> in the judge
/// process; MBPP's challenge asserts are appended to the base ones when present.</summary>
public sealed record AssertsSuite(string Setup, IReadOnlyList<string> Asserts) : CodeTestSuite
{
    public override int Count => Asserts.Count;

    public override CodeTestSuite Take(int maxTests) =>
        maxTests <= 0 || maxTests >= Asserts.Count ? this : new AssertsSuite(Setup, Asserts.Take(maxTests).ToArray());

    public override string Fingerprint() => Json(w =>
    {
        w.WriteStartArray();
        w.WriteStringValue("asserts");
        w.WriteStringValue(Setup);
        foreach (var a in Asserts) w.WriteStringValue(a);
        w.WriteEndArray();
    });
}

/// <summary>HumanEval style: <c>check(entry_point)</c> from <see cref="Code"/>, one all-or-nothing test.</summary>
public sealed record CheckSuite(string EntryPoint, string Code) : CodeTestSuite
{
    public override int Count => 1;

    public override CodeTestSuite Take(int maxTests) => this;

    public override string Fingerprint() => Json(w =>
    {
        w.WriteStartArray();
        w.WriteStringValue("check");
        w.WriteStringValue(EntryPoint);
        w.WriteStringValue(Code);
        w.WriteEndArray();
    });
}
