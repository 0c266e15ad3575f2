"""Shared set-up for the PruneScript kernel's Python tests and the latency script.

Importing this module (before any kernel is started):
- waits for the prunebook binary (env PRUNEBOOK_BIN, default .build/release/prunebook) to be
  present and not being replaced;
- installs the `prunescript` kernelspec into a temporary prefix with
  `prunebook kernel install --prefix DIR` and points JUPYTER_PATH at it;
- sets OPENBLAS_CORETYPE (unless already set) so the kernel does not re-execute itself.

`start_kernel()` then starts one kernel in its own temporary working folder (figures go to
./Plots there), with its own PRUNEBOOK_KERNEL_HISTORY file, so the user's history and the
repository are never touched.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BIN = os.environ.get("PRUNEBOOK_BIN", str(REPO / ".build" / "release" / "prunebook"))
KERNEL_NAME = "prunescript"

ROOT = Path(tempfile.mkdtemp(prefix="prunebook-kernel-tests-"))
atexit.register(shutil.rmtree, ROOT, ignore_errors=True)
PREFIX = ROOT / "prefix"


def wait_for_binary(path: str = BIN, attempts: int = 20, pause: float = 30.0) -> None:
    """Waits while the binary is missing or was modified in the last few seconds (a build is
    replacing it)."""
    for _ in range(attempts):
        try:
            st = os.stat(path)
            if os.access(path, os.X_OK) and time.time() - st.st_mtime > 5:
                return
        except FileNotFoundError:
            pass
        print(f"[kernel tests] {path} is missing or being replaced; retrying in {pause:.0f} s", flush=True)
        time.sleep(pause)
    raise RuntimeError(f"{path}: no usable prunebook binary")


def _install_kernelspec() -> None:
    for attempt in range(3):
        wait_for_binary()
        done = subprocess.run([BIN, "kernel", "install", "--prefix", str(PREFIX)],
                              capture_output=True, text=True)
        spec = PREFIX / "share" / "jupyter" / "kernels" / KERNEL_NAME / "kernel.json"
        if done.returncode == 0 and spec.exists():
            return
        time.sleep(30)
    raise RuntimeError(f"prunebook kernel install failed: {done.stdout}{done.stderr}")


_install_kernelspec()
os.environ["JUPYTER_PATH"] = str(PREFIX / "share" / "jupyter")
os.environ.setdefault("OPENBLAS_CORETYPE", "Cooperlake")
# a kernel started without start_kernel() below must not touch the user's history either
os.environ["PRUNEBOOK_KERNEL_HISTORY"] = str(ROOT / "default-history.jsonl")


def new_folder(name: str) -> Path:
    """A fresh folder under the suite's temporary root."""
    return Path(tempfile.mkdtemp(prefix=name + "-", dir=ROOT))


def start_kernel(name: str = "kernel", history: Path | None = None, capture_stderr: bool = False,
                 startup_timeout: float = 60) -> tuple[Any, Any, dict[str, Any]]:
    """Starts a prunescript kernel; returns (KernelManager, BlockingKernelClient, info) where
    info has the kernel's working folder `cwd`, its `history` file and, with capture_stderr,
    the `stderr` log path."""
    from jupyter_client.manager import start_new_kernel

    folder = new_folder(name)
    info: dict[str, Any] = {"cwd": folder, "history": history or folder / "history.jsonl"}
    env = os.environ.copy()
    env["PRUNEBOOK_KERNEL_HISTORY"] = str(info["history"])
    kwargs: dict[str, Any] = {"cwd": str(folder), "env": env}
    if capture_stderr:
        info["stderr"] = folder / "kernel-stderr.log"
        # opened in append mode so a restarted kernel adds to the same log
        kwargs["stderr"] = open(info["stderr"], "a")  # noqa: SIM115 (closed by the process' end)
    wait_for_binary()
    km, kc = start_new_kernel(startup_timeout=startup_timeout, kernel_name=KERNEL_NAME, **kwargs)
    return km, kc, info


def kernel_pid(km: Any) -> int:
    process = getattr(getattr(km, "provisioner", None), "process", None)
    if process is not None:
        return int(process.pid)
    return int(km.kernel.pid)


def vm_rss_kib(pid: int) -> int:
    """VmRSS of a process in KiB, from /proc/<pid>/status."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")
