#!/usr/bin/env python3
"""PyTorch's own sparse path beside `prunebook bench --densities` (#22).

LeNet-300-100 (every prunable layer is Linear), batch 128, float32, two threads, the mask SNIP's at
each density on one random batch (|g ⊙ w|, global top-k), as `prunebook bench --densities` makes it.
Per density, three ways to train and run the pruned network:

  masked  the usual PyTorch practice (torch.nn.utils.prune, the reference codes): dense products
          with a dense mask multiplied in, dense SGD;
  csr     torch.sparse CSR weights: y = (W_csr @ xᵀ)ᵀ + b, the CSR tensor rebuilt each step from a
          1-D tensor of the kept values (autograd flows to it), SGD with momentum on the kept
          values only; inference with the CSR weights.
  coo     the same with torch.sparse.mm on COO weights.

Prints images/s for training steps (forward, backward, SGD momentum 0.9, weight decay 5e-4) and
inference (eval forward), medians after warm-up, and writes --json.
Setup: python3 -m venv /tmp/torch && /tmp/torch/bin/pip install 'torch==2.13.0+cpu' numpy
Run:   /tmp/torch/bin/python scripts/torch_sparse_bench.py --densities 1,0.1,0.01,0.005
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F

SIZES = [(784, 300), (300, 100), (100, 10)]


def kaiming(out_f, in_f, gen):
    w = torch.empty(out_f, in_f)
    torch.nn.init.kaiming_normal_(w, generator=gen)
    return w


def snip_masks(weights, biases, x, y, density):
    """SNIP on one batch: scores |g ⊙ w|, the top density·total kept globally."""
    ws = [w.clone().requires_grad_() for w in weights]
    h = x
    for i, (w, b) in enumerate(zip(ws, biases)):
        h = F.linear(h, w, b)
        if i < len(ws) - 1:
            h = F.relu(h)
    F.cross_entropy(h, y).backward()
    scores = torch.cat([(w.grad * w).abs().flatten() for w in ws])
    k = max(1, int(round(density * scores.numel())))
    threshold = torch.topk(scores, k).values[-1]
    return [((w.grad * w).abs() >= threshold).float() for w in ws]


def median_time(fn, warmup=3, seconds=3.0, min_runs=7):
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if len(times) >= 2000:
            break
    return statistics.median(times)


def runners(layer, n, opt, x, y, after_step=None):
    """A training step and an inference call for the network whose i-th layer is layer(i, h)."""
    def forward(inp):
        h = inp
        for i in range(n):
            h = layer(i, h)
            if i < n - 1:
                h = F.relu(h)
        return h

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(forward(x), y).backward()
        opt.step()
        if after_step:
            after_step()

    def infer():
        with torch.no_grad():
            forward(x)
    return step, infer


def masked_runner(weights, biases, masks, x, y):
    params = [w.clone().mul_(m).requires_grad_() for w, m in zip(weights, masks)] + [b.clone().requires_grad_() for b in biases]
    opt = torch.optim.SGD(params, lr=0.01, momentum=0.9, weight_decay=5e-4)
    n = len(weights)

    def remask():
        with torch.no_grad():
            for i in range(n):
                params[i].mul_(masks[i])
    return runners(lambda i, h: F.linear(h, params[i] * masks[i], params[n + i]), n, opt, x, y, remask)


def sparse_runner(weights, biases, masks, x, y, layout):
    structure, values = [], []
    for w, m in zip(weights, masks):
        idx = m.nonzero(as_tuple=False).t()
        if layout == "csr":
            csr = (w * m).to_sparse_csr()
            structure.append((csr.crow_indices(), csr.col_indices(), w.shape))
            values.append(csr.values().clone().requires_grad_())
        else:
            structure.append((idx, w.shape))
            values.append(w[idx[0], idx[1]].clone().requires_grad_())
    bs = [b.clone().requires_grad_() for b in biases]
    opt = torch.optim.SGD(values + bs, lr=0.01, momentum=0.9, weight_decay=5e-4)
    n = len(weights)

    def weight(i):
        if layout == "csr":
            crow, col, shape = structure[i]
            return torch.sparse_csr_tensor(crow, col, values[i], shape)
        idx, shape = structure[i]
        return torch.sparse_coo_tensor(idx, values[i], shape, is_coalesced=True)

    def layer(i, h):
        prod = torch.mm(weight(i), h.t()) if layout == "csr" else torch.sparse.mm(weight(i), h.t())
        return prod.t() + bs[i]
    return runners(layer, n, opt, x, y)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--densities", default="1,0.1,0.01,0.005")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--json", default="torch_sparse_bench.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    weights = [kaiming(o, i, gen) for i, o in SIZES]
    biases = [torch.zeros(o) for _, o in SIZES]
    x = torch.randn(args.batch, 784, generator=gen)
    y = torch.randint(0, 10, (args.batch,), generator=gen)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, lenet300, batch {args.batch}")
    print("density  way      train img/s  infer img/s")
    rows = []
    for d in [float(s) for s in args.densities.split(",")]:
        masks = snip_masks(weights, biases, x, y, d) if d < 1 else [torch.ones_like(w) for w in weights]
        ways = [("masked", masked_runner(weights, biases, masks, x, y))]
        if d < 1:
            ways += [(layout, sparse_runner(weights, biases, masks, x, y, layout)) for layout in ("csr", "coo")]
        for name, (step, infer) in ways:
            train = args.batch / median_time(step, seconds=args.seconds)
            inf = args.batch / median_time(infer, seconds=args.seconds)
            rows.append({"model": "lenet300", "density": d, "way": name,
                         "train_images_per_s": round(train, 1), "infer_images_per_s": round(inf, 1)})
            print(f"{d:7g}  {name:7s} {train:12.1f} {inf:12.1f}")
    with open(args.json, "w") as f:
        json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "results": rows}, f, indent=2)
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
