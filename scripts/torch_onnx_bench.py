#!/usr/bin/env python3
"""PyTorch's side of `prunebook bench --onnx`: exports a torchvision classifier (random init,
BatchNorm in training mode, constant folding off, as the ONNX tests do) and times, on the same
kind of random batch, one SNIP pass (forward, backward, |w * g|) and one FORCE step (the same on the
masked copy, then the top-k) in float32 and float64, median of --runs.

usage: torch_onnx_bench.py MODEL OUT.onnx [--input 224] [--batch 16] [--runs 3] [--export-only]
Run it with the test peers' Python (scripts/peers prints its path), then
  prunebook bench --onnx OUT.onnx --batch 16
in the same minute (machines are shared: compare ratios)."""
import argparse
import copy
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "ONNXTests", "Peers"))
import make_onnx_cases as cases  # noqa: E402  (torchvision import with its stubs, export, prunable)


def median_seconds(runs, body):
    body()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        body()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("out")
    ap.add_argument("--input", type=int, default=224)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--export-only", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(0)
    net = cases.torchvision_net(a.model, 10).train()
    x = torch.randn(a.batch, 3, a.input, a.input)
    y = torch.randint(0, 10, (a.batch,))
    state = copy.deepcopy(net.state_dict())
    cases.export_onnx(net, x[:1], a.out, 17)
    net.load_state_dict(state)
    if a.export_only:
        return
    names = cases.prunable(net)
    out = {"model": a.model, "input": [3, a.input, a.input], "batch": a.batch, "threads": torch.get_num_threads()}
    for dtype, tag in [(torch.float32, "f32"), (torch.float64, "f64")]:
        m = copy.deepcopy(net).to(dtype)
        xb = x.to(dtype)
        params = dict(m.named_parameters())
        theta0 = {n: params[n].detach().clone() for n in names}
        mask = {n: torch.ones_like(theta0[n], dtype=torch.uint8) for n in names}
        s0 = copy.deepcopy(m.state_dict())

        def snip():
            m.zero_grad()
            F.cross_entropy(m(xb), y).backward()
            return {n: (params[n].detach() * params[n].grad).abs() for n in names}

        def force_step():
            m.load_state_dict(s0)
            cases.set_masked(m, theta0, mask)
            s = snip()
            flat = torch.cat([v.flatten() for v in s.values()])
            torch.topk(flat, int(flat.numel() * 0.1))

        out[f"snip_{tag}_s"] = round(median_seconds(a.runs, snip), 4)
        out[f"force_step_{tag}_s"] = round(median_seconds(a.runs, force_step), 4)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
