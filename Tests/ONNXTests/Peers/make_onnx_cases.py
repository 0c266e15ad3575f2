"""Writes the PyTorch-side fixtures of the ONNX import tests.

usage: make_onnx_cases.py OUTDIR [CASE ...]

For each case (all when none is named) it writes
  OUTDIR/<case>.onnx         the float32 network, exported with BatchNorm in training mode;
                             its initializers are the network's initial state, by state_dict name;
  OUTDIR/<case>.safetensors  float64 reference values computed from that same initial state:
      input.<i> F64 [B,C,H,W], label.<i> I64 [B]   batches (the inputs are float32 values, widened)
      logits F64 [B,classes], loss F64 [1]         batch 0, mean cross-entropy, BN in train mode
      grad.<param> F64                             gradient of the loss for every named parameter
      score.snip.<w> F64                           |w * dL/dw| for every prunable weight
      score.grasp.<w> F64                          -w * (H g), g = grad of CE(logits / 200), BN train
                                                   (absent where autograd cannot differentiate twice:
                                                   metadata "grasp" says why)
      score.synflow.<w> F64                        |w * dR/dw| on |state|, all-ones input, BN eval
      mask.force.<w> U8                            FORCE mask (refnets.iterative), exp schedule
      signal.force.<w> U8                          1 where the last FORCE step's score exceeds 1e-12 of
                                                   the largest (below that it is rounding noise)
      logits32 F32                                 the float32 network's train-mode logits on batch 0
      dynamo.logits32 F32                          (cases with dynamo=True) onnxruntime's logits of
                                                   OUTDIR/<case>_dynamo.onnx, the newer exporter's file
  with __metadata__ {"case": JSON of name, input, classes, batch, nbatches, prunable, density, steps,
  opset, empty_layers, force_noise_kept (kept weights whose last score is noise), reachable_classes
  (the classes a path of the FORCE mask's kept weights still reaches; null for ops_shuffle)}, and prints one
  line per case.
Deterministic: the same script and torch version give the same files.

The pruning functions below are copies of the project's reference (shared/golden/reference/refnets.py),
identical in behaviour, except that `prunable` also counts the weight of a MatMulLinear and
`iterative` also returns the last step's scores.
torchvision cases import torchvision; its PyPI wheel is a CUDA build whose C++ ops cannot load here,
so stub schemas for the two ops that its import registers fake kernels for are defined first."""
import argparse
import copy
import dataclasses
import importlib.util
import json
import math
import os
import struct
import sys
import time
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

torch.set_num_threads(2)
torch.use_deterministic_algorithms(True)


# ---------------- small networks covering the operators ----------------

class OpsBasic(nn.Module):
    """Conv (bias), BatchNorm, ReLU, MaxPool(3, 2, pad 1, ceil_mode), a residual add,
    AvgPool(3, 2, pad 1, count_include_pad=False), torch.flatten, Linear. Input 3x16x16."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.pool1 = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)  # 16 -> 9 (8 with floor)
        self.conv2 = nn.Conv2d(16, 16, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(16)
        self.conv3 = nn.Conv2d(16, 16, 3, padding=1)
        self.bn3 = nn.BatchNorm2d(16)
        self.pool2 = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)  # 9 -> 5
        self.fc1 = nn.Linear(16 * 5 * 5, 32)
        self.fc2 = nn.Linear(32, classes)

    def forward(self, x):
        x = self.pool1(F.relu(self.bn1(self.conv1(x))))
        y = F.relu(self.bn2(self.conv2(x)))
        x = F.relu(self.bn3(self.conv3(y)) + x)
        x = torch.flatten(self.pool2(x), 1)
        return self.fc2(F.relu(self.fc1(x)))


class SqueezeExcite(nn.Module):
    """x * sigmoid(conv1x1(relu(conv1x1(mean over H, W))))."""

    def __init__(self, c, r):
        super().__init__()
        self.fc1 = nn.Conv2d(c, r, 1)
        self.fc2 = nn.Conv2d(r, c, 1)

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        return x * torch.sigmoid(self.fc2(F.relu(self.fc1(s))))


class OpsMobile(nn.Module):
    """ReLU6, depthwise conv + Hardswish, squeeze-and-excitation, grouped conv (groups 2) + SiLU,
    dilated conv gating by Hardsigmoid, ZeroPad2d((0,1,0,1)) before a stride-2 conv, Dropout(0),
    Identity, x.view(x.size(0), -1), Linear. Input 3x16x16."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.act1 = nn.ReLU6()
        self.dw = nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.act2 = nn.Hardswish()
        self.se = SqueezeExcite(16, 4)
        self.gconv = nn.Conv2d(16, 32, 3, stride=2, padding=1, groups=2, bias=False)  # 16 -> 8
        self.bn3 = nn.BatchNorm2d(32)
        self.act3 = nn.SiLU()
        self.dil = nn.Conv2d(32, 32, 3, padding=2, dilation=2, bias=False)
        self.bn4 = nn.BatchNorm2d(32)
        self.gate = nn.Hardsigmoid()
        self.pad = nn.ZeroPad2d((0, 1, 0, 1))  # left, right, top, bottom: 8 -> 9
        self.down = nn.Conv2d(32, 32, 3, stride=2)  # 9 -> 4
        self.bn5 = nn.BatchNorm2d(32)
        self.drop = nn.Dropout(0.0)
        self.ident = nn.Identity()
        self.fc = nn.Linear(32 * 4 * 4, classes)

    def forward(self, x):
        x = self.act1(self.bn1(self.conv1(x)))
        x = self.se(self.act2(self.bn2(self.dw(x))))
        x = self.act3(self.bn3(self.gconv(x)))
        x = x * self.gate(self.bn4(self.dil(x)))
        x = F.relu(self.bn5(self.down(self.pad(x))))
        x = self.ident(self.drop(x))
        return self.fc(x.view(x.size(0), -1))


def channel_shuffle(x, groups):
    n, c, h, w = x.size()
    return x.view(n, groups, c // groups, h, w).transpose(1, 2).contiguous().view(n, c, h, w)


class MatMulLinear(nn.Module):
    """y = x @ weight + bias over the last axis of an input of any rank; weight is [in, out], so the
    export is MatMul(x, weight) + Add(bias). Initialised like nn.Linear: U(-1/sqrt(in), 1/sqrt(in))."""

    def __init__(self, cin, cout):
        super().__init__()
        bound = 1.0 / math.sqrt(cin)
        self.weight = nn.Parameter(torch.empty(cin, cout).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(cout).uniform_(-bound, bound))

    def forward(self, x):
        return torch.matmul(x, self.weight) + self.bias


class OpsShuffle(nn.Module):
    """x.chunk and a ShuffleNet branch, torch.cat, channel shuffle (view/transpose/view),
    x[:, :c//2], division by a tensor and by a constant, subtraction, x.split (swapping the halves),
    AdaptiveAvgPool2d(1), a MatMul + Add projection of a 3-D input (`proj.weight`, prunable), mean over
    tokens (ReduceMean), Linear. Input 3x16x16. The exporter turns x.chunk into two Slice nodes with
    bounds computed from Shape; x.split is what gives a Split node."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.b1_pw1 = nn.Conv2d(8, 8, 1, bias=False)
        self.b1_bn1 = nn.BatchNorm2d(8)
        self.b1_dw = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
        self.b1_bn2 = nn.BatchNorm2d(8)
        self.b1_pw2 = nn.Conv2d(8, 8, 1, bias=False)
        self.b1_bn3 = nn.BatchNorm2d(8)
        self.b2_conv = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.b2_bn = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(16, 32, 3, stride=2, padding=1, bias=False)  # 16 -> 8
        self.bn2 = nn.BatchNorm2d(32)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.proj = MatMulLinear(32, 24)
        self.fc = nn.Linear(32 + 24, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        a, b = x.chunk(2, dim=1)
        b = F.relu(self.b1_bn1(self.b1_pw1(b)))
        b = self.b1_bn2(self.b1_dw(b))
        b = F.relu(self.b1_bn3(self.b1_pw2(b)))
        x = channel_shuffle(torch.cat((a, b), 1), 2)
        c = x.size(1)
        a, b = x[:, :c // 2], x[:, c // 2:]
        y = self.b2_bn(self.b2_conv(b))
        x = torch.cat((a / (1 + torch.sigmoid(y)), (a - y) / 2.0), 1)
        x = F.relu(self.bn2(self.conv2(x)))
        p, q = x.split(16, dim=1)
        x = torch.cat((q, p), 1)
        g = self.pool(x).flatten(1)
        t = F.relu(self.proj(x.flatten(2).transpose(1, 2)))  # [n, h*w, 24]
        return self.fc(torch.cat((g, t.mean(1)), 1))


class DigitsNet(nn.Module):
    """A small residual network with a squeeze-and-excitation gate for the bundled 8x8 digits
    (input 1x8x8): the graph the end-to-end script prunes with every method, trains and writes back."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 16, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.se1 = nn.Conv2d(16, 4, 1)
        self.se2 = nn.Conv2d(4, 16, 1)
        self.dw = nn.Conv2d(16, 16, 3, stride=2, padding=1, groups=16, bias=False)
        self.bn3 = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16 * 4 * 4, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(x))
        y = y * torch.sigmoid(self.se2(F.relu(self.se1(y.mean((2, 3), keepdim=True)))))
        x = F.relu(x + y)
        x = F.hardswish(self.bn3(self.dw(x)))
        return self.fc(torch.flatten(x, 1))


# ---------------- torchvision ----------------

def torchvision_models():
    """torchvision.models. When torchvision's C++ extension cannot load (the PyPI wheel is a CUDA build),
    `import torchvision` still registers fake kernels for torchvision::nms and ::qnms, which fails unless
    those operators exist: define their schemas (as in torchvision's csrc) first. Nothing calls them."""
    if "torchvision" not in sys.modules:
        spec = importlib.util.find_spec("torchvision")
        if spec is None:
            raise RuntimeError("torchvision is not installed (pip install --no-deps torchvision==0.28.0)")
        try:
            torch.ops.load_library(os.path.join(spec.submodule_search_locations[0], "_C.so"))
        except OSError:
            for op in ("nms", "qnms"):
                torch.library.define(f"torchvision::{op}",
                                     "(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    import torchvision.models
    return torchvision.models


def torchvision_net(name, classes):
    """torchvision.models.<name>, random init, with every Dropout and StochasticDepth at p = 0."""
    tv = torchvision_models()
    from torchvision.ops import StochasticDepth
    net = getattr(tv, name)(weights=None, num_classes=classes)
    for m in net.modules():
        if isinstance(m, (nn.Dropout, StochasticDepth)):
            m.p = 0.0
    return net


# ---------------- cases ----------------

@dataclasses.dataclass(frozen=True)
class Case:
    model: str  # OpsBasic / OpsMobile / OpsShuffle, or a torchvision.models name
    input: tuple
    classes: int
    batch: int
    nbatches: int
    density: float
    steps: int
    opset: int
    seed: int
    dynamo: bool = False  # also export with the newer exporter (dynamo=True) to <case>_dynamo.onnx


SMALL = dict(input=(3, 16, 16), classes=10, batch=4, nbatches=3, density=0.05, steps=5)
VISION = dict(input=(3, 64, 64), classes=10, nbatches=3, density=0.01, steps=3, opset=17)
CASES = {
    "ops_basic": Case("OpsBasic", opset=13, seed=101, dynamo=True, **SMALL),
    "ops_basic_opset18": Case("OpsBasic", opset=18, seed=101, **SMALL),
    "ops_mobile": Case("OpsMobile", opset=13, seed=102, dynamo=True, **SMALL),
    "ops_mobile_opset18": Case("OpsMobile", opset=18, seed=102, **SMALL),
    "ops_shuffle": Case("OpsShuffle", opset=13, seed=103, dynamo=True, **SMALL),
    "ops_shuffle_opset18": Case("OpsShuffle", opset=18, seed=103, **SMALL),
    "digits_net": Case("DigitsNet", input=(1, 8, 8), classes=10, batch=8, nbatches=3, density=0.1, steps=5, opset=17, seed=104),
    "resnet18": Case("resnet18", batch=4, seed=201, dynamo=True, **VISION),
    "mobilenet_v2": Case("mobilenet_v2", batch=4, seed=202, **VISION),
    "densenet121": Case("densenet121", batch=2, seed=203, **VISION),
    "shufflenet_v2_x0_5": Case("shufflenet_v2_x0_5", batch=4, seed=204, **VISION),
    "efficientnet_b0": Case("efficientnet_b0", batch=4, seed=205, **VISION),
}
SMALL_MODELS = {"OpsBasic": OpsBasic, "OpsMobile": OpsMobile, "OpsShuffle": OpsShuffle, "DigitsNet": DigitsNet}


def randomize_bn(net, gen):
    """BatchNorm weight U(0.5, 1.5), bias N(0, 0.1^2), running mean N(0, 0.1^2), running var U(0.5, 1.5)."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5, generator=gen)
                m.bias.normal_(0.0, 0.1, generator=gen)
                m.running_mean.normal_(0.0, 0.1, generator=gen)
                m.running_var.uniform_(0.5, 1.5, generator=gen)


def build(case):
    """The case's float32 network in its initial state, train mode, and the generator for its data:
    PyTorch's default init after torch.manual_seed(seed), then randomize_bn."""
    torch.manual_seed(case.seed)
    if case.model in SMALL_MODELS:
        net = SMALL_MODELS[case.model](case.classes)
    else:
        net = torchvision_net(case.model, case.classes)
    gen = torch.Generator().manual_seed(case.seed)
    randomize_bn(net, gen)
    return net.train(), gen


def make_batches(case, gen):
    """N(0,1) float32 images and uniform labels."""
    return [(torch.randn((case.batch,) + case.input, generator=gen),
             torch.randint(0, case.classes, (case.batch,), generator=gen)) for _ in range(case.nbatches)]


# ---------------- pruning (copied from shared/golden/reference/refnets.py) ----------------

def prunable(net):
    """Names of conv/linear (and MatMulLinear) weights, in registration order."""
    out = []
    for mname, m in net.named_modules():
        if isinstance(m, (nn.Conv2d, nn.Linear, MatMulLinear)):
            out.append(f"{mname}.weight")
    return out


def keep_top(scores, k, prev=None):
    """scores: dict name->tensor. Keep exactly k largest. Ties (equal scores; -0 equals +0) go first to weights
    kept by `prev` (the previous mask, if any), then to the lower global index (prunable order, row-major)."""
    names = list(scores)
    flat = np.concatenate([scores[n].detach().double().cpu().numpy().ravel() for n in names]) + 0.0  # -0 -> +0
    kept_before = (np.concatenate([prev[n].cpu().numpy().ravel() for n in names]).astype(np.int8)
                   if prev is not None else np.zeros(flat.size, dtype=np.int8))
    index = np.arange(flat.size)
    order = np.lexsort((index, -kept_before, -flat))  # last key is primary
    keep = np.zeros(flat.size, dtype=np.uint8)
    keep[order[:k]] = 1
    out, off = {}, 0
    for n in names:
        sz = scores[n].numel()
        out[n] = torch.from_numpy(keep[off:off + sz].reshape(scores[n].shape).copy())
        off += sz
    return out


def n_total(scores):
    return sum(v.numel() for v in scores.values())


def density_schedule(d, T, mode="exp"):
    if mode == "exp":
        return [math.exp(0 - ((t) * (0 - math.log(d))) / T) for t in range(1, T + 1)]
    return [1 - t * (1 - d) / T for t in range(1, T + 1)]


def set_masked(net, theta0, mask):
    with torch.no_grad():
        for n, p in net.named_parameters():
            if n in mask:
                p.copy_(theta0[n] * mask[n].to(p.dtype))


def grads_on(net, batch, loss="ce"):
    x, y = batch
    net.zero_grad()
    z = net(x)
    if loss == "ce":
        L = F.cross_entropy(z, y)
    elif loss == "target_logit":
        L = F.nll_loss(z, y)  # the FORCE reference code's loss: -mean target logit
    else:
        raise ValueError(loss)
    L.backward()
    return {n: p.grad.detach().clone() for n, p in net.named_parameters()}


def iterative(net, batches, density, T, method, loss="ce", nb=1, mode="exp"):
    """FORCE (method='force') or Iterative SNIP (method='iter_snip').
    Step t uses batches[((t-1)*nb + j) % len(batches)], j < nb. BN in train mode.
    State (params and BN buffers) is restored to theta0 before every step.
    Returns the mask and the last step's scores (the reference returns the mask only)."""
    names = prunable(net)
    state0 = {k: v.detach().clone() for k, v in net.state_dict().items()}
    theta0 = {n: state0[n] for n in names}
    mask = {n: torch.ones_like(theta0[n], dtype=torch.uint8) for n in names}
    N = n_total(theta0)
    net.train()
    for t, d_t in enumerate(density_schedule(density, T, mode), start=1):
        net.load_state_dict(state0)
        set_masked(net, theta0, mask)
        g = {n: torch.zeros_like(theta0[n]) for n in names}
        for j in range(nb):
            b = batches[((t - 1) * nb + j) % len(batches)]
            gj = grads_on(net, b, loss)
            for n in names:
                g[n] += gj[n] / nb
        if method == "force":
            S = {n: (theta0[n] * g[n]).abs() for n in names}
        elif method == "iter_snip":
            S = {n: (theta0[n] * mask[n].to(g[n].dtype) * g[n]).abs() for n in names}
        else:
            raise ValueError(method)
        mask = keep_top(S, int(math.floor(N * d_t)), prev=mask)
    net.load_state_dict(state0)
    return mask, S


def grasp_scores(net, batch, temperature=200.0):
    """S = -theta * (H g), g = grad of CE(logits / temperature) on the batch; BN train mode; exact Hg."""
    net.train()
    names = prunable(net)
    params = dict(net.named_parameters())
    W = [params[n] for n in names]
    x, y = batch
    net.zero_grad()
    L = F.cross_entropy(net(x) / temperature, y)
    g = torch.autograd.grad(L, W)
    g = [gi.detach() for gi in g]
    L2 = F.cross_entropy(net(x) / temperature, y)
    g2 = torch.autograd.grad(L2, W, create_graph=True)
    z = sum((gi * gc).sum() for gi, gc in zip(g2, g))
    Hg = torch.autograd.grad(z, W)
    return {n: -(params[n].detach() * h.detach()) for n, h in zip(names, Hg)}


def synflow_scores(net, input_shape, mask=None):
    """One SynFlow scoring pass on |state| with an all-ones input, BN in eval mode.
    The net's state is restored afterwards."""
    state = {k: v.detach().clone() for k, v in net.state_dict().items()}
    names = prunable(net)
    with torch.no_grad():
        for k, v in net.state_dict().items():
            if v.is_floating_point():
                v.abs_()
        if mask is not None:
            for n, p in net.named_parameters():
                if n in mask:
                    p.mul_(mask[n].to(p.dtype))
    net.eval()
    net.zero_grad()
    x = torch.ones((1,) + tuple(input_shape), dtype=next(net.parameters()).dtype)
    R = net(x).sum()
    R.backward()
    params = dict(net.named_parameters())
    S = {n: (params[n].grad * params[n]).detach().abs() for n in names}
    net.load_state_dict(state)
    net.train()
    return S


def reachable_classes(net, mask, input_shape):
    """The classes (logits) some input pixel still reaches through kept weights: every kept weight 1,
    every pruned one 0, biases 0, BatchNorm the identity (eval, mean 0, variance 1, eps 0), input all
    ones; with no subtraction on the way, every value is then >= 0 and a logit is > 0 exactly when
    a path of kept weights leads to it. Checked on a copy; `net` is unchanged."""
    m = copy.deepcopy(net).double().eval()
    with torch.no_grad():
        for n, p in m.named_parameters():
            if n in mask:
                p.copy_(mask[n].to(p.dtype))
            elif n.endswith("weight"):
                p.fill_(1.0)
            else:
                p.zero_()
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.running_mean.zero_()
                mod.running_var.fill_(1.0)
                mod.eps = 0.0
        y = m(torch.ones((1,) + tuple(input_shape), dtype=torch.float64))
    return [c for c in range(y.shape[1]) if y[0, c] > 0]


def snip_scores(net, batch, loss="ce"):
    net.train()
    g = grads_on(net, batch, loss)
    return {n: (p.detach() * g[n]).abs() for n, p in net.named_parameters() if n in prunable(net)}


# ---------------- safetensors (the format, written and read by hand) ----------------

ST_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "U8": "u1", "BOOL": "?"}
TORCH_ST = {torch.float64: "F64", torch.float32: "F32", torch.int64: "I64", torch.uint8: "U8"}


def write_safetensors(path, tensors, metadata):
    """tensors: dict name -> torch tensor (written in this order); metadata: dict str -> str."""
    header, blobs, off = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        raw = t.detach().contiguous().numpy().astype(ST_DTYPES[TORCH_ST[t.dtype]], copy=False).tobytes()
        header[name] = {"dtype": TORCH_ST[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for raw in blobs:
            f.write(raw)


def read_safetensors(path):
    """(dict name -> numpy array, metadata dict)."""
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, h in header.items():
        a, b = h["data_offsets"]
        out[name] = np.frombuffer(data[8 + n + a:8 + n + b], dtype=ST_DTYPES[h["dtype"]]).reshape(h["shape"]).copy()
    return out, meta


# ---------------- export ----------------

def state_key(name):
    """Whether a state_dict entry is part of the network's state in the ONNX file."""
    return not name.endswith("num_batches_tracked")


def export_onnx(net, x, path, opset):
    """Exports `net` (train mode) and restores its state. The export runs the network, which in train mode
    updates the BN running statistics, and the exporter writes those updated values: the initializers are
    reset to the state before the export. Returns (state keys the export changed, initializer names that are
    not state_dict names)."""
    state0 = {k: v.detach().clone() for k, v in net.state_dict().items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, x, path, dynamo=False, do_constant_folding=False, export_params=True,
                          training=torch.onnx.TrainingMode.TRAINING, input_names=["input"],
                          output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                          opset_version=opset)
    changed = [k for k, v in net.state_dict().items() if not torch.equal(v, state0[k])]
    params = dict(net.named_parameters())
    if any(k in params for k in changed):
        raise RuntimeError(f"export changed parameters: {[k for k in changed if k in params]}")
    net.load_state_dict(state0)

    model = onnx.load(path)
    extra = []
    for init in model.graph.initializer:
        if init.name not in state0:
            extra.append(init.name)
        elif not np.array_equal(numpy_helper.to_array(init), state0[init.name].numpy()):
            init.CopyFrom(numpy_helper.from_array(state0[init.name].numpy(), init.name))
    onnx.save(model, path)
    inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer}
    for k, v in state0.items():
        if state_key(k):
            if k not in inits:
                raise RuntimeError(f"{path}: state_dict entry {k} is not an initializer")
            if inits[k].dtype != v.numpy().dtype or not np.array_equal(inits[k], v.numpy()):
                raise RuntimeError(f"{path}: initializer {k} differs from the initial state")
    onnx.checker.check_model(path, full_check=True)
    return changed, extra


def export_dynamo(net, x, path):
    """The newer exporter (torch.export, dynamo=True), batch dimension dynamic. It exports the network's
    inference graph (BatchNorm folded into the convolutions) whatever `training` says; the state is kept."""
    state0 = {k: v.detach().clone() for k, v in net.state_dict().items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (x,), path, dynamo=True, input_names=["input"], output_names=["logits"],
                          dynamic_shapes={"x": {0: torch.export.Dim("batch")}}, verbose=False)
    net.load_state_dict(state0)
    onnx.checker.check_model(path, full_check=True)


def ort_logits(path, x):
    """The first output of the ONNX file at `path` on the float32 array x, in onnxruntime (CPU)."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: x})[0]


def rel_err(a, b):
    """max |a - b| / max |b|; 0 when both are all zero, finite (JSON-safe) when only b is."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), np.finfo(np.float64).tiny))


# ---------------- one case ----------------

def run(name, case, outdir):
    start = time.time()
    net, gen = build(case)
    batches = make_batches(case, gen)
    state0 = copy.deepcopy(net.state_dict())
    names = prunable(net)

    onnx_path = os.path.join(outdir, f"{name}.onnx")
    changed, extra = export_onnx(net, batches[0][0], onnx_path, case.opset)

    net32 = copy.deepcopy(net)
    net32.load_state_dict(state0)
    with torch.no_grad():
        logits32 = net32.train()(batches[0][0])
    ort_err = rel_err(ort_logits(onnx_path, batches[0][0].numpy()), logits32.numpy())
    if ort_err > 1e-4:
        raise RuntimeError(f"{name}: onnxruntime and PyTorch disagree on the exported file (rel. error {ort_err:.3g})")

    dynamo = None
    if case.dynamo:
        dyn_path = os.path.join(outdir, f"{name}_dynamo.onnx")
        export_dynamo(copy.deepcopy(net).eval(), batches[0][0], dyn_path)
        dynamo = ort_logits(dyn_path, batches[0][0].numpy())

    net64 = copy.deepcopy(net).double()
    state64 = copy.deepcopy(net64.state_dict())
    b64 = [(x.double(), y) for x, y in batches]
    T = {}
    for i, (x, y) in enumerate(b64):
        T[f"input.{i}"] = x
        T[f"label.{i}"] = y
    x, y = b64[0]
    net64.train().zero_grad()
    z = net64(x)
    loss = F.cross_entropy(z, y)
    loss.backward()
    T["logits"] = z.detach().clone()
    T["loss"] = loss.detach().reshape(1).clone()
    for n, p in net64.named_parameters():
        T[f"grad.{n}"] = p.grad.detach().clone()
    net64.load_state_dict(state64)
    snip = snip_scores(net64, b64[0])
    net64.load_state_dict(state64)
    try:
        grasp = grasp_scores(net64, b64[0])
    except RuntimeError as e:  # autograd has no double backward for hardsigmoid / hardswish
        grasp = None
        no_grasp = str(e).splitlines()[0]
    net64.load_state_dict(state64)
    synflow = synflow_scores(net64, case.input)
    net64.load_state_dict(state64)
    mask, last = iterative(net64, b64, case.density, case.steps, "force")
    for n in names:
        if grasp is not None:
            T[f"score.grasp.{n}"] = grasp[n]
        T[f"score.synflow.{n}"] = synflow[n]
    for n in names:
        T[f"score.snip.{n}"] = snip[n]
    for n in names:
        T[f"mask.force.{n}"] = mask[n]
    # Scores of the last FORCE step below 1e-12 of the largest are rounding noise (zero in exact
    # arithmetic: gradients through channels that masking left constant); which of those a mask
    # keeps depends on the order of floating-point operations, not on the method.
    top = max(float(v.max()) for v in last.values())
    for n in names:
        T[f"signal.force.{n}"] = (last[n] > 1e-12 * top).to(torch.uint8)
    noise_kept = sum(int((mask[n].bool() & ~(last[n] > 1e-12 * top)).sum()) for n in names)
    T["logits32"] = logits32
    if dynamo is not None:
        T["dynamo.logits32"] = torch.from_numpy(dynamo)
    empty = [n for n in names if int(mask[n].sum()) == 0]
    # ops_shuffle subtracts two branches (a - y), which the all-ones test cannot follow
    reachable = None if case.model == "OpsShuffle" else reachable_classes(net, mask, case.input)

    meta = {"name": name, "input": list(case.input), "classes": case.classes, "batch": case.batch,
            "nbatches": case.nbatches, "prunable": names, "density": case.density, "steps": case.steps,
            "opset": case.opset, "empty_layers": empty, "force_noise_kept": noise_kept,
            "grasp": None if grasp is not None else no_grasp, "reachable_classes": reachable}
    st_path = os.path.join(outdir, f"{name}.safetensors")
    write_safetensors(st_path, T, {"case": json.dumps(meta)})
    ops = sorted({n.op_type for n in onnx.load(onnx_path).graph.node})
    bumped = {}
    for k in changed:
        bumped[k.rsplit(".", 1)[-1]] = bumped.get(k.rsplit(".", 1)[-1], 0) + 1
    kept = sum(int(m.sum()) for m in mask.values())
    print(f"{name}: opset {case.opset}, {time.time() - start:.2f} s, onnx {os.path.getsize(onnx_path)} B, "
          f"safetensors {os.path.getsize(st_path)} B, prunable {len(names)} ({n_total(mask)} weights, "
          f"{kept} kept), empty {empty}, ort-vs-torch32 {ort_err:.2g}, buffers the export changed "
          f"(restored) {bumped}, initializers not in state_dict {extra}, ops {ops}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("cases", nargs="*", metavar="CASE", help=f"any of {', '.join(CASES)} (default: all)")
    args = ap.parse_args()
    unknown = [c for c in args.cases if c not in CASES]
    if unknown:
        ap.error(f"unknown case(s) {unknown}; known: {list(CASES)}")
    os.makedirs(args.outdir, exist_ok=True)
    for name in args.cases or CASES:
        run(name, CASES[name], args.outdir)


if __name__ == "__main__":
    main()
