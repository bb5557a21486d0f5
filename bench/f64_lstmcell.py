"""PyTorch side of bench/f64-lstmcell.ts: one timed float64 forward+backward of the
time_sequence_prediction model (batch 97, T steps) after a warm-up; prints seconds."""
import os, sys, time
import torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "pytorch-ports"))
T = int(sys.argv[1])
sys.argv = [sys.argv[0], "--N", "97", "--L", str(T + 1)]
import time_sequence_prediction as tsp  # noqa: E402
torch.set_num_threads(1)
torch.manual_seed(0)
seq = tsp.Sequence().double()
data = tsp.sine_waves()
x, y = data[:, :-1], data[:, 1:]
def step():
    t0 = time.perf_counter()
    loss = (seq(x) - y).pow(2).mean()
    loss.backward()
    return time.perf_counter() - t0
step()
print(step())
