#!/usr/bin/env python3
"""Writes the ONNX files of the `models` bench (bench/workloads/models.ts) into a cache
directory: torchvision 0.14 classification models with random weights (seed 0) at
1x3x224x224, a 2-layer BERT-style encoder (d 128, 4 heads, batch 2, seq 32, vocab
1000) and a 2-layer GRU language model (batch 2, seq 20, vocab 500), exported by
torch.onnx.export at opset 13 in eval mode (BatchNorm folded into the convs by the
exporter, as a user's export would be). Files that exist are kept.
Usage: export_zoo_onnx.py '{"dir": "/path/to/cache", "models": ["resnet18", ...]}'
Prints {"written": [...], "kept": [...], "failed": {name: reason}} as JSON."""
import json
import os
import sys

import torch
import torch.nn as nn
import torchvision


class BertStyle(nn.Module):
    """Token + position embeddings, 2 post-norm encoder layers (written out so the export is plain ops), CLS head."""

    def __init__(self, vocab=1000, d=128, heads=4, layers=2, ff=512, seq=32):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(1, seq, d) * 0.02)
        self.heads = heads
        self.layers = nn.ModuleList()
        for _ in range(layers):
            self.layers.append(nn.ModuleDict({
                "qkv": nn.Linear(d, 3 * d), "out": nn.Linear(d, d), "ln1": nn.LayerNorm(d),
                "ff1": nn.Linear(d, ff), "ff2": nn.Linear(ff, d), "ln2": nn.LayerNorm(d)}))
        self.head = nn.Linear(d, 2)

    def forward(self, ids):
        x = self.tok(ids) + self.pos
        b, s, d = x.shape
        h = self.heads
        for L in self.layers:
            q, k, v = L["qkv"](x).reshape(b, s, 3, h, d // h).permute(2, 0, 3, 1, 4)
            a = torch.softmax(q @ k.transpose(-1, -2) / (d // h) ** 0.5, dim=-1) @ v
            x = L["ln1"](x + L["out"](a.transpose(1, 2).reshape(b, s, d)))
            x = L["ln2"](x + L["ff2"](torch.nn.functional.gelu(L["ff1"](x))))
        return self.head(x[:, 0])


class GruLm(nn.Module):
    def __init__(self, vocab=500, d=128, hidden=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.gru = nn.GRU(d, hidden, num_layers=2, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, ids):
        y, _ = self.gru(self.emb(ids))
        return self.out(y)


def build(name):
    if name == "bert_tiny":
        return BertStyle(), torch.randint(0, 1000, (2, 32))
    if name == "gru_lm":
        return GruLm(), torch.randint(0, 500, (2, 20))
    return getattr(torchvision.models, name)(), torch.randn(1, 3, 224, 224)


def main():
    spec = json.loads(sys.argv[1])
    os.makedirs(spec["dir"], exist_ok=True)
    torch.manual_seed(0)
    written, kept, failed = [], [], {}
    for name in spec["models"]:
        path = os.path.join(spec["dir"], name + ".onnx")
        if os.path.exists(path):
            kept.append(name)
            continue
        torch.manual_seed(0)
        model, x = build(name)
        model.eval()
        tmp = path + ".part"
        # Grad mode stays on: under no_grad torch 1.13's nn.MultiheadAttention takes its fused
        # fast path (ViT), which has no ONNX export.
        try:
            torch.onnx.export(model, (x,), tmp, opset_version=13, input_names=["input"], output_names=["output"], do_constant_folding=True)
            os.replace(tmp, path)
            written.append(name)
        except Exception as e:  # one model's failure must not cost the others their files
            failed[name] = str(e).strip().split("\n")[-1][:300]
    print(json.dumps({"written": written, "kept": kept, "failed": failed}))


if __name__ == "__main__":
    main()
