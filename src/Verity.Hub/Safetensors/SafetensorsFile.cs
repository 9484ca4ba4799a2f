using System.IO.MemoryMappedFiles;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Verity.Hub.Safetensors;

/// <summary>
/// A read-only, memory-mapped safetensors file. Tensors are read straight from the mapping and converted
/// to float32, so a multi-gigabyte checkpoint never needs a second copy in managed memory.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private readonly long _dataStart;
    private readonly Dictionary<string, TensorInfo> _byName;

    private SafetensorsFile(string path, List<TensorInfo> tensors, Dictionary<string, string> metadata, long dataStart)
    {
        Path = path;
        Tensors = tensors;
        Metadata = metadata;
        _dataStart = dataStart;
        _byName = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (!_byName.TryAdd(t.Name, t))
                throw new InvalidDataException($"{path}: tensor '{t.Name}' appears twice in the header.");
        }
        _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + _view.PointerOffset;
    }

    /// <summary>Opens and validates <paramref name="path"/> (see <see cref="SafetensorsHeader"/>).</summary>
    public static SafetensorsFile Open(string path)
    {
        var (tensors, metadata, dataStart) = SafetensorsHeader.Read(path);
        return new SafetensorsFile(path, tensors, metadata, dataStart);
    }

    public string Path { get; }

    /// <summary>Tensors in file order (sorted by offset).</summary>
    public IReadOnlyList<TensorInfo> Tensors { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public TensorInfo Get(string name) => _byName.TryGetValue(name, out var t)
        ? t
        : throw new InvalidDataException($"{Path}: no tensor named '{name}'. HINT: the checkpoint does not match the expected architecture.");

    /// <summary>The raw little-endian bytes of one tensor, valid until this file is disposed.</summary>
    public ReadOnlySpan<byte> GetBytes(TensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(_view is null || _disposed, this);
        if (tensor.ByteLength > int.MaxValue)
            throw new NotSupportedException($"{Path}: tensor '{tensor.Name}' is {tensor.ByteLength} bytes; tensors over 2 GiB are not supported. HINT: shard the checkpoint differently.");
        return new ReadOnlySpan<byte>(_base + _dataStart + tensor.Begin, (int)tensor.ByteLength);
    }

    /// <summary>Converts tensor <paramref name="name"/> (F32, F16 or BF16) to float32 into <paramref name="destination"/>.</summary>
    public void ReadFloat32(string name, Span<float> destination)
    {
        var t = Get(name);
        if (destination.Length != t.ElementCount)
            throw new InvalidDataException($"{Path}: tensor '{name}' has {t.ElementCount} elements (shape {t.ShapeText}) but the destination holds {destination.Length}.");
        var bytes = GetBytes(t);
        switch (t.DType)
        {
            case SafetensorsDType.F32:
                bytes.CopyTo(MemoryMarshal.AsBytes(destination));
                break;
            case SafetensorsDType.BF16:
                BFloat16.ToFloat32(MemoryMarshal.Cast<byte, ushort>(bytes), destination);
                break;
            case SafetensorsDType.F16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(bytes), destination);
                break;
            default:
                throw new NotSupportedException($"{Path}: tensor '{name}' has dtype {t.DType}; only F32, F16 and BF16 load as float32. HINT: convert the checkpoint to bf16 or f32 first.");
        }
    }

    public float[] ReadFloat32(string name)
    {
        var t = Get(name);
        if (!SafetensorsDType.ConvertsToFloat32(t.DType))
            throw new NotSupportedException($"{Path}: tensor '{name}' has dtype {t.DType}; only F32, F16 and BF16 load as float32. HINT: convert the checkpoint to bf16 or f32 first.");
        var result = new float[checked((int)t.ElementCount)];
        ReadFloat32(name, result);
        return result;
    }

    private bool _disposed;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view?.SafeMemoryMappedViewHandle.ReleasePointer();
        _view?.Dispose();
        _map?.Dispose();
    }
}
