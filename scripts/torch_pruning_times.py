#!/usr/bin/env python3
"""PyTorch CPU times of the pruning runs `prunebook bench --full-runs` measures, for side-by-side ratios.

usage: /tmp/torch/bin/python scripts/torch_pruning_times.py [--models lenet5,resnet20] [--batch 128] [--runs 3]
Per model (lenet5 1x28x28, resnet20 3x32x32, 10 classes, Kaiming init, one random batch of 128):
  * one SNIP: gradient pass + |w * g| + exact top-k to density 0.01;
  * FORCE and Iterative SNIP, T = 60 steps, exponential schedule to density 0.01, BN in train mode,
    state restored before every step: the fixtures' reference (../shared/golden/reference/refnets.py
    `iterative`, whose top-k is a float64 numpy lexsort with the exact tie rule) and a leaner loop
    that ranks with torch.topk on the concatenated scores (ties unordered), so that neither
    Prunebook nor PyTorch is measured with a needlessly slow ranking.
Medians of --runs runs after one warm-up; 2 threads. Prints a line per figure and a JSON object.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "golden", "reference"))
import refnets as R  # noqa: E402

SHAPES = {"lenet5": (1, 28, 28), "resnet20": (3, 32, 32), "lenet300": (1, 28, 28), "conv6": (3, 32, 32),
          "vgg19": (3, 32, 32)}


def median_time(fn, runs):
    fn()
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def snip_once(net, batch, density):
    s = R.snip_scores(net, batch)
    flat = torch.cat([v.flatten() for v in s.values()])
    k = int(math.floor(flat.numel() * density))
    return torch.topk(flat, k).indices.numel()


def lean_iterative(net, batch, density, T, method):
    names = R.prunable(net)
    state0 = {k: v.detach().clone() for k, v in net.state_dict().items()}
    theta0 = {n: state0[n] for n in names}
    mask = {n: torch.ones_like(theta0[n]) for n in names}
    N = sum(v.numel() for v in theta0.values())
    params = dict(net.named_parameters())
    net.train()
    for d_t in R.density_schedule(density, T):
        net.load_state_dict(state0)
        with torch.no_grad():
            for n in names:
                params[n].mul_(mask[n])
        g = R.grads_on(net, batch)
        w = theta0 if method == "force" else {n: theta0[n] * mask[n] for n in names}
        flat = torch.cat([(w[n] * g[n]).abs().flatten() for n in names])
        keep = torch.zeros_like(flat)
        keep[torch.topk(flat, int(math.floor(N * d_t))).indices] = 1
        off = 0
        for n in names:
            sz = theta0[n].numel()
            mask[n] = keep[off:off + sz].view_as(theta0[n])
            off += sz
    net.load_state_dict(state0)
    return mask


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="lenet5,resnet20")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--density", type=float, default=0.01)
    args = ap.parse_args()
    torch.set_num_threads(2)
    out = []
    for name in [m for m in args.models.split(",") if m]:
        shape = SHAPES[name]
        net = R.build(name, shape, 10, 1.0)
        R.init_kaiming(net, torch.Generator().manual_seed(0))
        g = torch.Generator().manual_seed(0)
        batch = (torch.randn((args.batch,) + shape, generator=g), torch.randint(0, 10, (args.batch,), generator=g))
        r = {"model": name, "batch": args.batch, "steps": args.steps, "density": args.density,
             "snip_s": median_time(lambda: snip_once(net, batch, args.density), args.runs)}
        for method in ("force", "iter_snip"):
            r[f"{method}_{args.steps}_reference_s"] = median_time(
                lambda: R.iterative(net, [batch], args.density, args.steps, method), max(1, args.runs - 2))
            r[f"{method}_{args.steps}_lean_s"] = median_time(
                lambda: lean_iterative(net, batch, args.density, args.steps, method), args.runs)
        print("  ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()), flush=True)
        out.append(r)
    print(json.dumps({"torch": torch.__version__, "threads": 2, "results": out}))


if __name__ == "__main__":
    main()
