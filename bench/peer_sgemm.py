#!/usr/bin/env python3
"""Peer for `verity bench --filter sgemm`: times numpy (OpenBLAS) matmul at the same shapes and layouts.

Reads a JSON list of cases on stdin: [{"shape": "...", "layout": "XWt|XW|XtY", "m": M, "n": N, "k": K}],
and prints one JSON object: {"numpy": version, "blas": name, "results": [{"shape": ..., "gflops": ...}]}.
Layouts are the training ones, row-major: XWt y=x·wᵀ (x[M,K], w[N,K]); XW dx=dy·w (dy[M,N], w[N,K]);
XtY dw=dyᵀ·x (dy[M,N], x[M,K]). Transposes are views, so OpenBLAS sees the same operand strides.
Timing: one warm-up, then best of `reps` runs (or until `budget` seconds), GFLOP/s = 2·M·N·K / time.
Thread count comes from OPENBLAS_NUM_THREADS, set by the caller before numpy loads.
"""
import json
import os
import sys
import time

import numpy as np


def operands(layout, m, n, k, rng):
    f = np.float32
    if layout == "XWt":
        x, w = rng.standard_normal((m, k), dtype=f), rng.standard_normal((n, k), dtype=f)
        out = np.empty((m, n), dtype=f)
        return (lambda: np.matmul(x, w.T, out=out))
    if layout == "XW":
        dy, w = rng.standard_normal((m, n), dtype=f), rng.standard_normal((n, k), dtype=f)
        out = np.empty((m, k), dtype=f)
        return (lambda: np.matmul(dy, w, out=out))
    if layout == "XtY":
        dy, x = rng.standard_normal((m, n), dtype=f), rng.standard_normal((m, k), dtype=f)
        out = np.empty((n, k), dtype=f)
        return (lambda: np.matmul(dy.T, x, out=out))
    raise ValueError(f"unknown layout {layout}")


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    budget = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    cases = json.load(sys.stdin)
    rng = np.random.default_rng(0)
    results = []
    for case in cases:
        m, n, k = case["m"], case["n"], case["k"]
        run = operands(case["layout"], m, n, k, rng)
        run()
        best = float("inf")
        start = time.perf_counter()
        for i in range(reps):
            t0 = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - t0)
            if i >= 1 and time.perf_counter() - start > budget:
                break
        results.append({"shape": case["shape"], "gflops": 2.0 * m * n * k / best / 1e9})
    json.dump({"numpy": np.__version__, "blas": loaded_blas(), "results": results}, sys.stdout)


def loaded_blas():
    """The BLAS library this process actually mapped (numpy's build info names what it was built against)."""
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if "blas" in os.path.basename(path) and ".so" in path:
                    return os.path.realpath(path)
    except OSError:
        pass
    return "unknown"


if __name__ == "__main__":
    main()
