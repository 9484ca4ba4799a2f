using System.Buffers.Binary;
using System.Text;

namespace Verity.Rl.Tracking;

/// <summary>
/// Writes a TensorBoard event file without a protobuf package. The file is a TFRecord stream:
/// per record u64 LE payload length, u32 LE masked CRC32C of those 8 bytes, the payload, u32 LE masked CRC32C
/// of the payload. Each payload is an <c>Event</c> message encoded by hand:
/// <code>
/// Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
/// Summary { repeated Value value = 1; }
/// Value   { string tag = 1; float simple_value = 2; }
/// </code>
/// The first record carries <c>file_version = "brain.Event:2"</c>, which readers use to recognise the format.
/// </summary>
public sealed class TensorBoardEventWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly ProtoBuffer _event = new();
    private readonly ProtoBuffer _summary = new();
    private readonly ProtoBuffer _value = new();

    public TensorBoardEventWriter(Stream stream, double wallTime)
    {
        _stream = stream;
        _event.Clear();
        _event.WriteDouble(1, wallTime);
        _event.WriteString(3, "brain.Event:2");
        WriteRecord(_event.Span);
    }

    /// <summary>One event with one simple_value per metric (non-finite values are kept: TensorBoard shows NaN).</summary>
    public void WriteScalars(long step, double wallTime, IEnumerable<KeyValuePair<string, double>> scalars)
    {
        _summary.Clear();
        foreach (var (tag, value) in scalars)
        {
            _value.Clear();
            _value.WriteString(1, tag);
            _value.WriteFloat(2, (float)value);
            _summary.WriteBytes(1, _value.Span);
        }
        _event.Clear();
        _event.WriteDouble(1, wallTime);
        _event.WriteInt64(2, step);
        _event.WriteBytes(5, _summary.Span);
        WriteRecord(_event.Span);
    }

    private void WriteRecord(ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Crc32C.Masked(header[..8]));
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, Crc32C.Masked(payload));
        _stream.Write(header);
        _stream.Write(payload);
        _stream.Write(footer);
        _stream.Flush();
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>The four protobuf wire forms an Event needs: varint, 64-bit, 32-bit, length-delimited.</summary>
    private sealed class ProtoBuffer
    {
        private byte[] _buffer = new byte[256];
        private int _length;

        public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, _length);

        public void Clear() => _length = 0;

        public void WriteDouble(int field, double value)
        {
            WriteTag(field, wireType: 1);
            BinaryPrimitives.WriteDoubleLittleEndian(Grow(8), value);
        }

        public void WriteFloat(int field, float value)
        {
            WriteTag(field, wireType: 5);
            BinaryPrimitives.WriteSingleLittleEndian(Grow(4), value);
        }

        // int64 is a plain varint of the two's-complement value (negative steps take 10 bytes).
        public void WriteInt64(int field, long value)
        {
            WriteTag(field, wireType: 0);
            WriteVarint((ulong)value);
        }

        public void WriteString(int field, string value) => WriteBytes(field, Encoding.UTF8.GetBytes(value));

        public void WriteBytes(int field, ReadOnlySpan<byte> value)
        {
            WriteTag(field, wireType: 2);
            WriteVarint((ulong)value.Length);
            value.CopyTo(Grow(value.Length));
        }

        private void WriteTag(int field, int wireType) => WriteVarint((ulong)((field << 3) | wireType));

        private void WriteVarint(ulong value)
        {
            while (value >= 0x80)
            {
                Grow(1)[0] = (byte)(value | 0x80);
                value >>= 7;
            }
            Grow(1)[0] = (byte)value;
        }

        private Span<byte> Grow(int count)
        {
            if (_length + count > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
            var span = _buffer.AsSpan(_length, count);
            _length += count;
            return span;
        }
    }
}
