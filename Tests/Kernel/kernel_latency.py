"""Round-trip latency of the prunescript kernel and its idle memory (a measurement, not a test).

Latency: `1 + 1` from execute_request sent to its `status: idle` received on iopub, 100 runs
after 5 warm-ups; median and p90. Memory: VmRSS of the idle kernel process (/proc/<pid>/status),
right after start-up and after the runs.

Run:
    PRUNEBOOK_BIN=/work/main/.build/release/prunebook OPENBLAS_CORETYPE=Cooperlake \
        /root/.cache/prunebook-peers/bin/python /work/main/Tests/Kernel/kernel_latency.py [--runs 100] [--warmup 5]
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import kernel_support  # noqa: E402  (installs the kernelspec, sets JUPYTER_PATH)


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in [0, 100]), as numpy's default."""
    s = sorted(values)
    k = (len(s) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def round_trip(kc, code: str, timeout: float = 10) -> float:
    """Seconds from sending execute_request to receiving its idle status."""
    t0 = time.perf_counter()
    msg_id = kc.execute(code)
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                and msg["content"]["execution_state"] == "idle"):
            elapsed = time.perf_counter() - t0
            break
    reply = kc.get_shell_msg(timeout=timeout)
    if reply["parent_header"].get("msg_id") != msg_id or reply["content"]["status"] != "ok":
        raise RuntimeError(f"unexpected reply: {reply['content']}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    t_start = time.perf_counter()
    km, kc, _ = kernel_support.start_kernel("latency")
    startup = time.perf_counter() - t_start
    try:
        pid = kernel_support.kernel_pid(km)
        # let start-up settle, drain the iopub "starting" message
        time.sleep(0.5)
        while True:
            try:
                kc.get_iopub_msg(timeout=0.1)
            except queue.Empty:
                break
        rss_start = kernel_support.vm_rss_kib(pid)

        for _ in range(args.warmup):
            round_trip(kc, "1 + 1")
        times = [round_trip(kc, "1 + 1") for _ in range(args.runs)]
        time.sleep(0.5)
        rss_idle = kernel_support.vm_rss_kib(pid)

        ms = [t * 1000 for t in times]
        print(f"prunescript kernel: {kernel_support.BIN} (pid {pid})")
        print(f"  start-up to ready (start_new_kernel + wait_for_ready): {startup:.2f} s")
        print(f"  `1 + 1` round trip (execute_request sent -> status idle), {args.runs} runs after {args.warmup} warm-ups:")
        print(f"    median {statistics.median(ms):.2f} ms   p90 {percentile(ms, 90):.2f} ms   "
              f"min {min(ms):.2f} ms   max {max(ms):.2f} ms")
        print(f"  idle kernel VmRSS: {rss_start / 1024:.1f} MiB after start-up, "
              f"{rss_idle / 1024:.1f} MiB after the runs")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
