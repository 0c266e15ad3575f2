"""Checks an ONNX file that Prunebook wrote back for one of the cases of make_onnx_cases.py.

usage: check_export.py CASE ONNX_FILE INPUTS.safetensors OUT.json

INPUTS.safetensors holds F32 `input` [B,C,H,W] and F32 `logits`, Prunebook's own output for that input
with BatchNorm in training mode. The script
  (a) runs onnx.checker.check_model on ONNX_FILE;
  (b) runs ONNX_FILE in onnxruntime (CPU) on `input`;
  (c) rebuilds the case's PyTorch network (make_onnx_cases.build, train mode), loads the file's
      initializers into it by state_dict name and runs it in float32 on `input`;
and writes OUT.json:
  ort_vs_prunebook  max|ort - prunebook| / max|prunebook|
  torch_vs_ort      max|torch - ort| / max|ort|   (null when an initializer is missing)
  missing           state_dict entries (num_batches_tracked excepted) with no initializer of that name
  unexpected        initializers that are not state_dict entries
  zeros             number of exactly-zero values in the prunable weights' initializers
Exits 0 unless something cannot run; then 1, with the reason on stderr."""
import argparse
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_onnx_cases as cases  # noqa: E402


class CheckError(Exception):
    pass


def load_initializers(net, inits):
    """Copies the initializers into net's state by name. Returns (missing, unexpected)."""
    state = net.state_dict()
    missing = [k for k in state if cases.state_key(k) and k not in inits]
    unexpected = [k for k in inits if k not in state]
    if missing:
        return missing, unexpected
    new = {}
    for k, v in state.items():
        if not cases.state_key(k):
            new[k] = v
            continue
        a = inits[k]
        if tuple(a.shape) != tuple(v.shape):
            raise CheckError(f"initializer {k} has shape {list(a.shape)}, the network expects {list(v.shape)}")
        new[k] = torch.from_numpy(np.array(a)).to(v.dtype)
    net.load_state_dict(new, strict=True)
    return missing, unexpected


def check(case_name, onnx_path, inputs_path):
    if case_name not in cases.CASES:
        raise CheckError(f"unknown case {case_name!r}; known: {list(cases.CASES)}")
    tensors, _ = cases.read_safetensors(inputs_path)
    for k in ("input", "logits"):
        if k not in tensors or tensors[k].dtype != np.float32:
            raise CheckError(f"{inputs_path}: needs an F32 tensor {k!r}")
    x, z_pb = tensors["input"], tensors["logits"]
    try:
        onnx.checker.check_model(onnx_path)
    except Exception as e:
        raise CheckError(f"onnx.checker rejects {onnx_path}: {e}") from e
    try:
        z_ort = cases.ort_logits(onnx_path, x)
    except Exception as e:
        raise CheckError(f"onnxruntime cannot run {onnx_path}: {e}") from e
    if z_ort.shape != z_pb.shape:
        raise CheckError(f"onnxruntime gives logits of shape {list(z_ort.shape)}, "
                         f"{inputs_path} has {list(z_pb.shape)}")

    inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(onnx_path).graph.initializer}
    net, _ = cases.build(cases.CASES[case_name])
    missing, unexpected = load_initializers(net, inits)
    torch_vs_ort = None
    if not missing:
        with torch.no_grad():
            z_torch = net.train()(torch.from_numpy(x)).numpy()
        torch_vs_ort = cases.rel_err(z_torch, z_ort)
    zeros = sum(int(np.count_nonzero(inits[n] == 0)) for n in cases.prunable(net) if n in inits)
    return {"ort_vs_prunebook": cases.rel_err(z_ort, z_pb), "torch_vs_ort": torch_vs_ort,
            "missing": missing, "unexpected": unexpected, "zeros": zeros}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("case")
    ap.add_argument("onnx_file")
    ap.add_argument("inputs", metavar="INPUTS.safetensors")
    ap.add_argument("out", metavar="OUT.json")
    args = ap.parse_args()
    try:
        result = check(args.case, args.onnx_file, args.inputs)
    except Exception as e:  # whatever keeps the check from running
        print(f"check_export.py: {e if isinstance(e, CheckError) else f'{type(e).__name__}: {e}'}", file=sys.stderr)
        sys.exit(1)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
