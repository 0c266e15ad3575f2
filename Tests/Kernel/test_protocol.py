"""Protocol behaviour of the prunescript kernel beyond jupyter_kernel_test: interrupts (SIGINT and
interrupt_request), message signing and replays, live progress displays, stop_on_error,
history across a restart, the figure PNG, completion/inspection details.

Run (from anywhere):
    PRUNEBOOK_BIN=/work/main/.build/release/prunebook OPENBLAS_CORETYPE=Cooperlake \
        /root/.cache/prunebook-peers/bin/python -m unittest discover -s /work/main/Tests/Kernel -v
"""

from __future__ import annotations

import base64
import os
import queue
import re
import struct
import sys
import time
import unittest
import uuid
import zlib
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import kernel_support  # noqa: E402  (installs the kernelspec, sets JUPYTER_PATH)
import zmq  # noqa: E402
from jupyter_client.session import Session  # noqa: E402

# a training that runs for many seconds on the bundled digits (100 epochs take ~0.7 s here)
LONG_TRAIN = "r_long = train(net, data, epochs: 5000, lr: 0.05, batch: 32)"
# one that runs ~1.5-2 s: long enough for live progress updates (every 0.5 s)
MEDIUM_TRAIN = "r_med = train(net, data, epochs: 250, lr: 0.05, batch: 32)"
SETUP = 'data = dataset("digits", batch: 32)\nnet = lenet300(input: [1, 8, 8])'


class KernelProtocolTests(unittest.TestCase):
    km: Any
    kc: Any
    info: dict[str, Any]

    @classmethod
    def setUpClass(cls) -> None:
        cls.km, cls.kc, cls.info = kernel_support.start_kernel("protocol", capture_stderr=True)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=False)

    # ---- helpers -------------------------------------------------------------------------

    def setUp(self) -> None:
        self.drain()

    def drain(self) -> None:
        """Forgets whatever an earlier test left on shell, iopub and control."""
        for get in (self.kc.get_shell_msg, self.kc.get_iopub_msg, self.kc.control_channel.get_msg):
            while True:
                try:
                    get(timeout=0.05)
                except queue.Empty:
                    break

    def shell_reply(self, msg_id: str, timeout: float = 30) -> dict[str, Any]:
        """The shell reply to msg_id (other replies are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.fail(f"no shell reply to {msg_id} within {timeout} s")
            try:
                msg = self.kc.get_shell_msg(timeout=left)
            except queue.Empty:
                self.fail(f"no shell reply to {msg_id} within {timeout} s")
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    def iopub_until_idle(self, msg_id: str, timeout: float = 30) -> list[dict[str, Any]]:
        """The iopub messages whose parent is msg_id, up to and including its `idle` status."""
        return self.iopub_until_all_idle([msg_id], timeout)[msg_id]

    def iopub_until_all_idle(self, msg_ids: list[str], timeout: float = 30) -> dict[str, list[dict[str, Any]]]:
        """The iopub messages of each of msg_ids, until every one has had its `idle` status
        (in whatever order they come)."""
        out: dict[str, list[dict[str, Any]]] = {m: [] for m in msg_ids}
        waiting = set(msg_ids)
        deadline = time.monotonic() + timeout
        while waiting:
            left = deadline - time.monotonic()
            if left <= 0:
                self.fail(f"no idle status for {sorted(waiting)} within {timeout} s")
            try:
                msg = self.kc.get_iopub_msg(timeout=left)
            except queue.Empty:
                self.fail(f"no idle status for {sorted(waiting)} within {timeout} s")
            parent = msg["parent_header"].get("msg_id")
            if parent not in out:
                continue
            out[parent].append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                waiting.discard(parent)
        return out

    def run_cell(self, code: str, timeout: float = 30, **kw: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        msg_id = self.kc.execute(code, **kw)
        reply = self.shell_reply(msg_id, timeout)
        return reply, self.iopub_until_idle(msg_id, timeout)

    def run_ok(self, code: str, timeout: float = 30) -> list[dict[str, Any]]:
        reply, msgs = self.run_cell(code, timeout)
        self.assertEqual(reply["content"]["status"], "ok", f"{code!r}: {reply['content']}")
        return msgs

    def value_of(self, expr: str) -> str:
        """text/plain of the execute_result of expr."""
        msgs = self.run_ok(expr)
        results = [m for m in msgs if m["msg_type"] == "execute_result"]
        self.assertEqual(len(results), 1, f"{expr!r}: {[m['msg_type'] for m in msgs]}")
        return results[0]["content"]["data"]["text/plain"]

    def wait_for_progress(self, msg_id: str, timeout: float = 10) -> list[dict[str, Any]]:
        """Iopub messages of msg_id up to its first display_data (the live progress display),
        which proves the cell is running."""
        seen = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = self.kc.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            seen.append(msg)
            if msg["msg_type"] == "display_data":
                return seen
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                self.fail("the long cell ended before it could be interrupted")
        self.fail("the long cell showed no progress display within %s s" % timeout)

    def check_interrupted(self, msg_id: str, interrupted_at: float, before: list[dict[str, Any]]) -> None:
        reply = self.shell_reply(msg_id, timeout=30)
        elapsed = time.monotonic() - interrupted_at
        content = reply["content"]
        self.assertEqual(content["status"], "error", content)
        self.assertEqual(content["ename"], "Interrupted", content)
        self.assertLess(elapsed, 5.0, f"the cell took {elapsed:.1f} s to stop after the interrupt")
        msgs = before + self.iopub_until_idle(msg_id)
        errors = [m for m in msgs if m["msg_type"] == "error"]
        self.assertEqual(len(errors), 1, [m["msg_type"] for m in msgs])
        self.assertEqual(errors[0]["content"]["ename"], "Interrupted")
        # the live progress display must not be left showing times
        display = next(m for m in msgs if m["msg_type"] == "display_data")
        display_id = display["content"]["transient"]["display_id"]
        updates = [m for m in msgs if m["msg_type"] == "update_display_data"
                   and m["content"]["transient"].get("display_id") == display_id]
        if updates:
            self.assertNotIn("ETA", updates[-1]["content"]["data"]["text/plain"])

    # ---- (a) SIGINT -----------------------------------------------------------------------

    def test_interrupt_signal(self) -> None:
        """KernelManager.interrupt_kernel (SIGINT, interrupt_mode "signal") stops a long train:
        error reply with ename Interrupted within ~5 s; the next cell sees earlier variables."""
        spec = self.km.kernel_spec
        self.assertEqual(spec.interrupt_mode, "signal")
        self.run_ok(SETUP + "\nkept_a = 41")
        msg_id = self.kc.execute(LONG_TRAIN)
        before = self.wait_for_progress(msg_id)
        t0 = time.monotonic()
        self.km.interrupt_kernel()
        self.check_interrupted(msg_id, t0, before)
        self.assertEqual(self.value_of("kept_a + 1"), "42")
        self.assertEqual(self.value_of('type(net) == type(lenet300(input: [1, 8, 8]))'), "true")

    # ---- (b) interrupt_request on control -------------------------------------------------

    def test_interrupt_request_on_control(self) -> None:
        self.run_ok(SETUP + "\nkept_b = 6")
        msg_id = self.kc.execute(LONG_TRAIN)
        before = self.wait_for_progress(msg_id)
        request = self.kc.session.msg("interrupt_request", {})
        t0 = time.monotonic()
        self.kc.control_channel.send(request)
        reply = self.kc.control_channel.get_msg(timeout=5)
        self.assertEqual(reply["msg_type"], "interrupt_reply")
        self.assertEqual(reply["parent_header"]["msg_id"], request["header"]["msg_id"])
        self.assertEqual(reply["content"]["status"], "ok")
        self.check_interrupted(msg_id, t0, before)
        self.assertEqual(self.value_of("kept_b * 7"), "42")

    # ---- (c) signatures and replays -------------------------------------------------------

    def raw_socket(self, port_name: str = "shell_port") -> Any:
        """A DEALER socket of our own on one of the kernel's ROUTER ports."""
        ci = self.km.get_connection_info()
        sock = zmq.Context.instance().socket(zmq.DEALER)
        sock.linger = 0
        if ci["transport"] == "ipc":
            sock.connect(f"ipc://{ci['ip']}-{ci[port_name]}")
        else:
            sock.connect(f"tcp://{ci['ip']}:{ci[port_name]}")
        self.addCleanup(sock.close)
        return sock

    def raw_reply(self, sock: Any, session: Session, timeout_ms: int) -> dict[str, Any] | None:
        if not sock.poll(timeout_ms):
            return None
        frames = sock.recv_multipart()
        _, parts = session.feed_identities(frames)
        return session.deserialize(parts)

    def test_bad_signature_and_replay(self) -> None:
        key = self.km.session.key
        self.assertTrue(key, "the connection file has no key: signing is off")
        good = Session(key=key, signature_scheme="hmac-sha256", username="test")
        wrong = Session(key=b"not-" + key, signature_scheme="hmac-sha256", username="test")
        unsigned = Session(key=b"", username="test")
        sock = self.raw_socket()

        # a message signed with the wrong key, and one not signed at all: no reply
        wrong.send(sock, "kernel_info_request", {})
        self.assertIsNone(self.raw_reply(sock, good, 2000), "the kernel answered a message with a wrong signature")
        unsigned.send(sock, "kernel_info_request", {})
        self.assertIsNone(self.raw_reply(sock, good, 1000), "the kernel answered an unsigned message")

        # a good message on the same socket is answered
        msg = good.msg("kernel_info_request", {})
        frames = good.serialize(msg)
        sock.send_multipart(frames)
        reply = self.raw_reply(sock, good, 10000)
        self.assertIsNotNone(reply, "no reply to a good message after a bad one")
        self.assertEqual(reply["msg_type"], "kernel_info_reply")
        self.assertEqual(reply["parent_header"]["msg_id"], msg["header"]["msg_id"])

        # a byte-identical replay of it gets no second reply
        sock.send_multipart(frames)
        self.assertIsNone(self.raw_reply(sock, good, 2000), "the kernel answered a replayed message")

        # nor on the control socket (one replay window for both)
        control = self.raw_socket("control_port")
        control.send_multipart(frames)
        self.assertIsNone(self.raw_reply(control, good, 1000), "the kernel answered a replay on control")

        # a good signature over other content is a bad signature
        tampered = good.serialize(good.msg("kernel_info_request", {}))
        tampered[-1] = b'{"tampered": true}'
        sock.send_multipart(tampered)
        self.assertIsNone(self.raw_reply(sock, good, 1000), "the kernel answered a tampered message")

        # ... and the kernel keeps answering new good messages, on this socket and the client's
        msg2 = good.msg("kernel_info_request", {})
        sock.send_multipart(good.serialize(msg2))
        reply2 = self.raw_reply(sock, good, 10000)
        self.assertIsNotNone(reply2)
        self.assertEqual(reply2["parent_header"]["msg_id"], msg2["header"]["msg_id"])
        self.assertEqual(self.value_of("40 + 2"), "42")

        # the drops are logged on the kernel's stderr
        time.sleep(0.2)
        log = self.info["stderr"].read_text()
        self.assertIn("bad signature", log)
        self.assertIn("replayed", log)

    def test_malformed_frames_are_dropped(self) -> None:
        """Hostile wire input: no delimiter, too few frames, a correctly signed header that is not
        JSON or nests too deep, a frame over the size limit. The kernel logs and drops each one
        and keeps serving."""
        key = self.km.session.key
        good = Session(key=key, signature_scheme="hmac-sha256", username="test")
        sock = self.raw_socket()

        def signed(parts: list[bytes]) -> list[bytes]:
            return [b"<IDS|MSG>", good.sign(parts)] + parts

        hostile = [
            [b"no delimiter at all", b"{}"],
            [b"<IDS|MSG>", b"sig", b"{}"],
            signed([b"not json", b"{}", b"{}", b"{}"]),
            signed([b"{}", b"{}", b"{}", b"[" * 10000 + b"]" * 10000]),
            signed([b"{}", b"{}", b"{}", b"[1, 2]"]),
            [b"<IDS|MSG>", b"x"] + [b"y" * (65 << 20)],
        ]
        for frames in hostile:
            sock.send_multipart(frames)
            self.assertIsNone(self.raw_reply(sock, good, 500), f"the kernel answered {frames[:2]!r}")
        msg = good.msg("kernel_info_request", {})
        sock2 = self.raw_socket()
        sock2.send_multipart(good.serialize(msg))
        reply = self.raw_reply(sock2, good, 10000)
        self.assertIsNotNone(reply, "the kernel stopped answering after malformed messages")
        self.assertEqual(reply["parent_header"]["msg_id"], msg["header"]["msg_id"])
        self.assertEqual(self.value_of("1 + 2"), "3")
        time.sleep(0.2)
        log = self.info["stderr"].read_text()
        self.assertIn("no <IDS|MSG> delimiter", log)
        self.assertIn("is not a JSON object", log)

    # ---- (d) live progress ----------------------------------------------------------------

    def test_live_progress_display(self) -> None:
        self.run_ok(SETUP)
        msgs = self.run_ok(MEDIUM_TRAIN)
        displays = [m for m in msgs if m["msg_type"] == "display_data"]
        self.assertEqual(len(displays), 1, [m["msg_type"] for m in msgs])
        transient = displays[0]["content"].get("transient", {})
        display_id = transient.get("display_id")
        self.assertTrue(display_id, f"the progress display has no transient display_id: {displays[0]['content']}")
        first = displays[0]["content"]["data"]["text/plain"]
        self.assertIn("epoch", first)
        updates = [m for m in msgs if m["msg_type"] == "update_display_data"]
        self.assertGreaterEqual(len(updates), 1)
        for u in updates:
            self.assertEqual(u["content"]["transient"].get("display_id"), display_id)
        # the display and its updates come in order, before idle
        order = [m["msg_type"] for m in msgs]
        self.assertLess(order.index("display_data"), order.index("update_display_data"))
        last = updates[-1]["content"]["data"]["text/plain"]
        self.assertNotIn("ETA", last)
        self.assertIsNone(re.search(r"\d s\b", last), f"the closing line has a time in it: {last!r}")
        m = re.fullmatch(r"train: 250 epochs \((\d+) steps\), loss [0-9.e-]+, test accuracy ([0-9.]+)%", last)
        self.assertIsNotNone(m, f"unexpected closing line: {last!r}")
        # the closing line is the run's own account
        steps, accuracy = self.value_of("[r_med.steps, r_med.accuracy]").strip("[]").split(", ")
        self.assertEqual(m.group(1), steps)
        self.assertAlmostEqual(float(m.group(2)), float(accuracy) * 100, places=6)

    # ---- (e) stop_on_error ----------------------------------------------------------------

    def test_stop_on_error_aborts_queued(self) -> None:
        self.run_ok(SETUP)
        tag = uuid.uuid4().hex[:8]
        # a little work first, so that the second request is queued before the error
        first = self.kc.execute(f"warm_{tag} = train(net, data, epochs: 30, lr: 0.05, batch: 32)\nnot_defined_{tag}")
        second = self.kc.execute(f"ran_{tag} = 1")
        r1 = self.shell_reply(first)
        self.assertEqual(r1["content"]["status"], "error")
        self.assertEqual(r1["content"]["ename"], "NameError")
        r2 = self.shell_reply(second)
        self.assertEqual(r2["content"]["status"], "aborted", r2["content"])
        iopub = self.iopub_until_all_idle([first, second])
        states = [m["content"]["execution_state"] for m in iopub[second] if m["msg_type"] == "status"]
        self.assertEqual(states, ["busy", "idle"])
        self.assertEqual([m["msg_type"] for m in iopub[second]], ["status", "status"],
                         "an aborted request has no execute_input or outputs")
        # the aborted cell did not run; the kernel goes on
        reply, msgs = self.run_cell(f"ran_{tag}")
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "NameError")
        self.assertEqual(self.value_of("2 * 21"), "42")

    def test_no_stop_on_error_runs_queued(self) -> None:
        tag = uuid.uuid4().hex[:8]
        first = self.kc.execute(f"not_defined_{tag}", stop_on_error=False)
        second = self.kc.execute(f"ran_{tag} = 1")
        self.assertEqual(self.shell_reply(first)["content"]["status"], "error")
        self.assertEqual(self.shell_reply(second)["content"]["status"], "ok")
        self.assertEqual(self.value_of(f"ran_{tag}"), "1")

    # ---- (f) history across a restart -----------------------------------------------------

    def history(self, **kw: Any) -> list[list[Any]]:
        kw.setdefault("raw", True)
        kw.setdefault("output", False)
        msg_id = self.kc.history(**kw)
        reply = self.shell_reply(msg_id, timeout=10)
        self.assertEqual(reply["content"]["status"], "ok")
        return reply["content"]["history"]

    def test_history_persists_across_restart(self) -> None:
        tag = uuid.uuid4().hex[:8]
        inputs = [f"marker_{tag} = 1", f'print("before restart {tag}")']
        for code in inputs:
            self.run_ok(code)
        tail = self.history(hist_access_type="tail", n=2)
        self.assertEqual([h[2] for h in tail], inputs)
        old_session = tail[0][0]
        old_pid = kernel_support.kernel_pid(self.km)

        self.km.restart_kernel(now=False)
        self.kc.wait_for_ready(timeout=60)
        self.drain()
        self.assertNotEqual(kernel_support.kernel_pid(self.km), old_pid)

        # the new kernel is a new process and a new history session ...
        reply, _ = self.run_cell(f"marker_{tag}")
        self.assertEqual(reply["content"]["ename"], "NameError")
        # ... whose history still holds the earlier session's inputs
        tail = self.history(hist_access_type="tail", n=3)
        self.assertEqual([h[2] for h in tail], inputs + [f"marker_{tag}"])
        self.assertEqual([h[0] for h in tail], [old_session, old_session, old_session + 1])
        self.assertEqual(tail[2][1], 1, "the new session's first cell is line 1")
        found = self.history(hist_access_type="search", pattern=f"*before restart {tag}*")
        self.assertEqual([h[2] for h in found], [inputs[1]])
        earlier = self.history(hist_access_type="range", session=-1, start=1, stop=0)
        self.assertIn(inputs[0], [h[2] for h in earlier])
        self.assertTrue(all(h[0] == old_session for h in earlier))
        with_output = self.history(hist_access_type="tail", n=1, output=True)
        self.assertEqual(with_output[0][2][0], f"marker_{tag}")

    # ---- (g) the figure's PNG -------------------------------------------------------------

    def test_figure_png(self) -> None:
        msgs = self.run_ok("hist([1, 2, 3, 2, 5, 8, 2, 3], bins: 4)")
        displays = [m for m in msgs if m["msg_type"] == "display_data"]
        self.assertEqual(len(displays), 1)
        data = displays[0]["content"]["data"]
        self.assertTrue(data["text/plain"].startswith("Figure"), data["text/plain"])
        svg = data["image/svg+xml"]
        root = re.search(r"<svg\b[^>]*>", svg).group(0)
        width_pt = float(re.search(r'\bwidth="([0-9.]+)pt"', root).group(1))
        height_pt = float(re.search(r'\bheight="([0-9.]+)pt"', root).group(1))
        png = base64.b64decode(data["image/png"], validate=True)
        width, height, pixels = decode_png(png)
        # 2x the SVG's size in CSS pixels (96 per inch: 1pt = 4/3 px)
        expected_w, expected_h = width_pt * 4 / 3 * 2, height_pt * 4 / 3 * 2
        self.assertLessEqual(abs(width - expected_w), 1,
                             f"PNG {width}x{height} for an SVG of {width_pt}x{height_pt} pt: "
                             f"expected {expected_w:.1f}x{expected_h:.1f} (2x CSS px)")
        self.assertLessEqual(abs(height - expected_h), 1,
                             f"PNG {width}x{height}: expected height {expected_h:.1f}")
        meta = displays[0]["content"]["metadata"].get("image/png", {})
        self.assertEqual((meta.get("width"), meta.get("height")), (width // 2, height // 2))
        non_white = sum(1 for p in pixels if p[:3] != (255, 255, 255))
        dark = sum(1 for p in pixels if max(p[:3]) < 128)
        self.assertGreater(non_white, 0.01 * width * height, "the PNG is (almost) blank")
        self.assertGreater(dark, 0, "the PNG has no dark pixels (axes, text)")
        self.assertLess(non_white, 0.9 * width * height, "the PNG has no white background")

    # ---- completion, inspection, is_complete, errors, pager: details ----------------------

    def complete(self, code: str, cursor_pos: int | None = None) -> dict[str, Any]:
        msg_id = self.kc.complete(code, cursor_pos)
        return self.shell_reply(msg_id, timeout=10)["content"]

    def test_completion_details(self) -> None:
        self.run_ok("my_record = {alpha: 1, beta: 2}\nmy_variable = 3")
        c = self.complete("my_va")
        self.assertEqual(c["matches"], ["my_variable"])
        self.assertEqual((c["cursor_start"], c["cursor_end"]), (0, 5))
        # record fields: whatever the match covers, applying it gives the field
        code = "x = my_record.al"
        c = self.complete(code)
        self.assertEqual(len(c["matches"]), 1, c)
        self.assertEqual(c["cursor_end"], len(code))
        self.assertEqual(code[:c["cursor_start"]] + c["matches"][0], "x = my_record.alpha")
        # cursor positions count code points, an astral emoji included
        code = 's = "😀é"; tra'
        c = self.complete(code)
        self.assertEqual(len(code), 13)   # code points; 14 in UTF-16, 17 in UTF-8
        self.assertIn("train", c["matches"])
        self.assertEqual((c["cursor_start"], c["cursor_end"]), (10, 13))
        # the cursor in the middle of the code, on a later line
        code = "a = 1\nsumm + 1"
        c = self.complete(code, cursor_pos=code.index("summ") + 4)
        self.assertEqual(c["matches"], ["summary"])
        self.assertEqual((c["cursor_start"], c["cursor_end"]), (6, 10))
        c = self.complete('prune(net, "s')
        self.assertEqual(set(c["matches"]), {"snip", "synflow"})

    def test_inspect_at_cursor(self) -> None:
        code = "r = train(net, data)"
        msg_id = self.kc.inspect(code, cursor_pos=code.index("train") + 2)
        content = self.shell_reply(msg_id, timeout=10)["content"]
        self.assertEqual(content["status"], "ok")
        self.assertTrue(content["found"])
        self.assertTrue(content["data"]["text/plain"].startswith("train("))
        msg_id = self.kc.inspect("no_such_builtin_xyz")
        content = self.shell_reply(msg_id, timeout=10)["content"]
        self.assertEqual(content["status"], "ok")
        self.assertFalse(content["found"])

    def test_is_complete_indent(self) -> None:
        msg_id = self.kc.is_complete("for i in 1..3 {")
        content = self.shell_reply(msg_id, timeout=10)["content"]
        self.assertEqual(content["status"], "incomplete")
        self.assertEqual(content["indent"], "    ")
        msg_id = self.kc.is_complete("for i in 1..3 {\n    if i > 1 {")
        content = self.shell_reply(msg_id, timeout=10)["content"]
        self.assertEqual(content["status"], "incomplete")
        self.assertEqual(content["indent"], "        ")

    def test_error_traceback(self) -> None:
        reply, msgs = self.run_cell("x_ok = 1\ny_bad = x_ok + undefined_q")
        content = reply["content"]
        self.assertEqual(content["status"], "error")
        self.assertEqual(content["ename"], "NameError")
        self.assertIn("undefined_q", content["evalue"])
        errors = [m for m in msgs if m["msg_type"] == "error"]
        self.assertEqual(len(errors), 1)
        tb = errors[0]["content"]["traceback"]
        self.assertEqual(errors[0]["content"]["ename"], content["ename"])
        self.assertEqual(errors[0]["content"]["evalue"], content["evalue"])
        self.assertEqual(tb, content["traceback"])
        source = next(i for i, line in enumerate(tb) if "y_bad = x_ok + undefined_q" in line)
        caret = tb[source + 1]
        self.assertIn("^", caret)
        self.assertEqual(caret.index("^"), tb[source].index("undefined_q"), tb)

    def test_pager_forms(self) -> None:
        for code in ("?train", "train?"):
            reply, msgs = self.run_cell(code)
            content = reply["content"]
            self.assertEqual(content["status"], "ok")
            self.assertEqual(len(content["payload"]), 1)
            page = content["payload"][0]
            self.assertEqual(page["source"], "page")
            self.assertEqual(page["start"], 0)
            self.assertTrue(page["data"]["text/plain"].startswith("train("))

    def test_table_result(self) -> None:
        msgs = self.run_ok('table([{a: 1, b: "x"}])')
        results = [m for m in msgs if m["msg_type"] == "execute_result"]
        self.assertEqual(len(results), 1)
        data = results[0]["content"]["data"]
        self.assertIn("<table", data["text/html"])
        self.assertIn("<td", data["text/html"])
        self.assertIn("a", data["text/plain"])
        self.assertIn("x", data["text/plain"])


# ---- a small PNG decoder (zlib only) -------------------------------------------------------

def decode_png(png: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Width, height and pixels (RGB or RGBA tuples) of an 8-bit, non-interlaced PNG of colour
    type 2 (RGB), 6 (RGBA) or 0 (grey). Checks the signature and every chunk's CRC."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise AssertionError("not a PNG signature")
    pos, idat, ihdr = 8, b"", None
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        kind = png[pos + 4:pos + 8]
        body = png[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise AssertionError(f"bad CRC in chunk {kind!r}")
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    if ihdr is None:
        raise AssertionError("no IHDR chunk")
    width, height, depth, colour, _, _, interlace = ihdr
    if depth != 8 or interlace != 0 or colour not in (0, 2, 6):
        raise AssertionError(f"unsupported PNG layout: depth {depth}, colour {colour}, interlace {interlace}")
    bpp = {0: 1, 2: 3, 6: 4}[colour]
    raw = zlib.decompress(idat)
    stride = width * bpp
    if len(raw) != height * (stride + 1):
        raise AssertionError(f"IDAT holds {len(raw)} bytes, expected {height * (stride + 1)}")
    prev = bytearray(stride)
    pixels: list[tuple[int, ...]] = []
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 0xFF
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        elif f != 0:
            raise AssertionError(f"bad filter type {f} on row {y}")
        if colour == 0:
            pixels.extend((v, v, v) for v in line)
        else:
            pixels.extend(tuple(line[i:i + bpp]) for i in range(0, stride, bpp))
        prev = line
    return width, height, pixels


if __name__ == "__main__":
    unittest.main()
