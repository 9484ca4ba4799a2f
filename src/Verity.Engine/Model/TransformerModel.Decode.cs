using System.Numerics.Tensors;
using Verity.Engine.Kernels;
using Verity.Engine.Ops;

namespace Verity.Engine.Model;

/// <summary>Incremental decoding with a <see cref="KvCache"/>: prefill a prompt once, then one token per step.</summary>
public sealed partial class TransformerModel
{
    /// <summary>
    /// Appends <paramref name="tokens"/> to cache slot <paramref name="slot"/> (positions continue from
    /// <see cref="KvCache.Length"/>) and returns log-probs [V] of the token that follows the last one.
    /// </summary>
    public float[] Prefill(KvCache cache, int slot, ReadOnlySpan<int> tokens)
    {
        if (tokens.Length == 0) throw new ArgumentException("prefill: no tokens given. HINT: pass at least one prompt token (e.g. BOS).");
        CheckSlot(cache, slot);
        int n = tokens.Length, start = cache.Length(slot);
        var rowSlot = new int[n];
        var rowPos = new int[n];
        rowSlot.AsSpan().Fill(slot);
        for (int i = 0; i < n; i++) rowPos[i] = start + i;
        return Extend(cache, rowSlot, rowPos, tokens.ToArray(), [n - 1]);
    }

    /// <summary>
    /// Feeds one token to each of the distinct <paramref name="slots"/> and returns log-probs [G, V] (row g for
    /// slots[g]) of the next token. All G rows share each weight read.
    /// </summary>
    public float[] DecodeStep(KvCache cache, ReadOnlySpan<int> slots, ReadOnlySpan<int> tokens)
    {
        if (slots.Length != tokens.Length || slots.Length == 0)
            throw new ArgumentException($"decode: {slots.Length} slots but {tokens.Length} tokens. HINT: pass one token per slot.");
        int g = slots.Length;
        var rowSlot = slots.ToArray();
        var rowPos = new int[g];
        var seen = new HashSet<int>();
        for (int i = 0; i < g; i++)
        {
            CheckSlot(cache, rowSlot[i]);
            if (!seen.Add(rowSlot[i])) throw new ArgumentException($"decode: slot {rowSlot[i]} appears twice in one step. HINT: each slot advances by one token per step.");
            rowPos[i] = cache.Length(rowSlot[i]);
        }
        return Extend(cache, rowSlot, rowPos, tokens.ToArray(), Enumerable.Range(0, g).ToArray());
    }

    static void CheckSlot(KvCache cache, int slot)
    {
        if ((uint)slot >= (uint)cache.Slots)
            throw new ArgumentException($"kv cache: slot {slot} is outside [0, {cache.Slots}). HINT: create the cache with more slots.");
    }

    /// <summary>Runs rows (slot, position, token) through the model writing K/V into the cache; returns log-probs of the given rows [R, V].</summary>
    float[] Extend(KvCache cache, int[] rowSlot, int[] rowPos, int[] tokens, int[] outRows)
    {
        var cfg = Config;
        int n = tokens.Length, c = cfg.HiddenSize, nh = cfg.NumHeads, nkv = cfg.NumKvHeads, hd = cfg.HeadDim;
        int qd = nh * hd, kvd = nkv * hd, inter = cfg.IntermediateSize, v = cfg.VocabSize, cap = cache.Capacity;
        if (cache.K.Length != cfg.NumLayers || cache.NumKvHeads != nkv || cache.HeadDim != hd)
            throw new ArgumentException("kv cache: built for a different model shape. HINT: create it with this model's config.");
        int maxPos = 0;
        for (int i = 0; i < n; i++)
        {
            if ((uint)tokens[i] >= (uint)v)
                throw new ArgumentException($"decode: token id {tokens[i]} is outside [0, {v}). HINT: the tokenizer and the model's VocabSize must match.");
            if (rowPos[i] >= cap || rowPos[i] >= cfg.MaxPositionEmbeddings)
                throw new ArgumentException($"decode: position {rowPos[i]} of slot {rowSlot[i]} exceeds the cache capacity {cap} or MaxPositionEmbeddings {cfg.MaxPositionEmbeddings}. HINT: stop generation earlier or enlarge the cache.");
            maxPos = Math.Max(maxPos, rowPos[i]);
        }
        _rope.EnsurePositions(maxPos + 1);
        _forwardBatch = null;

        var x = new float[n * c];
        var h = new float[n * c];
        var xn = new float[n * c];
        var tmp = new float[n * c];
        var rstd = new float[n * nh];
        var q = new float[n * qd];
        var k = new float[n * kvd];
        var vv = new float[n * kvd];
        var att = new float[n * qd];
        var gate = new float[n * inter];
        var up = new float[n * inter];
        var act = new float[n * inter];
        Embedding.Forward(Get(new(ParameterKind.TokenEmbedding)).Data, tokens, n, c, x);
        for (int l = 0; l < cfg.NumLayers; l++)
        {
            var w = _layers[l];
            RmsNorm.Forward(x, w.AttnNorm.Data, n, c, cfg.RmsNormEps, xn, rstd);
            Linear.Forward(xn, w.QProj.Data, w.QBias?.Data, n, qd, c, q);
            Linear.Forward(xn, w.KProj.Data, w.KBias?.Data, n, kvd, c, k);
            Linear.Forward(xn, w.VProj.Data, w.VBias?.Data, n, kvd, c, vv);
            if (cfg.QkNorm)
            {
                RmsNorm.Forward(q, w.QNorm!.Data, n * nh, hd, cfg.RmsNormEps, q, rstd); // in place: each row is read before it is written
                RmsNorm.Forward(k, w.KNorm!.Data, n * nkv, hd, cfg.RmsNormEps, k, rstd);
            }
            Rope.Forward(q, rowPos, n, nh, hd, _rope);
            Rope.Forward(k, rowPos, n, nkv, hd, _rope);
            for (int i = 0; i < n; i++)
                for (int kvh = 0; kvh < nkv; kvh++)
                {
                    int off = (int)cache.Offset(rowSlot[i], kvh, rowPos[i]);
                    k.AsSpan((i * nkv + kvh) * hd, hd).CopyTo(cache.K[l].AsSpan(off, hd));
                    vv.AsSpan((i * nkv + kvh) * hd, hd).CopyTo(cache.V[l].AsSpan(off, hd));
                }
            CachedAttention.Forward(q, n, rowSlot, rowPos, cache.K[l], cache.V[l], cap, nh, nkv, hd, att);
            Linear.Forward(att, w.OProj.Data, w.OBias?.Data, n, c, qd, tmp);
            TensorPrimitives.Add(x, tmp, h);
            RmsNorm.Forward(h, w.MlpNorm.Data, n, c, cfg.RmsNormEps, xn, rstd);
            Linear.Forward(xn, w.GateProj.Data, null, n, inter, c, gate);
            Linear.Forward(xn, w.UpProj.Data, null, n, inter, c, up);
            SwiGlu.Forward(gate, up, n * inter, act);
            Linear.Forward(act, w.DownProj.Data, null, n, c, inter, tmp);
            TensorPrimitives.Add(h, tmp, x);
        }
        for (int i = 0; i < n; i++) cache.SetLength(rowSlot[i], Math.Max(cache.Length(rowSlot[i]), rowPos[i] + 1));

        int r = outRows.Length;
        var last = new float[r * c];
        for (int j = 0; j < r; j++) x.AsSpan(outRows[j] * c, c).CopyTo(last.AsSpan(j * c, c));
        RmsNorm.Forward(last, Get(new(ParameterKind.FinalNorm)).Data, r, c, cfg.RmsNormEps, last, rstd);
        var logp = new float[r * v];
        Gemm.XWt(last, LmHead.Data, r, v, c, logp);
        for (int j = 0; j < r; j++)
        {
            var row = logp.AsSpan(j * v, v);
            float max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, row);
            float lse = MathF.Log(SumExp(row));
            TensorPrimitives.Subtract(row, lse, row);
        }
        return logp;
    }

    static float SumExp(ReadOnlySpan<float> shifted)
    {
        Span<float> buf = stackalloc float[256];
        float s = 0;
        for (int i = 0; i < shifted.Length; i += buf.Length)
        {
            var part = shifted.Slice(i, Math.Min(buf.Length, shifted.Length - i));
            TensorPrimitives.Exp(part, buf[..part.Length]);
            s += TensorPrimitives.Sum(buf[..part.Length]);
        }
        return s;
    }
}
