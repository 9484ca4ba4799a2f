namespace Verity.Engine.Ops;

/// <summary>
/// The rows of a batch an attention call may look at: right-padded sequences of <see cref="Lengths"/> valid
/// tokens in rows of <see cref="T"/>, optionally packed (several documents per row). A document is a maximal
/// run of equal <see cref="Segments"/> ids. Query t attends to keys s ≤ t of its own document; padded queries
/// (t ≥ length) produce zeros.
/// </summary>
public sealed class AttentionMask
{
    readonly int[]? _runStart; // [B,T] first position of the document containing each position

    public AttentionMask(int b, int t, int[] lengths, int[]? segments)
    {
        (B, T, Lengths, Segments) = (b, t, lengths, segments);
        if (segments is null) return;
        _runStart = new int[b * t];
        for (int bi = 0; bi < b; bi++)
            for (int ti = 0; ti < t; ti++)
            {
                int i = bi * t + ti;
                _runStart[i] = ti > 0 && segments[i] == segments[i - 1] ? _runStart[i - 1] : ti;
            }
    }

    public int B { get; }

    public int T { get; }

    public int[] Lengths { get; }

    public int[]? Segments { get; }

    /// <summary>First key position query <paramref name="query"/> of row <paramref name="b"/> may attend to.</summary>
    public int FirstKey(int b, int query) => _runStart?[b * T + query] ?? 0;

    public bool Allowed(int b, int query, int key) => key <= query && key >= FirstKey(b, query);
}

/// <summary>
/// Causal grouped-query attention. Query head h reads kv head h / (NH / NKV); repeated K/V are never built.
/// Scale HD^−½, float32 softmax. Forward keeps only the log-sum-exp of each score row; backward recomputes
/// the probabilities from it (flash-attention style), so memory is O(B·NH·T) rather than O(B·NH·T²).
/// Work goes in blocks of 4 queries through <see cref="AttentionKernels"/> on contiguous, zero-padded copies of
/// one head's K and V (keys padded to 64, HD to 16).
/// </summary>
public static unsafe class Attention
{
    const int KeyAlign = 64;

    /// <summary>Per-thread scratch, kept between calls so that big T does not churn the GC.</summary>
    sealed class Workspace
    {
        public float[] Kt = [], Kc = [], Vt = [], Vc = [], DKc = [], DVc = [], S = [], DP = [], Qb = [], Ob = [], DOb = [];

        public void Ensure(int tp, int hd, int hdp)
        {
            if (S.Length >= 4 * tp && Qb.Length >= 4 * hdp && Kt.Length >= hd * tp && Kc.Length >= tp * hdp) return;
            static float[] A(int n) => GC.AllocateArray<float>(n, pinned: true);
            (Kt, Vt) = (A(hd * tp), A(hd * tp));
            (Kc, Vc, DKc, DVc) = (A(tp * hdp), A(tp * hdp), A(tp * hdp), A(tp * hdp));
            (S, DP) = (A(4 * tp), A(4 * tp));
            (Qb, Ob, DOb) = (A(4 * hdp), A(4 * hdp), A(4 * hdp));
        }
    }

    [ThreadStatic] static Workspace? t_workspace;

    static Workspace Scratch(int t, int hd)
    {
        var w = t_workspace ??= new Workspace();
        w.Ensure(RoundUp(t, KeyAlign), hd, RoundUp(hd, 16));
        return w;
    }

    static int RoundUp(int x, int m) => (x + m - 1) / m * m;

    /// <summary>Copies kv head rows [0, len) of x [B,T,NKV,HD] into xt [HD, tp] (transposed) and/or xc [tp, hdp], zero-padded.</summary>
    static void Gather(float[] x, int bi, int t, int nkv, int kvh, int hd, int len, int tp, int hdp, float[]? xt, float[]? xc)
    {
        if (xt is not null)
        {
            for (int s = 0; s < len; s++)
            {
                int o = ((bi * t + s) * nkv + kvh) * hd;
                for (int j = 0; j < hd; j++) xt[j * tp + s] = x[o + j];
            }
            for (int j = 0; j < hd; j++) xt.AsSpan(j * tp + len, tp - len).Clear();
        }
        if (xc is not null)
        {
            for (int s = 0; s < len; s++)
            {
                x.AsSpan(((bi * t + s) * nkv + kvh) * hd, hd).CopyTo(xc.AsSpan(s * hdp, hd));
                xc.AsSpan(s * hdp + hd, hdp - hd).Clear();
            }
            xc.AsSpan(len * hdp, (tp - len) * hdp).Clear();
        }
    }

    /// <summary>Copies up to 4 head rows starting at query tq0 (times <paramref name="mul"/>) into blk [4, hdp]; missing rows are 0.</summary>
    static void LoadRows(float[] x, int bi, int t, int heads, int h, int hd, int tq0, int rows, int hdp, float mul, float[] blk)
    {
        blk.AsSpan(0, 4 * hdp).Clear();
        for (int r = 0; r < rows; r++)
        {
            var src = x.AsSpan(((bi * t + tq0 + r) * heads + h) * hd, hd);
            if (mul == 1f) src.CopyTo(blk.AsSpan(r * hdp, hd));
            else System.Numerics.Tensors.TensorPrimitives.Multiply(src, mul, blk.AsSpan(r * hdp, hd));
        }
    }

    /// <summary>
    /// q [B,T,NH,HD], k [B,T,NKV,HD], v [B,T,NKV,HD] → o [B,T,NH,HD], lse [B,NH,T].
    /// </summary>
    public static void Forward(float[] q, float[] k, float[] v, AttentionMask mask, int nh, int nkv, int hd, float[] o, float[] lse)
    {
        int b = mask.B, t = mask.T, group = nh / nkv;
        RowParallel.For(b * nh, (long)t * t * hd, (start, end) =>
        {
            var ws = Scratch(t, hd);
            for (int task = start; task < end; task++) ForwardHead(q, k, v, mask, task / nh, task % nh, nh, nkv, group, hd, o, lse, ws);
        });
    }

    static void ForwardHead(float[] q, float[] k, float[] v, AttentionMask mask, int bi, int h, int nh, int nkv, int group, int hd,
        float[] o, float[] lse, Workspace ws)
    {
        int t = mask.T, len = mask.Lengths[bi], kvh = h / group, tp = RoundUp(Math.Max(len, 1), KeyAlign), hdp = RoundUp(hd, 16);
        float scale = 1f / MathF.Sqrt(hd);
        for (int tq = len; tq < t; tq++)
        {
            o.AsSpan(((bi * t + tq) * nh + h) * hd, hd).Clear();
            lse[(bi * nh + h) * t + tq] = 0;
        }
        if (len == 0) return;
        Gather(k, bi, t, nkv, kvh, hd, len, tp, hdp, ws.Kt, null);
        Gather(v, bi, t, nkv, kvh, hd, len, tp, hdp, null, ws.Vc);
        fixed (float* kt = ws.Kt, vc = ws.Vc, sb = ws.S, qb = ws.Qb, ob = ws.Ob)
            for (int tq0 = 0; tq0 < len; tq0 += 4)
            {
                int rows = Math.Min(4, len - tq0);
                LoadRows(q, bi, t, nh, h, hd, tq0, rows, hdp, scale, ws.Qb);
                int lo = mask.FirstKey(bi, tq0) / 16 * 16, hi = RoundUp(tq0 + rows, 16);
                AttentionKernels.Scores4(qb, hdp, kt, tp, hd, lo, hi, sb, tp);
                for (int r = 0; r < 4; r++)
                {
                    var row = ws.S.AsSpan(r * tp, tp);
                    if (r >= rows) { row[lo..hi].Clear(); continue; }
                    int tq = tq0 + r, first = mask.FirstKey(bi, tq);
                    var live = row[first..(tq + 1)];
                    float max = System.Numerics.Tensors.TensorPrimitives.Max(live);
                    System.Numerics.Tensors.TensorPrimitives.Subtract(live, max, live);
                    System.Numerics.Tensors.TensorPrimitives.Exp(live, live);
                    float sum = System.Numerics.Tensors.TensorPrimitives.Sum(live);
                    System.Numerics.Tensors.TensorPrimitives.Multiply(live, 1f / sum, live);
                    lse[(bi * nh + h) * t + tq] = max + MathF.Log(sum);
                    row[lo..first].Clear();
                    row[(tq + 1)..hi].Clear();
                }
                AttentionKernels.WeightedSum4(sb, tp, vc, hdp, lo, hi, hdp, ob, hdp);
                for (int r = 0; r < rows; r++) ws.Ob.AsSpan(r * hdp, hd).CopyTo(o.AsSpan(((bi * t + tq0 + r) * nh + h) * hd, hd));
            }
    }

    /// <summary>
    /// dO [B,T,NH,HD] with the forward's q, k, v, o, lse → dq [B,T,NH,HD], dk, dv [B,T,NKV,HD] (all overwritten).
    /// P = exp(S − lse); dV = PᵀdO; dP = dO·Vᵀ; dS = P ⊙ (dP − rowsum(dO ⊙ O)); dQ = s·dS·K; dK = s·dSᵀQ.
    /// One task per (sequence, kv head) owns its dK/dV rows, summing over the group's query heads in order.
    /// </summary>
    public static void Backward(float[] dO, float[] q, float[] k, float[] v, float[] o, float[] lse, AttentionMask mask,
        int nh, int nkv, int hd, float[] dq, float[] dk, float[] dv)
    {
        int b = mask.B, t = mask.T, group = nh / nkv;
        RowParallel.For(b * nkv, (long)group * t * t * hd * 2, (start, end) =>
        {
            var ws = Scratch(t, hd);
            for (int task = start; task < end; task++) BackwardKvHead(dO, q, k, v, o, lse, mask, task / nkv, task % nkv, nh, nkv, group, hd, dq, dk, dv, ws);
        });
    }

    static void BackwardKvHead(float[] dO, float[] q, float[] k, float[] v, float[] o, float[] lse, AttentionMask mask,
        int bi, int kvh, int nh, int nkv, int group, int hd, float[] dq, float[] dk, float[] dv, Workspace ws)
    {
        int t = mask.T, len = mask.Lengths[bi], tp = RoundUp(Math.Max(len, 1), KeyAlign), hdp = RoundUp(hd, 16);
        float scale = 1f / MathF.Sqrt(hd);
        for (int s = len; s < t; s++)
        {
            dk.AsSpan(((bi * t + s) * nkv + kvh) * hd, hd).Clear();
            dv.AsSpan(((bi * t + s) * nkv + kvh) * hd, hd).Clear();
            for (int h = kvh * group; h < (kvh + 1) * group; h++) dq.AsSpan(((bi * t + s) * nh + h) * hd, hd).Clear();
        }
        if (len == 0) return;
        Gather(k, bi, t, nkv, kvh, hd, len, tp, hdp, ws.Kt, ws.Kc);
        Gather(v, bi, t, nkv, kvh, hd, len, tp, hdp, ws.Vt, null);
        ws.DKc.AsSpan(0, tp * hdp).Clear();
        ws.DVc.AsSpan(0, tp * hdp).Clear();
        Span<float> dd = stackalloc float[4];
        fixed (float* kt = ws.Kt, kc = ws.Kc, vt = ws.Vt, dkc = ws.DKc, dvc = ws.DVc, sb = ws.S, dpb = ws.DP, qb = ws.Qb, ob = ws.Ob, dob = ws.DOb)
            for (int h = kvh * group; h < (kvh + 1) * group; h++)
                for (int tq0 = 0; tq0 < len; tq0 += 4)
                {
                    int rows = Math.Min(4, len - tq0);
                    LoadRows(q, bi, t, nh, h, hd, tq0, rows, hdp, scale, ws.Qb);
                    LoadRows(dO, bi, t, nh, h, hd, tq0, rows, hdp, 1f, ws.DOb);
                    for (int r = 0; r < rows; r++)
                    {
                        int off = ((bi * t + tq0 + r) * nh + h) * hd;
                        dd[r] = System.Numerics.Tensors.TensorPrimitives.Dot(dO.AsSpan(off, hd), o.AsSpan(off, hd));
                    }
                    int lo = mask.FirstKey(bi, tq0) / 16 * 16, hi = RoundUp(tq0 + rows, 16);
                    AttentionKernels.Scores4(qb, hdp, kt, tp, hd, lo, hi, sb, tp);
                    AttentionKernels.Scores4(dob, hdp, vt, tp, hd, lo, hi, dpb, tp);
                    for (int r = 0; r < 4; r++)
                    {
                        var p = ws.S.AsSpan(r * tp, tp);
                        var ds = ws.DP.AsSpan(r * tp, tp); // dP in, dS out
                        if (r >= rows) { p[lo..hi].Clear(); ds[lo..hi].Clear(); continue; }
                        int tq = tq0 + r, first = mask.FirstKey(bi, tq);
                        var pl = p[first..(tq + 1)];
                        var dl = ds[first..(tq + 1)];
                        System.Numerics.Tensors.TensorPrimitives.Subtract(pl, lse[(bi * nh + h) * t + tq], pl);
                        System.Numerics.Tensors.TensorPrimitives.Exp(pl, pl);
                        System.Numerics.Tensors.TensorPrimitives.Subtract(dl, dd[r], dl);
                        System.Numerics.Tensors.TensorPrimitives.Multiply(dl, pl, dl);
                        p[lo..first].Clear(); p[(tq + 1)..hi].Clear();
                        ds[lo..first].Clear(); ds[(tq + 1)..hi].Clear();
                    }
                    AttentionKernels.RankUpdate4(sb, tp, dob, hdp, lo, hi, hdp, dvc, hdp);   // dV += Pᵀ·dO
                    AttentionKernels.RankUpdate4(dpb, tp, qb, hdp, lo, hi, hdp, dkc, hdp);  // dK += dSᵀ·(s·Q)
                    AttentionKernels.WeightedSum4(dpb, tp, kc, hdp, lo, hi, hdp, ob, hdp);  // dQ = dS·K (·s below)
                    for (int r = 0; r < rows; r++)
                        System.Numerics.Tensors.TensorPrimitives.Multiply(ws.Ob.AsSpan(r * hdp, hd), scale, dq.AsSpan(((bi * t + tq0 + r) * nh + h) * hd, hd));
                }
        for (int s = 0; s < len; s++)
        {
            ws.DKc.AsSpan(s * hdp, hd).CopyTo(dk.AsSpan(((bi * t + s) * nkv + kvh) * hd, hd));
            ws.DVc.AsSpan(s * hdp, hd).CopyTo(dv.AsSpan(((bi * t + s) * nkv + kvh) * hd, hd));
        }
    }

    /// <summary>float64 reference: q [B,T,NH,HD], k, v [B,T,NKV,HD] → o [B,T,NH,HD] via an explicit full softmax.</summary>
    public static double[] Reference(double[] q, double[] k, double[] v, AttentionMask mask, int nh, int nkv, int hd)
    {
        int b = mask.B, t = mask.T;
        var o = new double[b * t * nh * hd];
        double scale = 1.0 / Math.Sqrt(hd);
        for (int bi = 0; bi < b; bi++)
            for (int h = 0; h < nh; h++)
            {
                int kvh = h / (nh / nkv);
                for (int tq = 0; tq < mask.Lengths[bi]; tq++)
                {
                    var sc = new double[t];
                    double max = double.NegativeInfinity;
                    for (int s = 0; s < t; s++)
                    {
                        if (!mask.Allowed(bi, tq, s)) { sc[s] = double.NegativeInfinity; continue; }
                        double d = 0;
                        for (int j = 0; j < hd; j++) d += q[((bi * t + tq) * nh + h) * hd + j] * k[((bi * t + s) * nkv + kvh) * hd + j];
                        sc[s] = d * scale;
                        max = Math.Max(max, sc[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s < t; s++) { sc[s] = Math.Exp(sc[s] - max); sum += sc[s]; }
                    for (int s = 0; s < t; s++)
                        for (int j = 0; j < hd; j++)
                            o[((bi * t + tq) * nh + h) * hd + j] += sc[s] / sum * v[((bi * t + s) * nkv + kvh) * hd + j];
                }
            }
        return o;
    }
}
