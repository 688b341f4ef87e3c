#!/usr/bin/env python3
"""Regenerate policysearch/data/common_grams.json: the pairs of Chinese characters that stand in
many paragraphs of government documents, which the phrase table keeps as sets (store/phrases.py).

    python scripts/make_common_grams.py ../shared/realdocs

The folder is read as `policysearch build` reads it (every readable file, its paragraphs); a pair
counts once per paragraph whose match form holds it. The pairs in at least SHARE of the
paragraphs are kept: for them FTS5 hands out tens of thousands of rows per query, where a set is
read in microseconds. Which pairs are common is a trait of the genre (管理, 发展, 人民, 政府…),
not of one collection: a listed pair that a collection seldom uses costs little, and a common
pair that is not listed is answered by FTS5, only slower.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from policysearch import read_report
from policysearch.readers import walk
from policysearch.text import match_form

SHARE = 0.02  # of the paragraphs: 207 pairs on the realdocs of 2026-12, sets of about 2 % of the index
OUT = Path(__file__).resolve().parent.parent / "policysearch" / "data" / "common_grams.json"


def chinese(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def main(folder: str) -> None:
    counts: Counter = Counter()
    paragraphs = files = 0
    for path in walk([folder]):
        try:
            report = read_report(path)
        except Exception as e:  # a file the index would refuse is left out here too
            print(f"{path}: {e}", file=sys.stderr)
            continue
        files += 1
        for p in report.paragraphs:
            form = match_form(p.text)
            counts.update({form[i : i + 2] for i in range(len(form) - 1) if chinese(form[i]) and chinese(form[i + 1])})
            paragraphs += 1
    grams = sorted(g for g, n in counts.items() if n >= SHARE * paragraphs)
    made = {"source": Path(folder).name, "files": files, "paragraphs": paragraphs, "share": SHARE, "grams": grams}
    OUT.write_text(json.dumps(made, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(grams)} pairs from {paragraphs} paragraphs of {files} files")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
