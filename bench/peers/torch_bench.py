#!/usr/bin/env python3
"""PyTorch peer for bench/: float32 matmul GFLOP/s (plain and transposed operands) and
the per-op time of a 4-element add, at the thread count given (also set
OPENBLAS_NUM_THREADS/OMP_NUM_THREADS in the environment, as run by bench/harness.ts).
Usage: torch_bench.py '{"sizes": [128, 512], "threads": 1, "min_s": 0.3}'  -> JSON on stdout."""
import json
import os
import sys
import time

import torch


def measure(fn, min_s, samples=3):
    fn()
    best_wall, best_cpu = float("inf"), float("inf")
    for _ in range(samples):
        reps = 0
        w0, c0 = time.perf_counter(), time.process_time()
        while True:
            fn()
            reps += 1
            if time.perf_counter() - w0 >= min_s:
                break
        best_wall = min(best_wall, (time.perf_counter() - w0) / reps)
        best_cpu = min(best_cpu, (time.process_time() - c0) / reps)
    return best_wall, best_cpu


def main():
    spec = json.loads(sys.argv[1])
    torch.set_num_threads(spec["threads"])
    torch.manual_seed(0)
    blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas, "matmul": {}, "matmul_t": {}}
    for n in spec["sizes"]:
        a, b = torch.randn(n, n), torch.randn(n, n)
        wall, cpu = measure(lambda: torch.mm(a, b), spec["min_s"])
        out["matmul"][str(n)] = {"wall": wall, "cpu": cpu}
    for n in spec.get("t_sizes", []):
        a, b = torch.randn(n, n), torch.randn(n, n)
        out["matmul_t"][str(n)] = {
            "nt": measure(lambda: torch.mm(a, b.t()), spec["min_s"])[0],
            "tn": measure(lambda: torch.mm(a.t(), b), spec["min_s"])[0],
        }
    x, y = torch.randn(4), torch.randn(4)

    def adds():
        for _ in range(1000):
            torch.add(x, y)

    out["add4_ns"] = measure(adds, spec["min_s"])[0] / 1000 * 1e9
    print(json.dumps(out))


if __name__ == "__main__":
    main()
