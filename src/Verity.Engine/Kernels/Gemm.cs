using System.Runtime.InteropServices;

namespace Verity.Engine.Kernels;

/// <summary>
/// float32 matrix products in the three layouts training needs. Row-major everywhere.
/// Parameter order: inputs, sizes, destination. When <c>accumulate</c> is false the
/// destination is overwritten, else added to.
///
/// All three map onto one blocked GEMM (<see cref="GemmDriver"/>) with strided operand views;
/// products with only a few token rows (decode) take a streaming path
/// that reads the weight once. Multi-threaded on <see cref="Threading.WorkPool"/>; results do not
/// depend on the thread count.
/// </summary>
public static unsafe class Gemm
{
    /// <summary>The instruction set the products run on (for benchmark and log lines).</summary>
    public static GemmPath Path => MicroKernel.Path;

    /// <summary>Forward of a linear layer: y[M,N] (+)= x[M,K] · w[N,K]ᵀ.</summary>
    public static void XWt(ReadOnlySpan<float> x, ReadOnlySpan<float> w, int m, int n, int k, Span<float> y, bool accumulate = false)
    {
        Check(nameof(XWt), m, n, k, (nameof(x), x.Length, (long)m * k), (nameof(w), w.Length, (long)n * k), (nameof(y), y.Length, (long)m * n));
        if (Trivial(m, n, k, y[..(m * n)], accumulate)) return;
        fixed (float* px = x, pw = w, py = y)
        {
            if (m <= GemmSmallM.MaxMForward) GemmSmallM.XWt(px, pw, m, n, k, py, accumulate);
            else GemmDriver.Run(px, k, 1, pw, 1, k, py, n, m, n, k, accumulate);
        }
    }

    /// <summary>
    /// Several forwards that share x: ys[i][M,N_i] = x[M,K] · ws[i][N_i,K]ᵀ (overwritten). With few rows (decode) they
    /// run as one parallel pass; otherwise one <see cref="XWt"/> each. Results equal separate <see cref="XWt"/> calls.
    /// </summary>
    public static void XWtMany(ReadOnlySpan<float> x, ReadOnlySpan<float[]> ws, int m, ReadOnlySpan<int> ns, int k, ReadOnlySpan<float[]> ys)
    {
        if (ws.Length != ns.Length || ws.Length != ys.Length)
            throw new ArgumentException($"Gemm.XWtMany: {ws.Length} weights, {ns.Length} sizes and {ys.Length} outputs. HINT: pass one size and one output per weight.");
        for (int i = 0; i < ws.Length; i++)
            Check(nameof(XWtMany), m, ns[i], k, (nameof(x), x.Length, (long)m * k), ("w" + i, ws[i].Length, (long)ns[i] * k), ("y" + i, ys[i].Length, (long)m * ns[i]));
        if (m > GemmSmallM.MaxMForward || k == 0 || m == 0)
        {
            for (int i = 0; i < ws.Length; i++) XWt(x, ws[i], m, ns[i], k, ys[i]);
            return;
        }
        var handles = new List<GCHandle>(2 * ws.Length);
        try
        {
            var products = Pinned(ws, ns, ys, handles);
            fixed (float* px = x) GemmSmallM.XWtMany(px, m, k, products);
        }
        finally
        {
            foreach (var h in handles) h.Free();
        }
    }

    /// <summary>
    /// The products of weights ws[i] [ns[i], K] into ys[i] (null: no output, Y is null), pinned until the caller frees
    /// <paramref name="handles"/>.
    /// </summary>
    private static GemmSmallM.Product[] Pinned(ReadOnlySpan<float[]> ws, ReadOnlySpan<int> ns, ReadOnlySpan<float[]> ys, List<GCHandle> handles)
    {
        float* Pin(float[] a)
        {
            var h = GCHandle.Alloc(a, GCHandleType.Pinned);
            handles.Add(h);
            return (float*)h.AddrOfPinnedObject();
        }
        var products = new GemmSmallM.Product[ws.Length];
        for (int i = 0; i < ws.Length; i++) products[i] = new GemmSmallM.Product(Pin(ws[i]), ns[i], ys.IsEmpty ? null : Pin(ys[i]));
        return products;
    }

    /// <summary>
    /// ys[i][N_i] = x[K] · ws[i][N_i,K]ᵀ for one x row, each thread's read running on into its part of
    /// <paramref name="following"/> [followingNs[j], followingK] (the step's next weights, only prefetched here).
    /// Same outputs as <see cref="XWtMany"/> with M = 1; see <see cref="GemmSmallM.XWtOneRowStream"/>.
    /// </summary>
    public static void XWtOneRowStream(ReadOnlySpan<float> x, ReadOnlySpan<float[]> ws, ReadOnlySpan<int> ns, int k, ReadOnlySpan<float[]> ys,
        ReadOnlySpan<float[]> following, ReadOnlySpan<int> followingNs, int followingK)
    {
        if (ws.Length != ns.Length || ws.Length != ys.Length || following.Length != followingNs.Length)
            throw new ArgumentException($"Gemm.XWtOneRowStream: {ws.Length} weights, {ns.Length} sizes, {ys.Length} outputs, {following.Length} following weights and {followingNs.Length} sizes. HINT: pass one size and one output per weight.");
        for (int i = 0; i < ws.Length; i++)
            Check(nameof(XWtOneRowStream), 1, ns[i], k, (nameof(x), x.Length, k), ("w" + i, ws[i].Length, (long)ns[i] * k), ("y" + i, ys[i].Length, ns[i]));
        for (int i = 0; i < following.Length; i++)
            Check(nameof(XWtOneRowStream), 1, followingNs[i], followingK, ("following" + i, following[i].Length, (long)followingNs[i] * followingK));
        if (k == 0)
        {
            XWtMany(x, ws, 1, ns, k, ys);
            return;
        }
        var handles = new List<GCHandle>(2 * ws.Length + following.Length);
        try
        {
            var products = Pinned(ws, ns, ys, handles);
            var next = Pinned(following, followingNs, [], handles);
            fixed (float* px = x) GemmSmallM.XWtOneRowStream(px, k, products, next, followingK);
        }
        finally
        {
            foreach (var h in handles) h.Free();
        }
    }

    /// <summary>Input gradient of a linear layer: dx[M,K] (+)= dy[M,N] · w[N,K].</summary>
    public static void XW(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, int m, int n, int k, Span<float> dx, bool accumulate = false)
    {
        Check(nameof(XW), m, n, k, (nameof(dy), dy.Length, (long)m * n), (nameof(w), w.Length, (long)n * k), (nameof(dx), dx.Length, (long)m * k));
        if (Trivial(m, k, n, dx[..(m * k)], accumulate)) return;
        fixed (float* pdy = dy, pw = w, pdx = dx)
        {
            if (m <= GemmSmallM.MaxM) GemmSmallM.XW(pdy, pw, m, n, k, pdx, accumulate);
            else GemmDriver.Run(pdy, n, 1, pw, k, 1, pdx, k, m, k, n, accumulate);
        }
    }

    /// <summary>Weight gradient of a linear layer: dw[N,K] (+)= dy[M,N]ᵀ · x[M,K].</summary>
    public static void XtY(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, int m, int n, int k, Span<float> dw, bool accumulate = true)
    {
        Check(nameof(XtY), m, n, k, (nameof(dy), dy.Length, (long)m * n), (nameof(x), x.Length, (long)m * k), (nameof(dw), dw.Length, (long)n * k));
        if (Trivial(n, k, m, dw[..(n * k)], accumulate)) return;
        fixed (float* pdy = dy, px = x, pdw = dw)
        {
            if (m <= GemmSmallM.MaxM) GemmSmallM.XtY(pdy, px, m, n, k, pdw, accumulate);
            else GemmDriver.Run(pdy, 1, n, px, k, 1, pdw, k, n, k, m, accumulate);
        }
    }

    /// <summary>Empty output, or an empty sum (zero-length reduction: the result is 0, or unchanged when accumulating).</summary>
    private static bool Trivial(int rows, int cols, int depth, Span<float> c, bool accumulate)
    {
        if (rows == 0 || cols == 0) return true;
        if (depth > 0) return false;
        if (!accumulate) c.Clear();
        return true;
    }

    private static void Check(string op, int m, int n, int k, params ReadOnlySpan<(string Name, int Length, long Needed)> operands)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentException($"Gemm.{op}: sizes m={m}, n={n}, k={k} must not be negative. HINT: pass the matrix dimensions, not offsets.");
        foreach (var (name, length, needed) in operands)
            if (length < needed)
                throw new ArgumentException($"Gemm.{op}: {name} has {length} floats but m={m}, n={n}, k={k} needs {needed}. HINT: check the buffer shape against the layout in the method's summary.");
    }
}
