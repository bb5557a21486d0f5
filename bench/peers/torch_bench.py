#!/usr/bin/env python3
"""PyTorch peer for bench/: float32 matmul GFLOP/s (plain and transposed operands) and
the per-op time of a 4-element add, at the thread count given (also set
OPENBLAS_NUM_THREADS/OMP_NUM_THREADS in the environment, as run by bench/harness.ts).
Training mode ({"train": "mlp"|"cnn"|"lstm"|"transformer", "threads", "reps", "cap_s"}): see train_bench.
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


def train_bench(spec):
    """Training throughput (forward + backward + Adam on a fixed random float32 batch) of
    the bench/workloads/train-*.ts models: wall seconds of each timed step and the best CPU seconds of one."""
    import torch.nn as nn
    import torch.nn.functional as F

    torch.manual_seed(0)
    name = spec["train"]
    if name == "mlp":
        model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
        x, y = torch.randn(128, 784), torch.randint(0, 10, (128,))
        loss_fn = lambda: F.cross_entropy(model(x), y)
    elif name == "cnn":
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
        x, y = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
        loss_fn = lambda: F.cross_entropy(model(x), y)
    elif name == "lstm":
        lstm, fc = nn.LSTM(64, 128), nn.Linear(128, 10)
        model = nn.ModuleList([lstm, fc])
        x, y = torch.randn(32, 32, 64), torch.randint(0, 10, (32,))  # [T, B, IN]
        loss_fn = lambda: F.cross_entropy(fc(lstm(x)[1][0][0]), y)
    elif name == "transformer":
        layer = nn.TransformerEncoderLayer(128, 4, dim_feedforward=512, dropout=0.1, batch_first=True)
        model = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        x, t = torch.randn(16, 64, 128), torch.randn(16, 64, 128)
        loss_fn = lambda: F.mse_loss(model(x), t)
    else:
        raise ValueError("unknown train workload " + name)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        opt.step()
        loss.item()

    # Warm-up as bench/train-driver.ts timeSteps: up to 3 steps while they are cheap.
    w0 = time.perf_counter()
    step()
    for _ in range(2):
        if time.perf_counter() - w0 < spec["cap_s"] / 4:
            step()
    walls, cpu_best = [], float("inf")
    t0 = time.perf_counter()
    while len(walls) < spec["reps"] and (not walls or time.perf_counter() - t0 < spec["cap_s"]):
        s0, c0 = time.perf_counter(), time.process_time()
        step()
        walls.append(time.perf_counter() - s0)
        cpu_best = min(cpu_best, time.process_time() - c0)
    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "walls": walls, "cpu_best": cpu_best}


def main():
    spec = json.loads(sys.argv[1])
    torch.set_num_threads(spec["threads"])
    if "train" in spec:
        print(json.dumps(train_bench(spec)))
        return
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
