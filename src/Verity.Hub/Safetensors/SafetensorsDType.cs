namespace Verity.Hub.Safetensors;

/// <summary>
/// The safetensors element types. Only F32, F16 and BF16 convert to the engine's float32; the rest are
/// known so that a file holding them still validates and the error can say which tensor is unsupported.
/// </summary>
public static class SafetensorsDType
{
    public const string F32 = "F32";
    public const string F16 = "F16";
    public const string BF16 = "BF16";

    // Bits per element of every dtype the format defines (safetensors tensor.rs); sub-byte types are
    // listed in bits so numel·bits/8 stays exact.
    private static readonly Dictionary<string, int> Bits = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 8, ["U8"] = 8, ["I8"] = 8, ["F8_E5M2"] = 8, ["F8_E4M3"] = 8, ["F8_E8M0"] = 8,
        ["I16"] = 16, ["U16"] = 16, ["F16"] = 16, ["BF16"] = 16,
        ["I32"] = 32, ["U32"] = 32, ["F32"] = 32,
        ["F64"] = 64, ["I64"] = 64, ["U64"] = 64, ["C64"] = 64,
        ["F4"] = 4, ["F6_E2M3"] = 6, ["F6_E3M2"] = 6,
    };

    public static bool TryGetBits(string dtype, out int bits) => Bits.TryGetValue(dtype, out bits);

    public static bool ConvertsToFloat32(string dtype) => dtype is F32 or F16 or BF16;

    public static IEnumerable<string> Known => Bits.Keys;
}

/// <summary>How float32 parameters are stored when written.</summary>
public enum StorageDType
{
    F32,
    BF16,
}
