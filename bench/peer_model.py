#!/usr/bin/env python3
"""Peer for `verity bench --filter forward,train_step,train_memory`: a plain PyTorch (eager) Llama-style decoder.

Reads one JSON case on stdin: {"mode": "forward|train_step|memory", "model": {layers, hidden, intermediate,
heads, kv_heads, head_dim, vocab, qkv_bias, rope_theta, eps, batch, seq}, "checkpointing": bool} and prints
{"torch": version, "blas": mapped library, "tokens_per_s": ..., "peak_rss_gib": ...}.
The model (pre-norm RMSNorm, RoPE rotate_half, GQA attention with a causal mask, SwiGLU MLP, tied LM head)
is written here with torch ops only, random weights (std 0.02). Modes:
  forward     no_grad; log_softmax over the full logits, gather of the targets, and the entropy.
  train_step  the same with grad, loss = mean NLL, backward, AdamW step, zero_grad.
  memory      one train_step (optionally with torch.utils.checkpoint per layer); reports the peak RSS.
Timing: one warm-up step, then best of `reps` steps (stops after `budget` seconds once two ran).
Threads: torch.set_num_threads($VERITY_PEER_THREADS).
"""
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint


class Rms(torch.nn.Module):
    def __init__(self, width, eps):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(width))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Layer(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        c, hd = m["hidden"], m["head_dim"]
        self.nh, self.nkv, self.hd = m["heads"], m["kv_heads"], hd
        self.attn_norm = Rms(c, m["eps"])
        self.q = torch.nn.Linear(c, self.nh * hd, bias=m["qkv_bias"])
        self.k = torch.nn.Linear(c, self.nkv * hd, bias=m["qkv_bias"])
        self.v = torch.nn.Linear(c, self.nkv * hd, bias=m["qkv_bias"])
        self.o = torch.nn.Linear(self.nh * hd, c, bias=False)
        self.mlp_norm = Rms(c, m["eps"])
        self.gate = torch.nn.Linear(c, m["intermediate"], bias=False)
        self.up = torch.nn.Linear(c, m["intermediate"], bias=False)
        self.down = torch.nn.Linear(m["intermediate"], c, bias=False)

    def attention(self, x, cos, sin, mask, cache=None, pos=0):
        """x [B,T,C]; cache (k [B,NKV,Tmax,HD], v) filled at pos..pos+T when given. Returns [B,T,C]."""
        b, t, _ = x.shape
        q = self.q(x).view(b, t, self.nh, self.hd).transpose(1, 2)
        k = self.k(x).view(b, t, self.nkv, self.hd).transpose(1, 2)
        v = self.v(x).view(b, t, self.nkv, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            cache[0][:, :, pos:pos + t] = k
            cache[1][:, :, pos:pos + t] = v
            k, v = cache[0][:, :, :pos + t], cache[1][:, :, :pos + t]
        group = self.nh // self.nkv
        k = k.repeat_interleave(group, dim=1)
        v = v.repeat_interleave(group, dim=1)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.hd)
        if mask is not None:
            scores = scores + mask
        y = torch.softmax(scores, dim=-1) @ v
        return self.o(y.transpose(1, 2).reshape(b, t, self.nh * self.hd))

    def forward(self, x, cos, sin, mask, cache=None, pos=0):
        x = x + self.attention(self.attn_norm(x), cos, sin, mask, cache, pos)
        h = self.mlp_norm(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Llama(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m
        self.embed = torch.nn.Embedding(m["vocab"], m["hidden"])
        self.layers = torch.nn.ModuleList(Layer(m) for _ in range(m["layers"]))
        self.norm = Rms(m["hidden"], m["eps"])
        hd = m["head_dim"]
        self.inv_freq = 1.0 / (m["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
        self.checkpointing = False
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.endswith("bias"):
                    p.zero_()
                elif p.dim() == 2:
                    p.normal_(0.0, 0.02)

    def rope(self, positions):
        """positions [T] → cos, sin [1,1,T,HD] (rotate_half layout)."""
        freqs = positions.double()[:, None] * self.inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos().float()[None, None], emb.sin().float()[None, None]

    def hidden(self, tokens, cache=None, pos=0):
        """Final-normed hidden states [B,T,C]; with a cache, tokens sit at positions pos..pos+T."""
        t = tokens.shape[1]
        cos, sin = self.rope(torch.arange(pos, pos + t))
        mask = None
        if t > 1:
            full = pos + t
            mask = torch.full((t, full), float("-inf")).triu(pos + 1)[None, None]
        x = self.embed(tokens)
        for i, layer in enumerate(self.layers):
            c = None if cache is None else cache[i]
            if self.checkpointing and torch.is_grad_enabled():
                x = checkpoint(layer, x, cos, sin, mask, use_reentrant=False)
            else:
                x = layer(x, cos, sin, mask, c, pos)
        return self.norm(x)

    def logits(self, tokens, cache=None, pos=0):
        return self.hidden(tokens, cache, pos) @ self.embed.weight.t()

    def token_logprobs(self, tokens, targets):
        """Per-token log p(target) and entropy [B,T], as Verity's scoring forward returns."""
        logp = torch.log_softmax(self.logits(tokens), dim=-1)
        picked = logp.gather(-1, targets[..., None])[..., 0]
        entropy = -(logp.exp() * logp).sum(-1)
        return picked, entropy


def best_seconds(step, reps, budget):
    t0 = time.perf_counter()
    step()
    minimum = 1 if time.perf_counter() - t0 > 20 else 2
    best = float("inf")
    start = time.perf_counter()
    for i in range(reps):
        t0 = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - t0)
        if i + 1 >= minimum and time.perf_counter() - start > budget:
            break
    return best


def peak_rss_gib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 2**30


def loaded_blas():
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if "blas" in path and ".so" in path:
                    return path
    except OSError:
        pass
    return "unknown"


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    budget = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    torch.set_num_threads(int(os.environ.get("VERITY_PEER_THREADS", "1")))
    torch.manual_seed(0)
    case = json.load(sys.stdin)
    m, mode = case["model"], case["mode"]
    model = Llama(m)
    b, t = m["batch"], m["seq"]
    tokens = torch.randint(0, m["vocab"], (b, t))
    targets = torch.randint(0, m["vocab"], (b, t))
    out = {"torch": torch.__version__}

    if mode == "forward":
        def step():
            with torch.no_grad():
                model.token_logprobs(tokens, targets)
    else:
        model.checkpointing = bool(case.get("checkpointing", False))
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)

        def step():
            logp, _ = model.token_logprobs(tokens, targets)
            (-logp.mean()).backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=False)

    if mode == "memory":
        step()
        out["peak_rss_gib"] = peak_rss_gib()
    else:
        out["tokens_per_s"] = b * t / best_seconds(step, reps, budget)
    out["blas"] = loaded_blas()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
