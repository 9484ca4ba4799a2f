namespace Verity.Engine.Generation;

/// <summary>
/// Released KV blocks kept for later sequences and later <see cref="Generator.Generate"/> calls. A new block's
/// memory comes from the OS untouched, so its pages are faulted in one at a time as the decode appends into
/// them: on this VM that cost a single SmolLM2-135M-shaped sequence up to 0.25 ms per token, on the main
/// thread, between two weight products. A reused block's pages are already resident. Blocks are matched by
/// exact capacity, so the KV budget counts the same floats either way, and nothing is cleared: attention reads
/// only slots written since <see cref="KvBlock.Reset"/>. At most <c>maxFloats</c> are held free; the memory is
/// the generator's until the generator is dropped.
/// </summary>
internal sealed class KvBlockPool(int layers, int kvHeads, int headDim, long maxFloats)
{
    readonly Dictionary<int, Stack<KvBlock>> _free = [];
    long _freeFloats;

    /// <summary>Floats held in free blocks.</summary>
    public long FreeFloats => _freeFloats;

    /// <summary>A block of <paramref name="capacity"/> slots starting at <paramref name="start"/>: a released one if any fits, else new.</summary>
    public KvBlock Rent(int start, int capacity)
    {
        if (_free.TryGetValue(capacity, out var stack) && stack.TryPop(out var block))
        {
            _freeFloats -= block.Floats;
            block.Reset(start);
            return block;
        }
        return new KvBlock(layers, kvHeads, headDim, start, capacity);
    }

    /// <summary>Keeps <paramref name="block"/> for reuse unless that would hold more than the cap.</summary>
    public void Return(KvBlock block)
    {
        if (_freeFloats + block.Floats > maxFloats) return;
        if (!_free.TryGetValue(block.Capacity, out var stack)) _free[block.Capacity] = stack = new Stack<KvBlock>();
        stack.Push(block);
        _freeFloats += block.Floats;
    }
}
