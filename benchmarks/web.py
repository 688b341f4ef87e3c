"""Server time per search page of `policysearch serve` on the real documents (../shared/realdocs).

    python benchmarks/web.py [--realdocs PATH] [--index PATH] [--reps N] [--no-append]

Builds an index of the real documents in benchmarks/out/realdocs-index (or reuses the one given
or already there), starts `policysearch serve` on it, asks every query of QUERIES once to warm up
and then REPS times, and reads the server's own time of each page from its Server-Timing header
(from the request's arrival to the response's start: search, facets, page rendering), beside the
client's wall time. Prints a markdown table and appends it to benchmarks/RESULTS.md. The target
is a p95 server time of at most 100 ms.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import os
import re
import statistics
import subprocess
import sys
import time
from urllib.parse import urlencode

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TARGET_MS = 100

# What people look for in these documents: common and rare phrases, words, boolean forms, filters,
# sorting by date and later pages; every page counts all facets.
QUERIES: list[dict[str, str]] = [
    {"q": '"住房公积金"'},
    {"q": '"城市更新"'},
    {"q": '"高质量发展"'},
    {"q": '"人民政府"'},  # in most documents: a large hit set to rank and count
    {"q": '"的"'},  # a single character: nearly every paragraph
    {"q": "住房 公积金 贷款"},
    {"q": "营商环境 优化"},
    {"q": '"房地产" OR "商品房"'},
    {"q": '"住房" -"公积金"'},
    {"q": '("乡村振兴" OR "农业农村") "意见"'},
    {"q": "heading:总则"},
    {"q": '"数字经济"', "sort": "date"},
    {"q": '"人民政府"', "page": "5"},
    {"q": '"高质量发展"', "year": "2020-2025"},
    {"q": '"通知"', "type": "通知"},
    {"q": '"首付款比例"', "section": "other"},
    {"q": '"公积金" year:2015-2020'},
    {"q": '"生态环境保护" OR "碳达峰"', "limit": "50"},
    {"q": '"市"'},  # another single character: a quarter of the paragraphs
    {"q": "发展"},  # a plain word of 14,000 paragraphs, all of them scored
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def build(realdocs: str, index: str) -> str:
    from policysearch import Index

    started = time.perf_counter()
    summary = Index(index).build(realdocs)
    took = time.perf_counter() - started
    return f"built in {took:.0f} s ({len(summary.failed)} files refused)"


class Server:
    def __init__(self, index: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "policysearch.cli", "serve", "--index", index, "--port", "0"],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stderr is not None
        for line in self.process.stderr:
            found = re.search(r" at http://127\.0\.0\.1:(\d+)/", line)
            if found:
                self.port = int(found.group(1))
                return
        raise SystemExit("the server did not start")

    def page(self, params: dict[str, str]) -> tuple[float, float, int]:
        """(server ms, wall ms, status) of one search page."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        started = time.perf_counter()
        conn.request("GET", "/?" + urlencode(params))
        response = conn.getresponse()
        response.read()
        wall = (time.perf_counter() - started) * 1000
        conn.close()
        server = float(response.getheader("server-timing", "app;dur=nan").split("dur=")[1])
        return server, wall, response.status

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realdocs", default=os.path.join(ROOT, "..", "shared", "realdocs"))
    parser.add_argument("--index", default=os.path.join(HERE, "out", "realdocs-index"))
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args(argv)
    from policysearch import Index

    how = "reused"
    if not os.path.exists(os.path.join(args.index, "policysearch.json")):
        how = build(args.realdocs, args.index)
    stats = Index.open(args.index).stats()
    load = os.getloadavg()[0]
    server = Server(args.index)
    rows, every = [], []
    try:
        for params in QUERIES:  # warm-up: jieba's dictionary, the facet sets, the templates
            server.page(params)
        for params in QUERIES:
            print(f"web.py: {params}", file=sys.stderr, flush=True)
            times = [server.page(params) for _ in range(args.reps)]
            bad = [status for _, _, status in times if status != 200]
            if bad:
                raise SystemExit(f"{params}: status {bad[0]}")
            server_ms = [t[0] for t in times]
            every += server_ms
            rows.append(
                (
                    params,
                    statistics.median(server_ms),
                    percentile(server_ms, 95),
                    statistics.median(t[1] for t in times),
                )
            )
    finally:
        server.stop()
    p95 = percentile(every, 95)
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## Web: server time per search page ({when})",
        "",
        f"`benchmarks/web.py` on `{os.path.relpath(args.realdocs, ROOT)}`: {stats.reports} reports, "
        f"{stats.paragraphs} paragraphs "
        f"(index {how}); {os.cpu_count()} CPUs, load {load:.1f} at the start; {args.reps} run(s) of each page "
        "after one warm-up; server time from Server-Timing (search, all facets, rendering).",
        "",
        "| query | server median ms | server p95 ms | wall median ms |",
        "|---|---:|---:|---:|",
    ]
    for params, median, high, wall in rows:
        shown = " ".join(f"{k}={v}" if k != "q" else v for k, v in params.items()).replace("|", "\\|")
        lines.append(f"| `{shown}` | {median:.1f} | {high:.1f} | {wall:.1f} |")
    verdict = "met" if p95 <= TARGET_MS else "NOT met"
    lines += [
        "",
        f"All pages: p95 {p95:.1f} ms, median {statistics.median(every):.1f} ms, max {max(every):.1f} ms "
        f"(target p95 ≤ {TARGET_MS} ms: {verdict}).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_append:
        with open(os.path.join(HERE, "RESULTS.md"), "a", encoding="utf-8") as f:
            f.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
