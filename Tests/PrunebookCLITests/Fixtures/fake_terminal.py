#!/usr/bin/env python3
"""A fake terminal for the REPL's inline figures: runs `prunebook repl` on a pseudo-terminal,
answers its start-up queries as the named terminal would, draws one figure, and checks what the
REPL sent back. Usage: fake_terminal.py BINARY PROFILE WORKDIR; exit 0 when it behaved."""
import os
import pty
import select
import sys
import time

binary, profile, workdir = sys.argv[1:4]

# replies to: kitty graphics query, XTVERSION, DA1 (what these terminals answer)
REPLIES = {
    "kitty": b"\x1b_Gi=31;OK\x1b\\\x1bP>|kitty(0.32.2)\x1b\\\x1b[?62;c",
    "iterm2": b"\x1bP>|iTerm2 3.5.0\x1b\\\x1b[?62;4c",
    "sixel": b"\x1bP>|XTerm(367)\x1b\\\x1b[?63;1;2;4;6;9;15;22c",
    "plain": b"\x1b[?62;22c",          # answers DA1 only, no images
    "split": None,                     # kitty, its reply split across writes
    "silent": b"",                     # answers nothing: the REPL waits its second, then prints paths
}
EXPECT = {
    "kitty": b"\x1b_Ga=T,f=100,t=d,q=2,m=",
    "split": b"\x1b_Ga=T,f=100,t=d,q=2,m=",
    "iterm2": b"\x1b]1337;File=inline=1;size=",
    "sixel": b"\x1bP",
    "plain": b"figure: /",
    "silent": b"figure: /",
}

pid, fd = pty.fork()
if pid == 0:
    os.chdir(workdir)
    env = dict(os.environ, TERM="xterm-256color", HOME=workdir)
    for k in ("TMUX", "PRUNEBOOK_INLINE_IMAGES", "STY"):
        env.pop(k, None)
    os.execve(binary, [binary, "repl"], env)

buf = b""


def read_until(pred, timeout):
    global buf
    end = time.time() + timeout
    while time.time() < end and not pred(buf):
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            buf += data
    return pred(buf)


def fail(why):
    print(f"FAIL {profile}: {why}; output: {buf[-3000:]!r}")
    sys.exit(1)


if not read_until(lambda b: b"\x1b[c" in b, 15):
    fail("the REPL sent no queries")
if b"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\" not in buf or b"\x1b[>0q" not in buf:
    fail("the queries are not kitty's graphics query and XTVERSION")
if profile == "split":
    for part in (b"\x1b_Gi=31;", b"OK\x1b\\\x1b[?6", b"2;c"):
        os.write(fd, part)
        time.sleep(0.05)
else:
    os.write(fd, REPLIES[profile])
if not read_until(lambda b: b"In [1]:" in b, 15):
    fail("no prompt")
start = len(buf)
os.write(fd, b'plot([1, 2, 3], [1, 4, 9], file: "fig.svg")\r')
if not read_until(lambda b: b"In [2]:" in b[start:], 60):
    fail("the cell did not finish")
out = buf[start:]
os.write(fd, b"\x04")
read_until(lambda b: False, 1)
if EXPECT[profile] not in out:
    fail("expected " + repr(EXPECT[profile]))
if profile in ("plain", "silent") and b"\x1b_G" in out:
    fail("an image was sent to a terminal that draws none")
# the kitty reply's text (";" never occurs in an image's base64, which may well contain "OK")
if b"\x1b_Gi=31" in buf[:start] and b"i=31;OK" in out:
    fail("a reply leaked into the session")
print(f"ok {profile}")
