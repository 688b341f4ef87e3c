"""A collection of real text: every readable file of ../shared/realdocs, K times.

    python benchmarks/make_realdocs.py 1 benchmarks/out/real-1     # ~280,000 paragraphs
    python benchmarks/make_realdocs.py 4 benchmarks/out/real-4     # ~1.1 M paragraphs, 240 MB

Copy k of a text file (txt, md, html) goes to OUT/copy-k/<its path under realdocs>, its first line
made distinct (a text file gets " 〔k〕" at the end of it, an HTML file a comment), so that no copy
is a duplicate of another; copy 1 is the file as published. Binary files (pdf, docx) are copied
once. truth.jsonl and the READMEs are left out. Same K, same files, byte for byte.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REALDOCS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "shared", "realdocs")
TEXT = (".txt", ".md", ".html", ".htm")
BINARY = (".pdf", ".docx")


def sources(root: str) -> list[str]:
    """The readable files under root, in a stable order (paths relative to root)."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            if name.lower().endswith(TEXT + BINARY) and not name.upper().startswith("README"):
                found.append(os.path.relpath(os.path.join(folder, name), root))
    return found


def distinct(data: bytes, k: int, html: bool) -> bytes:
    """The file with its first line made distinct for copy k (k > 1), in its own encoding's ASCII."""
    if k == 1:
        return data
    end = data.find(b"\n")
    end = len(data) if end < 0 else end
    if end and data[end - 1 : end] == b"\r":
        end -= 1
    mark = f"<!-- copy {k} -->" if html else f" 〔{k}〕"
    try:
        data.decode("utf-8")
        tag = mark.encode("utf-8")
    except UnicodeDecodeError:  # a GBK file: the mark in ASCII only
        tag = (f" [{k}]" if not html else mark).encode("ascii")
    return data[:end] + tag + data[end:]


def make(k: int, out: str, root: str = REALDOCS) -> int:
    files = sources(root)
    if not files:
        raise SystemExit(f"{root}: no readable files")
    if os.path.exists(out):
        shutil.rmtree(out)
    n = 0
    for copy in range(1, k + 1):
        for rel in files:
            binary = rel.lower().endswith(BINARY)
            if binary and copy > 1:
                continue
            target = os.path.join(out, f"copy-{copy}", rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(os.path.join(root, rel), "rb") as f:
                data = f.read()
            with open(target, "wb") as f:
                f.write(data if binary else distinct(data, copy, rel.lower().endswith((".html", ".htm"))))
            n += 1
    return n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("k", type=int, help="copies of each text file (1 = the files as they are)")
    ap.add_argument("out", help="folder to write (replaced)")
    ap.add_argument("--from", dest="root", default=REALDOCS, help="the real documents (default ../shared/realdocs)")
    args = ap.parse_args(argv)
    if args.k < 1:
        raise SystemExit("k must be at least 1")
    n = make(args.k, args.out, args.root)
    print(f"{n} files in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
