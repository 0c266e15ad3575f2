#!/usr/bin/env python3
"""Peak resident memory of PyTorch CPU doing the work `prunebook bench` does, one model per process.

usage: /tmp/torch/bin/python scripts/torch_peak_rss.py [--models lenet300,lenet5,conv6,resnet20,vgg19bn] [--batch 128]
Each model runs in a fresh child process: a few training steps (SGD momentum 0.9, weight decay 5e-4,
cross-entropy, random data), SNIP passes and FORCE steps, with the models and pruning code of
../shared/tools/torch_bench.py. The child reports ru_maxrss (its peak RSS) and its RSS right after
`import torch` (what the interpreter and the library cost before any tensor exists). Default glibc
malloc, 2 threads. Prints one line per model and a JSON list at the end.
"""
import argparse
import json
import os
import resource
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, "..", "..", "shared", "tools")


def rss_now_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(name, batch, steps):
    import torch
    import torch.nn.functional as F
    base = rss_now_mib()
    sys.path.insert(0, TOOLS)
    import torch_bench as T
    torch.set_num_threads(2)
    cls, shape = T.build_models()[name]
    torch.manual_seed(0)
    model = cls()
    model.train()
    x = torch.randn(batch, *shape)
    y = torch.randint(0, 10, (batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()
    torch.manual_seed(0)
    fresh = cls()
    fresh.train()
    for _ in range(2):
        T.snip_once(fresh, x, y, 0.01)
    T.force_loop(fresh, x, y, 0.01, 3)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"model": name, "batch": batch, "peak_rss_mib": round(peak), "after_import_mib": round(base)}))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="lenet300,lenet5,conv6,resnet20,vgg19bn")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.batch, args.steps)
        return
    out = []
    for name in [m for m in args.models.split(",") if m]:
        p = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", name, "--batch", str(args.batch),
                            "--steps", str(args.steps)], capture_output=True, text=True, check=True)
        r = json.loads(p.stdout.strip().splitlines()[-1])
        print(f"{name:10s} batch {r['batch']}: peak RSS {r['peak_rss_mib']} MiB "
              f"(after import torch: {r['after_import_mib']} MiB)", flush=True)
        out.append(r)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
