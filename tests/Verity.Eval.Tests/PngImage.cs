using System.Buffers.Binary;
using System.IO.Compression;

namespace Verity.Eval.Tests;

/// <summary>
/// Just enough PNG decoding to inspect a browser screenshot: 8-bit RGB or RGBA, not interlaced. IDAT chunks are
/// joined, inflated (zlib) and unfiltered (None/Sub/Up/Average/Paeth) into plain RGB(A) rows.
/// </summary>
internal sealed class PngImage
{
    public int Width { get; private init; }
    public int Height { get; private init; }
    public int Channels { get; private init; }
    private byte[] _pixels = [];

    public (byte R, byte G, byte B) Pixel(int x, int y)
    {
        int i = (y * Width + x) * Channels;
        return (_pixels[i], _pixels[i + 1], _pixels[i + 2]);
    }

    public static PngImage Decode(byte[] file)
    {
        ReadOnlySpan<byte> signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        if (!file.AsSpan(0, 8).SequenceEqual(signature)) throw new InvalidDataException("not a PNG file");
        int width = 0, height = 0, channels = 0;
        var idat = new MemoryStream();
        for (int pos = 8; pos < file.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(pos));
            string type = System.Text.Encoding.ASCII.GetString(file, pos + 4, 4);
            var data = file.AsSpan(pos + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                byte depth = data[8], colorType = data[9], interlace = data[12];
                if (depth != 8 || interlace != 0 || colorType is not (2 or 6))
                    throw new NotSupportedException($"PNG depth {depth}, color type {colorType}, interlace {interlace} not handled by this test decoder");
                channels = colorType == 2 ? 3 : 4;
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }
            pos += 12 + length;
        }
        idat.Position = 0;
        var raw = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionMode.Decompress)) z.CopyTo(raw);
        return new PngImage { Width = width, Height = height, Channels = channels, _pixels = Unfilter(raw.ToArray(), width, height, channels) };
    }

    private static byte[] Unfilter(byte[] raw, int width, int height, int bpp)
    {
        int stride = width * bpp;
        var pixels = new byte[stride * height];
        for (int y = 0; y < height; y++)
        {
            byte filter = raw[y * (stride + 1)];
            var src = raw.AsSpan(y * (stride + 1) + 1, stride);
            var dst = pixels.AsSpan(y * stride, stride);
            var up = y > 0 ? pixels.AsSpan((y - 1) * stride, stride) : new byte[stride];
            for (int i = 0; i < stride; i++)
            {
                int a = i >= bpp ? dst[i - bpp] : 0, b = up[i], c = i >= bpp ? up[i - bpp] : 0;
                int predictor = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"PNG filter {filter} on row {y}"),
                };
                dst[i] = (byte)(src[i] + predictor);
            }
        }
        return pixels;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
