#!/usr/bin/env python3
"""PyTorch runs of the training recipes Prunebook's accuracy tests use, for side-by-side numbers.

usage: /tmp/torch/bin/python scripts/torch_recipes.py {digits,mnist,fashion-mnist} [--seeds 0,1,2] [--fashion-norm]
Recipe: Kaiming-normal fan-in init (gain sqrt 2), zero biases, SGD momentum 0.9, weight decay 5e-4,
no augmentation, reshuffled every epoch. digits: lenet300 (8x8), batch 32, lr 0.05, 20 epochs, first
1397 train / last 400 test, x/16. mnist / fashion-mnist: lenet5, batch 128, lr 0.01, 2 epochs,
(x/255 - 0.1307)/0.3081 (Fashion's own 0.2860/0.3530 with --fashion-norm). 2 threads.
Data come from $PRUNEBOOK_DATA (default ../shared/data beside the project)."""
import argparse, gzip, math, os, statistics, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "golden", "reference"))
import refnets as R  # noqa: E402  (the fixtures' model definitions)

DATA = os.environ.get("PRUNEBOOK_DATA", os.path.join(HERE, "..", "..", "shared", "data"))


def idx(path):
    raw = gzip.open(path).read()
    nd = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


def load(name, fashion_norm):
    if name == "digits":
        X = idx(f"{DATA}/digits/digits-images-idx3-ubyte.gz").astype(np.float32) / 16.0
        Y = idx(f"{DATA}/digits/digits-labels-idx1-ubyte.gz").astype(np.int64)
        return (X[:1397], Y[:1397]), (X[1397:], Y[1397:])
    mean, std = (0.2860, 0.3530) if fashion_norm else (0.1307, 0.3081)
    def part(prefix):
        X = (idx(f"{DATA}/{name}/{prefix}-images-idx3-ubyte.gz").astype(np.float32) / 255.0 - mean) / std
        return X, idx(f"{DATA}/{name}/{prefix}-labels-idx1-ubyte.gz").astype(np.int64)
    return part("train"), part("t10k")


def run(name, seed, fashion_norm):
    torch.manual_seed(seed)
    (xtr, ytr), (xte, yte) = load(name, fashion_norm)
    model, bs, lr, epochs, shape = (("lenet300", 32, 0.05, 20, (1, 8, 8)) if name == "digits"
                                    else ("lenet5", 128, 0.01, 2, (1, 28, 28)))
    net = R.build(model, shape, 10, 1.0)
    R.init_kaiming(net, torch.Generator().manual_seed(seed))
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)
    xtr_t = torch.from_numpy(xtr.reshape((-1,) + shape).copy())
    ytr_t = torch.from_numpy(ytr.copy())
    gen = torch.Generator().manual_seed(seed)
    t0 = time.perf_counter()
    for _ in range(epochs):
        net.train()
        perm = torch.randperm(len(ytr_t), generator=gen)
        for i in range(0, len(perm), bs):
            j = perm[i:i + bs]
            opt.zero_grad()
            F.cross_entropy(net(xtr_t[j]), ytr_t[j]).backward()
            opt.step()
    secs = time.perf_counter() - t0
    net.eval()
    with torch.no_grad():
        pred = net(torch.from_numpy(xte.reshape((-1,) + shape).copy())).argmax(1).numpy()
    return float((pred == yte).mean()), secs / epochs


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset", choices=["digits", "mnist", "fashion-mnist"])
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--fashion-norm", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(2)
    accs = []
    for s in [int(v) for v in a.seeds.split(",")]:
        acc, spe = run(a.dataset, s, a.fashion_norm)
        accs.append(acc)
        print(f"{a.dataset} seed {s}: test accuracy {acc:.4f}, {spe:.2f} s/epoch")
    print(f"{a.dataset}: median {statistics.median(accs):.4f} of {accs}")
