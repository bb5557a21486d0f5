#!/usr/bin/env python3
"""PyTorch peer of the `models` bench's fine-tuning step (bench/workloads/models.ts):
a torchvision model in train mode, random weights (seed 0), one fixed random batch at
224x224 and random labels; a step is forward, cross-entropy, backward and SGD with
momentum 0.9 (lr 0.01). Per (model, batch): the wall ms of every timed step and the
best CPU ms of one, after one warm-up step, on `threads` threads.
Usage: torch_finetune.py '{"models": ["resnet18"], "batches": [1, 8], "reps": 5, "threads": 1}'"""
import json
import sys
import time

import torch
import torch.nn.functional as F
import torchvision


def main():
    spec = json.loads(sys.argv[1])
    torch.set_num_threads(spec.get("threads", 1))
    out = {}
    for name in spec["models"]:
        for b in spec["batches"]:
            torch.manual_seed(0)
            model = getattr(torchvision.models, name)()
            model.train()
            opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
            x = torch.randn(b, 3, 224, 224)
            y = torch.randint(0, 1000, (b,))

            def step():
                loss = F.cross_entropy(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                loss.item()

            step()
            walls, cpu = [], float("inf")
            for _ in range(spec.get("reps", 5)):
                w0, c0 = time.perf_counter(), time.process_time()
                step()
                walls.append((time.perf_counter() - w0) * 1000)
                cpu = min(cpu, (time.process_time() - c0) * 1000)
            out[f"{name} b{b}"] = {"walls": walls, "cpu_best": cpu}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
