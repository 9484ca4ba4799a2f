using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Verity.Rl.Config;

/// <summary>
/// Writes config floats so they read as floats ("1.0", "1e-06", not "1", "1E-06"): the resolved YAML and the
/// reference then show which keys take fractions. Round-trip exact ("R").
/// </summary>
internal sealed class DoubleFormat : JsonConverter<double>
{
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDouble();

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options) => writer.WriteRawValue(Format(value));

    public static string Format(double value)
    {
        string s = value.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');
        return s.Contains('.') || s.Contains('e') ? s : s + ".0";
    }
}
