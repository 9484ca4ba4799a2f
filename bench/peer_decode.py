#!/usr/bin/env python3
"""Peer for `verity bench --filter decode`: KV-cache sampling in plain PyTorch (eager, no_grad).

Reads one JSON case on stdin: {"model": {... as peer_model.py ...}, "sequences": S, "prompt": P, "new_tokens": N}
and prints {"torch": version, "blas": ..., "tokens_per_s": S·N / best seconds}.
S random prompts of P tokens are prefilled in one batch into a preallocated cache [L][S,NKV,P+N,HD];
then N tokens are sampled per sequence at temperature 1 (softmax + multinomial), one batched step per token.
The timed region is the whole generation (prefill included), as Verity's Generator is timed.
Uses the model of peer_model.py, which the caller places on PYTHONPATH.
"""
import json
import os
import sys
import time

import torch

from peer_model import Llama, loaded_blas


def generate(model, prompts, new_tokens):
    m = model.m
    s, p = prompts.shape
    cache = [(torch.zeros(s, m["kv_heads"], p + new_tokens, m["head_dim"]),
              torch.zeros(s, m["kv_heads"], p + new_tokens, m["head_dim"])) for _ in range(m["layers"])]
    out = torch.empty(s, new_tokens, dtype=torch.long)
    logits = model.logits(prompts, cache, 0)[:, -1]
    pos = p
    for i in range(new_tokens):
        nxt = torch.multinomial(torch.softmax(logits, dim=-1), 1)
        out[:, i] = nxt[:, 0]
        if i + 1 < new_tokens:
            logits = model.logits(nxt, cache, pos)[:, -1]
            pos += 1
    return out


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    budget = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    torch.set_num_threads(int(os.environ.get("VERITY_PEER_THREADS", "1")))
    torch.manual_seed(0)
    case = json.load(sys.stdin)
    s, p, n = case["sequences"], case["prompt"], case["new_tokens"]
    model = Llama(case["model"])
    prompts = torch.randint(0, case["model"]["vocab"], (s, p))
    best = float("inf")
    with torch.no_grad():
        generate(model, prompts, min(n, 4))  # warm-up
        start = time.perf_counter()
        for i in range(reps):
            t0 = time.perf_counter()
            generate(model, prompts, n)
            best = min(best, time.perf_counter() - t0)
            if i >= 0 and time.perf_counter() - start > budget:
                break
    json.dump({"torch": torch.__version__, "blas": loaded_blas(), "tokens_per_s": s * n / best}, sys.stdout)


if __name__ == "__main__":
    main()
