namespace Verity.Hub.Tokenization;

/// <summary>
/// GPT-2's reversible byte ↔ printable-char map (HF <c>bytes_char()</c>): the 188 printable Latin-1 bytes
/// ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves, the other 68 bytes map to U+0100 + n in byte order,
/// so space is 'Ġ' and '\n' is 'Ċ'. Byte-level vocabularies are written in these chars.
/// </summary>
public static class ByteLevel
{
    /// <summary>Char for each byte value.</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>Byte for each char below U+0200, or -1 where the char is not in the map.</summary>
    private static readonly short[] CharToByteTable = BuildCharToByte();

    /// <summary>The byte a byte-level char stands for, or -1 if the char is not one of the 256.</summary>
    public static int CharToByte(char c) => c < CharToByteTable.Length ? CharToByteTable[c] : -1;

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int n = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)(256 + n++);
        }
        return map;
    }

    private static short[] BuildCharToByte()
    {
        var table = new short[0x200];
        Array.Fill(table, (short)-1);
        for (int b = 0; b < 256; b++) table[ByteToChar[b]] = (short)b;
        return table;
    }

    /// <summary>Byte-level string of UTF-8 bytes (used by the trainer and for vocab keys).</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (dst, src) =>
        {
            for (int i = 0; i < src.Length; i++) dst[i] = ByteToChar[src[i]];
        });
    }
}
