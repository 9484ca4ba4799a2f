using System.Buffers.Binary;
using System.Text;
using Verity.Rl.Tracking;

namespace Verity.Rl.Tests.Tracking;

/// <summary>
/// An independent minimal reader of TensorBoard event files for the tests: checks both CRCs of every record and
/// decodes Event / Summary / Value with a generic protobuf field walker (unknown fields are skipped, as real readers do).
/// </summary>
internal static class TensorBoardReader
{
    public sealed record Event(double WallTime, long Step, string? FileVersion, List<(string Tag, float Value)> Scalars);

    public static List<Event> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var events = new List<Event>();
        int pos = 0;
        while (pos < bytes.Length)
        {
            Assert.True(bytes.Length - pos >= 12, $"truncated record header at byte {pos}");
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(pos));
            uint lengthCrc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 8));
            Assert.Equal(Crc32C.Masked(bytes.AsSpan(pos, 8)), lengthCrc);
            pos += 12;
            var payload = bytes.AsSpan(pos, checked((int)length));
            pos += (int)length;
            uint payloadCrc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos));
            Assert.Equal(Crc32C.Masked(payload), payloadCrc);
            pos += 4;
            events.Add(DecodeEvent(payload));
        }
        return events;
    }

    private static Event DecodeEvent(ReadOnlySpan<byte> data)
    {
        double wall = 0;
        long step = 0;
        string? version = null;
        var scalars = new List<(string, float)>();
        foreach (var f in Fields(data.ToArray()))
        {
            switch (f.Number, f.WireType)
            {
                case (1, 1): wall = BitConverter.Int64BitsToDouble((long)f.Fixed); break;
                case (2, 0): step = (long)f.Varint; break;
                case (3, 2): version = Encoding.UTF8.GetString(f.Bytes); break;
                case (5, 2):
                    foreach (var v in Fields(f.Bytes))
                    {
                        if (v is not { Number: 1, WireType: 2 }) continue;
                        string tag = "";
                        float value = float.NaN;
                        foreach (var g in Fields(v.Bytes))
                        {
                            if (g is { Number: 1, WireType: 2 }) tag = Encoding.UTF8.GetString(g.Bytes);
                            if (g is { Number: 2, WireType: 5 }) value = BitConverter.Int32BitsToSingle((int)g.Fixed);
                        }
                        scalars.Add((tag, value));
                    }
                    break;
            }
        }
        return new Event(wall, step, version, scalars);
    }

    private sealed record Field(int Number, int WireType, ulong Varint, ulong Fixed, byte[] Bytes);

    private static IEnumerable<Field> Fields(byte[] data)
    {
        int pos = 0;
        while (pos < data.Length)
        {
            ulong key = Varint(data, ref pos);
            int number = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: yield return new Field(number, wire, Varint(data, ref pos), 0, []); break;
                case 1: yield return new Field(number, wire, 0, BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(pos)), []); pos += 8; break;
                case 5: yield return new Field(number, wire, 0, BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(pos)), []); pos += 4; break;
                case 2:
                    int len = (int)Varint(data, ref pos);
                    yield return new Field(number, wire, 0, 0, data.AsSpan(pos, len).ToArray());
                    pos += len;
                    break;
                default: throw new InvalidDataException($"wire type {wire} not expected in an Event");
            }
        }
    }

    private static ulong Varint(byte[] data, ref int pos)
    {
        ulong result = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = data[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
    }
}
