using System.Text;

namespace Verity.Hub.Tokenization.Unicode;

/// <summary>
/// NFC/NFD/NFKC/NFKD (UAX #15) from embedded tables (normalization.bin, written by
/// make_normalization_data.py). Needed because the project runs with InvariantGlobalization, where
/// string.Normalize leaves non-ASCII text unchanged, and Qwen's tokenizer normalizes to NFC.
/// </summary>
public static class UnicodeNormalization
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Dictionary<int, byte> Ccc = new();
    private static readonly Dictionary<int, (bool Compat, int[] Mapping)> Decompositions = new();
    private static readonly Dictionary<long, int> Composites = new();

    static UnicodeNormalization()
    {
        using var stream = typeof(UnicodeNormalization).Assembly.GetManifestResourceStream("Verity.Hub.normalization.bin")
            ?? throw new InvalidDataException("embedded resource Verity.Hub.normalization.bin is missing. HINT: rebuild Verity.Hub (the csproj embeds Tokenization/Unicode/normalization.bin).");
        using var r = new BinaryReader(stream);
        for (uint n = r.ReadUInt32(); n > 0; n--) Ccc[r.ReadInt32()] = r.ReadByte();
        for (uint n = r.ReadUInt32(); n > 0; n--)
        {
            int cp = r.ReadInt32();
            bool compat = r.ReadByte() != 0;
            var map = new int[r.ReadByte()];
            for (int i = 0; i < map.Length; i++) map[i] = r.ReadInt32();
            Decompositions[cp] = (compat, map);
        }
        for (uint n = r.ReadUInt32(); n > 0; n--)
        {
            int a = r.ReadInt32(), b = r.ReadInt32(), c = r.ReadInt32();
            Composites[Pack(a, b)] = c;
        }
    }

    private static long Pack(int a, int b) => ((long)a << 21) | (uint)b;

    public static string Normalize(string text, NormalizationForm form)
    {
        bool compose = form is NormalizationForm.FormC or NormalizationForm.FormKC;
        bool compat = form is NormalizationForm.FormKC or NormalizationForm.FormKD;
        // Code points below these bounds are unchanged by the form (quick check).
        int stableBelow = form switch { NormalizationForm.FormC => 0x300, NormalizationForm.FormD => 0xC0, _ => 0xA0 };
        int k = 0;
        while (k < text.Length && text[k] < stableBelow) k++;
        if (k == text.Length) return text;

        var cps = new List<int>(text.Length + 8);
        for (int i = 0; i < text.Length; i++)
        {
            int cp = text[i];
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                cp = char.ConvertToUtf32(text[i], text[++i]);
            Decompose(cp, compat, cps);
        }
        ReorderCombiningMarks(cps);
        if (compose) Compose(cps);
        var sb = new StringBuilder(cps.Count);
        foreach (int cp in cps)
        {
            if (cp is >= 0xD800 and <= 0xDFFF) sb.Append((char)cp);  // lone surrogate kept as is
            else sb.Append(char.ConvertFromUtf32(cp));
        }
        return sb.ToString();
    }

    private static int CombiningClass(int cp) => cp < 0x300 ? 0 : Ccc.TryGetValue(cp, out byte c) ? c : 0;

    private static void Decompose(int cp, bool compat, List<int> output)
    {
        if (cp is >= SBase and < SBase + SCount)
        {
            int s = cp - SBase;
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0) output.Add(TBase + s % TCount);
            return;
        }
        if (cp >= 0xC0 && Decompositions.TryGetValue(cp, out var d) && (compat || !d.Compat))
        {
            foreach (int x in d.Mapping) Decompose(x, compat, output);
            return;
        }
        output.Add(cp);
    }

    /// <summary>Canonical ordering: stable sort of each run of non-starters by combining class.</summary>
    private static void ReorderCombiningMarks(List<int> cps)
    {
        for (int i = 1; i < cps.Count; i++)
        {
            int c = CombiningClass(cps[i]);
            if (c == 0) continue;
            for (int j = i; j > 0; j--)
            {
                int prev = CombiningClass(cps[j - 1]);
                if (prev <= c) break;
                (cps[j - 1], cps[j]) = (cps[j], cps[j - 1]);
            }
        }
    }

    /// <summary>Canonical composition: each char joins the last starter unless blocked by a mark of equal or higher class.</summary>
    private static void Compose(List<int> cps)
    {
        if (cps.Count < 2) return;
        int starterPos = 0;
        int starter = cps[0];
        int lastClass = CombiningClass(starter) == 0 ? 0 : 256;
        int write = 1;
        for (int read = 1; read < cps.Count; read++)
        {
            int ch = cps[read];
            int chClass = CombiningClass(ch);
            int composite = ComposePair(starter, ch);
            if (composite >= 0 && (lastClass < chClass || lastClass == 0))
            {
                cps[starterPos] = starter = composite;
                continue;
            }
            if (chClass == 0) { starterPos = write; starter = ch; }
            lastClass = chClass;
            cps[write++] = ch;
        }
        cps.RemoveRange(write, cps.Count - write);
    }

    private static int ComposePair(int a, int b)
    {
        if (a is >= LBase and < LBase + LCount && b is >= VBase and < VBase + VCount)
            return SBase + ((a - LBase) * VCount + (b - VBase)) * TCount;
        if (a is >= SBase and < SBase + SCount && (a - SBase) % TCount == 0 && b is > TBase and < TBase + TCount)
            return a + (b - TBase);
        return Composites.TryGetValue(Pack(a, b), out int c) ? c : -1;
    }
}
