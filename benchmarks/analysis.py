"""Timing of trend, kwic and keywords (issue 15) on the real documents of ../shared/realdocs.

    python benchmarks/analysis.py [--realdocs ../shared/realdocs] [--index benchmarks/out/index-realdocs]

Builds the index once (or reuses the one at --index), then in one warm process times a fixed set
of calls, each run --reps times after a first untimed one: trend (queries by year, district,
town, section, type), kwic (queries in every sort, 100 lines shown, every occurrence counted) and
keywords (focus sets of the realdocs' own facets, against the whole index and against one kind).
Also: the first kwic and keywords of a snapshot (the segments' forms opened, their vocabularies
merged, the whole index's words counted), and the size of the forms (store/forms.py).
Prints a markdown section and appends it to benchmarks/RESULTS.md. Targets: trend and kwic
p95 <= 200 ms, keywords <= 2 s.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run import RESULTS, percentile  # noqa: E402  (the main benchmark's)

TARGETS = {"trend": 0.2, "kwic": 0.2, "keywords": 2.0}
TREND = [
    ['"城中村改造"'],
    ['"住房公积金"', '"公积金贷款"'],
    ['"房地产"'],
    ["乡村振兴"],
    ['"碳达峰"', '"碳中和"'],
    ['"棚户区改造"'],
]
KWIC = ['"城中村改造"', '"住房公积金"', '"房地产"', "乡村振兴", '"碳达峰"', '"棚户区改造"']
KEYWORDS = [
    ("year:2024", None),
    ("section:plan", None),
    ('"住房公积金"', None),
    ("type:办法", None),
    ("type:意见", "type:通知"),
    ("year:2021", None),
]


def timed(reps: int, fn, *args, **kwargs) -> tuple[list[float], object]:
    result = fn(*args, **kwargs)  # warm: the first call reads what a snapshot keeps
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn(*args, **kwargs)
        times.append(time.perf_counter() - t)
    return times, result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--realdocs", default=os.path.join(HERE, "..", "..", "shared", "realdocs"))
    ap.add_argument("--index", default=os.path.join(HERE, "out", "index-realdocs"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--no-append", action="store_true", help="print only")
    args = ap.parse_args()
    from policysearch import Index
    from policysearch.store.forms import FORMS_SUFFIX

    load = os.getloadavg()[0]
    t = time.perf_counter()
    ix = Index.open(args.index, build_from=args.realdocs)
    built = time.perf_counter() - t
    snap = ix.snapshot()
    paragraphs, reports = len(snap.universe), len(snap.report_numbers())

    firsts = {}
    for name, call in (
        ("kwic", lambda: ix.kwic(KWIC[1], limit=100)),
        ("keywords", lambda: ix.keywords(KEYWORDS[0][0])),
    ):
        ix.snapshot().cache.clear()  # as a new snapshot: a new process, or the first call after a commit
        t = time.perf_counter()
        call()
        firsts[name] = time.perf_counter() - t
    sizes = [os.path.getsize(os.path.join(snap.folder, n)) for n in os.listdir(snap.folder)]
    forms = sum(
        os.path.getsize(os.path.join(snap.folder, n)) for n in os.listdir(snap.folder) if n.endswith(FORMS_SUFFIX)
    )

    rows: dict[str, list] = {"trend": [], "kwic": [], "keywords": []}
    for queries in TREND:
        for by in ("year", "district", "town", "section", "type"):
            times, r = timed(args.reps, ix.trend, queries, by=by, per="reports" if by == "type" else "paragraphs")
            hits = sum(c["series"][0]["paragraphs"] for c in r["cells"])
            rows["trend"].append((f"{' '.join(queries)} by {by}", f"{len(r['cells'])} cells, {hits} hits", times))
    for query in KWIC:
        for sort in ("year", "place", "left", "right"):
            times, r = timed(args.reps, ix.kwic, query, sort=sort, limit=100)
            rows["kwic"].append((f"{query} --sort {sort}", f"{r['total']} lines", times))
    for focus, vs in KEYWORDS:
        times, r = timed(max(1, args.reps // 2), ix.keywords, focus, vs=vs)
        top = "、".join(k["word"] for k in r["keywords"][:5])
        rows["keywords"].append(
            (
                f"{focus}" + (f" --vs {vs}" if vs else ""),
                f"{r['focus']['paragraphs']} vs {r['reference']['paragraphs']} paragraphs: {top}",
                times,
            )
        )

    def ms(s: float) -> str:
        return f"{s * 1000:.0f} ms"

    lines = [
        f"## Analysis (issue 15): run of {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        "",
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; load average "
        f"{load:.1f} at the start. Index of `realdocs`: {reports} reports, "
        f"{paragraphs} paragraphs"
        + (f" (built in {built:.0f} s)" if built > 5 else " (reused)")
        + f"; {args.reps} timed runs per call after one untimed.",
        "",
        "| command | calls | median | p95 | max | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, measured in rows.items():
        every = [x for _, _, times in measured for x in times]
        p95 = percentile(every, 95)
        lines.append(
            f"| {name} | {len(measured)} | {ms(statistics.median(every))} | {ms(p95)} | {ms(max(every))} "
            f"| {ms(TARGETS[name]) if TARGETS[name] < 1 else f'{TARGETS[name]:.0f} s'} | "
            f"{'yes' if p95 <= TARGETS[name] else 'no'} |"
        )
    lines += [
        "",
        f"First calls of a snapshot (the segments' forms opened; keywords: their vocabularies merged and "
        f"the whole index's words counted): kwic {KWIC[1]} {ms(firsts['kwic'])}, keywords {KEYWORDS[0][0]} "
        f"{ms(firsts['keywords'])}. The forms beside the segments: {forms / 1e6:.1f} MB of the generation's "
        f"{sum(sizes) / 1e6:.1f} MB.",
        "",
        "| call | what | median | max |",
        "|---|---|---|---|",
    ]
    for name in ("kwic", "keywords"):
        for call, what, times in rows[name]:
            if name == "keywords" or "--sort year" in call:
                lines.append(f"| {name} {call} | {what} | {ms(statistics.median(times))} | {ms(max(times))} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_append:
        with open(RESULTS, "a", encoding="utf-8") as f:
            f.write("\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
