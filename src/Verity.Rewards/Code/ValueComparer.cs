using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace Verity.Rewards.Code;

/// <summary>
/// Compares a function's return value, as the harness encoded it (plain JSON plus {"$t": tag, "v": …} for tuple,
/// set, dict, bytes, complex and non-finite floats), with the expected JSON value of a call test. Semantics follow
/// LiveCodeBench's functional check: tuple ≈ list; ints compare exactly (any size); 1 == 1.0 as in Python; bool is
/// not a number; float tolerance only when asked. The comparison runs here in the host, so nothing the program
/// returns can overload equality.
/// </summary>
public sealed record ValueComparer(double? FloatTolerance = null)
{
    public bool Equivalent(JsonElement actual, JsonElement expected)
    {
        if (actual.ValueKind == JsonValueKind.Object && actual.TryGetProperty("$t", out var tag) && actual.TryGetProperty("v", out var v))
        {
            switch (tag.GetString())
            {
                case "tuple":
                    return ArraysEqual(v, expected);
                case "dict":
                    return DictEquals(v, expected);
                case "float":
                    return expected.ValueKind == JsonValueKind.String && expected.GetString() == v.GetString();
                default:
                    return false; // sets, bytes, complex have no JSON counterpart in expected outputs
            }
        }
        switch (actual.ValueKind)
        {
            case JsonValueKind.Array:
                return ArraysEqual(actual, expected);
            case JsonValueKind.Number:
                return expected.ValueKind == JsonValueKind.Number && NumbersEqual(actual.GetRawText(), expected.GetRawText());
            case JsonValueKind.String:
                return expected.ValueKind == JsonValueKind.String && actual.GetString() == expected.GetString();
            case JsonValueKind.True:
            case JsonValueKind.False:
            case JsonValueKind.Null:
                return actual.ValueKind == expected.ValueKind;
            default:
                return false;
        }
    }

    private bool ArraysEqual(JsonElement actual, JsonElement expected)
    {
        if (expected.ValueKind != JsonValueKind.Array || actual.GetArrayLength() != expected.GetArrayLength()) return false;
        using var a = actual.EnumerateArray();
        using var e = expected.EnumerateArray();
        while (a.MoveNext() && e.MoveNext())
            if (!Equivalent(a.Current, e.Current)) return false;
        return true;
    }

    // The harness sends a dict as [[key, value], ...]; expected JSON objects have string keys.
    private bool DictEquals(JsonElement pairs, JsonElement expected)
    {
        if (expected.ValueKind != JsonValueKind.Object) return false;
        int count = 0;
        foreach (var pair in pairs.EnumerateArray())
        {
            count++;
            var key = pair[0];
            if (key.ValueKind != JsonValueKind.String || !expected.TryGetProperty(key.GetString()!, out var ev)) return false;
            if (!Equivalent(pair[1], ev)) return false;
        }
        return count == expected.EnumerateObject().Count();
    }

    private bool NumbersEqual(string a, string e)
    {
        static bool IsInteger(string s) => !s.Contains('.') && !s.Contains('e') && !s.Contains('E');
        if (IsInteger(a) && IsInteger(e))
            return BigInteger.Parse(a, CultureInfo.InvariantCulture) == BigInteger.Parse(e, CultureInfo.InvariantCulture);
        if (decimal.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var da)
            && decimal.TryParse(e, NumberStyles.Float, CultureInfo.InvariantCulture, out var de) && da == de) return true;
        double fa = double.Parse(a, CultureInfo.InvariantCulture), fe = double.Parse(e, CultureInfo.InvariantCulture);
        if (fa == fe) return true;
        return FloatTolerance is double tol && System.Math.Abs(fa - fe) <= tol * System.Math.Max(1.0, System.Math.Abs(fe));
    }
}
