"""Executes notebooks in the prunescript kernel with nbclient, as `jupyter execute` would.

Each `.prune` given is converted by `prunebook convert` (at its default parameters, no outputs)
and executed by nbclient. A notebook that fails, or an output that is not what `prunebook run`
writes, is an error (exit 1). With --compare-with X.ipynb (the transcript `prunebook run` wrote
for the same script and parameters), the executed notebook must have the same outputs: types
and text exactly, SVG byte for byte; PNGs are decoded (signature, size, ink), not compared by
bytes, since they depend on the installed fonts and librsvg.

usage: run_notebooks.py --bin PRUNEBOOK --work DIR [--compare NAME=TRANSCRIPT.ipynb ...] X.prune ...
"""
import argparse
import base64
import json
import os
import shutil
import struct
import subprocess
import sys
import time
import zlib

import nbclient
import nbformat


def coalesced(outputs):
    """Outputs with adjacent streams of one name joined, as `prunebook run` records them."""
    out = []
    for o in outputs:
        if o["output_type"] == "stream" and out and out[-1]["output_type"] == "stream" and out[-1]["name"] == o["name"]:
            out[-1] = dict(out[-1], text=out[-1]["text"] + o["text"])
        else:
            out.append(dict(o))
    return out


def png_pixels(data):
    """(width, height, rows of RGBA bytes) of an 8-bit RGBA or RGB PNG, decoded with zlib."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6), f"unexpected PNG format depth={depth} color={color}"
            channels = 4 if color == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b, c = prev[x], prev[x - channels] if x >= channels else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def check_png(b64, svg, where):
    """The PNG is the SVG's size at 2× (CSS px, 96 per inch) and has ink on its white."""
    import re
    data = base64.b64decode(b64)
    w, h, channels, rows = png_pixels(data)
    m = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    assert m, f"{where}: no size in pt in the SVG"
    ew, eh = round(float(m.group(1)) * 4 / 3 * 2), round(float(m.group(2)) * 4 / 3 * 2)
    assert abs(w - ew) <= 1 and abs(h - eh) <= 1, f"{where}: PNG is {w}×{h}, expected {ew}×{eh}"
    dark = sum(1 for r in rows for x in range(0, len(r), channels) if r[x] + r[x + 1] + r[x + 2] < 3 * 128)
    assert dark > w * h // 500, f"{where}: PNG has almost no ink ({dark} dark pixels)"


def compare(executed, transcript_path):
    """Outputs of `executed` (nbclient) against the transcript `prunebook run` wrote."""
    expected = nbformat.read(transcript_path, as_version=4)
    got_cells = [c for c in executed.cells if c.cell_type == "code"]
    want_cells = [c for c in expected.cells if c.cell_type == "code"]
    assert len(got_cells) == len(want_cells), f"{len(got_cells)} code cells, transcript has {len(want_cells)}"
    assert executed.metadata["language_info"] == expected.metadata["language_info"], \
        f"language_info differs: {executed.metadata['language_info']} vs {expected.metadata['language_info']}"
    pngs = 0
    for n, (got, want) in enumerate(zip(got_cells, want_cells), 1):
        g, w = coalesced(got.outputs), coalesced(want.outputs)
        where = f"code cell {n}"
        assert [o["output_type"] for o in g] == [o["output_type"] for o in w], \
            f"{where}: output types {[o['output_type'] for o in g]} vs {[o['output_type'] for o in w]}"
        for a, b in zip(g, w):
            kind = a["output_type"]
            if kind == "stream":
                assert (a["name"], a["text"]) == (b["name"], b["text"]), f"{where}: stream {a['text']!r} vs {b['text']!r}"
            elif kind == "error":
                assert (a["ename"], a["evalue"], a["traceback"]) == (b["ename"], b["evalue"], b["traceback"]), f"{where}: error differs"
            else:
                assert sorted(a["data"]) == sorted(b["data"]), f"{where}: MIME types {sorted(a['data'])} vs {sorted(b['data'])}"
                for mime in a["data"]:
                    if mime == "image/png":
                        check_png(a["data"][mime], a["data"]["image/svg+xml"], where)
                        pngs += 1
                    else:
                        assert a["data"][mime] == b["data"][mime], f"{where}: {mime} differs"
                if kind == "execute_result":
                    assert a["execution_count"] == b["execution_count"], f"{where}: execution_count differs"
    return pngs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--compare", action="append", default=[], help="NAME=TRANSCRIPT.ipynb")
    ap.add_argument("scripts", nargs="+")
    args = ap.parse_args()
    compare_with = dict(item.split("=", 1) for item in args.compare)
    failures = 0
    for script in args.scripts:
        name = os.path.splitext(os.path.basename(script))[0]
        folder = os.path.join(args.work, name)
        os.makedirs(folder, exist_ok=True)
        # laid out like the repository: a sweep's summary notebook reads Sweeps/<name>/results.csv
        sweeps = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(script))), "Sweeps")
        if os.path.isdir(sweeps) and not os.path.exists(os.path.join(folder, "Sweeps")):
            shutil.copytree(sweeps, os.path.join(folder, "Sweeps"))
        path = os.path.join(folder, name + ".ipynb")
        subprocess.run([args.bin, "convert", script, path], check=True, stdout=subprocess.DEVNULL)
        nb = nbformat.read(path, as_version=4)
        start = time.monotonic()
        try:
            client = nbclient.NotebookClient(nb, kernel_name="prunescript", timeout=1800, allow_errors=False,
                                             resources={"metadata": {"path": folder}})
            client.execute()
            nbformat.write(nb, os.path.join(folder, name + ".executed.ipynb"))
            nbformat.validate(nb)
            note = ""
            if name in compare_with:
                note = f", outputs equal to {compare_with[name]} ({compare(nb, compare_with[name])} PNGs decoded)"
            print(f"ok   {name}: {len([c for c in nb.cells if c.cell_type == 'code'])} cells in {time.monotonic() - start:.1f} s{note}")
        except Exception as e:  # report every notebook, then fail
            failures += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
