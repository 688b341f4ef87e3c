"""The policysearch benchmark: ours against the limits and a peer, on a synthetic collection.

    python benchmarks/make_corpus.py 2000 benchmarks/out/corpus-2000
    python benchmarks/run.py benchmarks/out/corpus-2000

In one run, on the collection made by make_corpus.py:
- the limits: one single-core `jieba.lcut` pass over all paragraph texts (a process of its own,
  timed after `jieba.initialize()`); a plain substring scan of every paragraph's match form for each
  phrase (in memory);
- the peer: jieba's own ChineseAnalyzer in a stock Whoosh index over the same paragraphs (build time,
  phrase query time, its recall and precision against the scan);
- ours: `Index(path).build(corpus)` in a process of its own (time, MB/s, peak RSS of its process
  tree), index size, query latency per class of a fixed query set in one warm process (median, p95,
  and whether every answer equals the scan: hit count, facet counts, hit ids), `Index.add` of one
  edited report into the built index (median of 3, removed between runs), and the wall time of a
  fresh `policysearch query … --json` process;
- the ratios: our build ÷ the jieba pass, our query p95 ÷ the scan, ours ÷ the peer.
It prints markdown tables and appends them, with date, machine and versions, to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "RESULTS.md")
FULL_CHECK = 5000  # compare hit ids one by one (limit=None) up to this many hits; above, counts and facets
SYNTHETIC_TARGETS = {"build_ratio": 1.0, "rss_mb": 500, "size_ratio": 4.0, "p95_ms": 50, "cli_s": 0.4, "add_s": 2.0}
# issue 14's for real text: 1 GB summed over the build's processes, a fresh query in 0.3 s, one report added in 1 s
REAL_TARGETS = SYNTHETIC_TARGETS | {"rss_mb": 1000, "cli_s": 0.3, "add_s": 1.0}


# -- the query set ------------------------------------------------------------------------------------
# Each query: (class, query string, keyword filters, oracle). The oracle is a predicate over
# (match form, paragraph record) built from the substring rule of DESIGN.md.
def phrase(text):
    from policysearch.text import match_form

    m = match_form(text)
    return lambda form, rec: m in form


def words(text):
    from policysearch.text import match_form, segment

    ms = [match_form(w) for w in segment(text) if match_form(w)]
    return lambda form, rec: all(m in form for m in ms)


def where(**values):
    """Metadata as the index keeps it (the records take the report fields from Index.reports()):
    a year range; place: a unit at any level (given in full); doc_number: part of the 文号."""
    from policysearch.text import match_form

    def test(form, rec):
        for key, value in values.items():
            if key == "year":
                if rec["year"] is None or not value[0] <= rec["year"] <= value[1]:
                    return False
            elif key == "place":
                if value not in (rec["province"], rec["city"], rec["district"], rec["town"]):
                    return False
            elif key == "doc_number":
                if not rec["doc_number"] or match_form(value) not in match_form(rec["doc_number"]):
                    return False
            elif rec[key] != value:
                return False
        return True

    return test


def all_of(*tests):
    return lambda form, rec: all(t(form, rec) for t in tests)


def any_of(*tests):
    return lambda form, rec: any(t(form, rec) for t in tests)


PLAIN = [
    "城中村改造",
    "乡村振兴",
    "营商环境",
    "垃圾分类",
    "城市更新",
    "一网统管",
    "高质量发展",
    "养老服务",
    "数字化转型",
    "安全生产",
    "社会治理",
    "招商引资",
]
TWO_CHAR = ["改造", "养老", "河道", "教育", "就业", "防汛", "民生", "社区"]
PHRASES = [
    "城中村",
    "营商环境",
    "城中村改造",
    "改造",
    "习近平新时代中国",
    "G60科创走廊",
    "坚持以人民为中心",
    "河道",
    "河长制",
    "五违四必",
    "新质生产力",
    "旧住房综合修缮",
    "城中村改造项目",
    "Ｇ６０ 科创走廊",
    "营商环境持续优化",
]


def query_set(towns: list[tuple[str, str]], quick: bool) -> list[tuple]:
    """The fixed query set; `towns` are the corpus's towns (with districts), most paragraphs first."""
    (t1, d1), (t2, _), (t3, _) = towns[:3]
    plain = PLAIN[:5] if quick else PLAIN
    two = TWO_CHAR[:4] if quick else TWO_CHAR
    phrases = PHRASES[:8] if quick else PHRASES
    qs = [("plain words", q, {}, words(q)) for q in plain]
    qs += [("2-char words", q, {}, words(q)) for q in two]
    qs += [("exact phrases 2–8", f'"{p}"', {}, phrase(p)) for p in phrases]
    filtered = [
        (f'"城中村" town:{t1}', all_of(phrase("城中村"), where(town=t1))),
        (f'"改造" town:{t2}', all_of(phrase("改造"), where(town=t2))),
        (f'"营商环境" town:{t2} year:2018-2022', all_of(phrase("营商环境"), where(town=t2, year=(2018, 2022)))),
        (f'"垃圾分类" town:{t3} section:plan', all_of(phrase("垃圾分类"), where(town=t3, section_type="plan"))),
        (f'"高质量发展" district:{d1}', all_of(phrase("高质量发展"), where(district=d1))),
    ]
    qs += [("phrase + town filter", q, {}, test) for q, test in (filtered[:3] if quick else filtered)]
    facets = [
        ("发展", {}, words("发展")),
        ('"工作"', {}, phrase("工作")),
        ("社区 OR 民生", {}, any_of(words("社区"), words("民生"))),
        ("建设", {}, words("建设")),
        (
            "发展",
            {"town": t1, "district": d1, "year": "2015-2025", "section": "plan", "doc_type": "政府工作报告"},
            all_of(
                words("发展"),
                where(town=t1, district=d1, year=(2015, 2025), section_type="plan", doc_type="政府工作报告"),
            ),
        ),
    ]
    qs += [("query + five facets", q, kw, test) for q, kw, test in (facets[:3] + facets[4:] if quick else facets)]
    return qs


# Real text (make_realdocs.py): housing policy, local laws, State Council documents.
REAL_PLAIN = [
    "住房公积金",
    "商品房",
    "城中村改造",
    "保障性住房",
    "人民政府",
    "高质量发展",
    "房地产市场",
    "住房租赁",
    "棚户区改造",
    "生态环境保护",
    "行政处罚",
    "信息公开",
]
REAL_TWO_CHAR = ["发展", "住房", "管理", "建设", "政府", "服务", "土地", "市场"]
REAL_PHRASES = [
    "住房公积金",
    "商品房",
    "城中村",
    "保障性住房",
    "人民政府",
    "发展",
    "房地产开发企业",
    "县级以上地方人民政府",
    "公共租赁住房",
    "不动产登记",
    "本条例自",
    "违反本条例规定",
    "由县级以上",
    "购房",
    "二手房交易",
]


def most(records, key):
    """The value of a field that most paragraphs have (None when none has one)."""
    counts: dict = {}
    for rec in records:
        if rec[key]:
            counts[rec[key]] = counts.get(rec[key], 0) + 1
    return min(counts, key=lambda v: (-counts[v], v)) if counts else None


def real_query_set(records: list[dict], quick: bool) -> list[tuple]:
    """The query set for real text; the filter values are the collection's own: the province, city,
    district and town that most paragraphs have, the second city for place:, a 文号 part."""
    province, city, district, town = (most(records, k) for k in ("province", "city", "district", "town"))
    cities = sorted({r["city"] for r in records if r["city"]}, key=lambda c: -sum(r["city"] == c for r in records))
    other = cities[1] if len(cities) > 1 else city
    pick = (lambda xs, n: xs[:n]) if quick else (lambda xs, n: xs)
    qs = [("plain words", q, {}, words(q)) for q in pick(REAL_PLAIN, 5)]
    qs += [("2-char words", q, {}, words(q)) for q in pick(REAL_TWO_CHAR, 4)]
    qs += [("exact phrases 2–8", f'"{p}"', {}, phrase(p)) for p in pick(REAL_PHRASES, 8)]
    filtered = [
        (f'"住房公积金" province:{province}', all_of(phrase("住房公积金"), where(province=province))),
        (f'"商品房" city:{city}', all_of(phrase("商品房"), where(city=city))),
        (f'"人民政府" place:{other}', all_of(phrase("人民政府"), where(place=other))),
        ('"住房" year:2015-2020', all_of(phrase("住房"), where(year=(2015, 2020)))),
        ('"发展" docnum:国发', all_of(phrase("发展"), where(doc_number="国发"))),
    ]
    if district:
        filtered.append((f'"管理" district:{district}', all_of(phrase("管理"), where(district=district))))
    if town:
        filtered.append((f'"建设" town:{town}', all_of(phrase("建设"), where(town=town))))
    qs += [("phrase + filter", q, {}, test) for q, test in pick(filtered, 3)]
    facets = [
        ("发展", {}, words("发展")),
        ('"人民政府"', {}, phrase("人民政府")),
        ("住房 OR 土地", {}, any_of(words("住房"), words("土地"))),
        ("管理", {}, words("管理")),
        (
            "发展",
            {"province": province, "city": city, "year": "2010-2025"},
            all_of(words("发展"), where(province=province, city=city, year=(2010, 2025))),
        ),
    ]
    if district:
        facets.append(("建设", {"district": district}, all_of(words("建设"), where(district=district))))
    if town:
        facets.append(("管理", {"town": town}, all_of(words("管理"), where(town=town))))
    qs += [("query + all facets", q, kw, test) for q, kw, test in pick(facets, 3)]
    trends = [("住房公积金", words("住房公积金")), ('"商品房"', phrase("商品房")), ("发展", words("发展"))]
    qs += [("trend", q, {}, test) for q, test in pick(trends, 2)]
    qs += [("kwic", f'"{p}"', {}, phrase(p)) for p in pick(["住房公积金", "城中村", "不动产登记"], 2)]
    qs += [("keywords", f'"{p}"', {}, phrase(p)) for p in pick(["住房公积金", "城中村", "发展"], 2)]
    return qs


# -- helpers -----------------------------------------------------------------------------------------
def percentile(values, p):
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)] if s else float("nan")


def ms(seconds) -> str:
    v = seconds * 1000
    return f"{v:.1f}" if v < 100 else f"{v:.0f}"


def mb(n) -> str:
    return f"{n / 1e6:.1f} MB"


def child(mode: str, *args, sample=False, watch=None, **kw) -> tuple[dict, dict]:
    """Run `python run.py --child mode args…`; -> (its last JSON line, {wall, tree_peak_rss,
    peak_disk}): with `sample`, the RSS of its process tree and the bytes under the folder `watch`
    are sampled four times a second."""
    cmd = [sys.executable, os.path.abspath(__file__), "--child", mode, *map(str, args)]
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, **kw)
    peak, disk = [0], [0]
    stop = threading.Event()
    if sample:

        def poll():
            while not stop.wait(0.25):
                peak[0] = max(peak[0], tree_rss(p.pid))
                if watch:
                    try:
                        disk[0] = max(disk[0], folder_bytes(watch))
                    except OSError:  # a file went away while we counted
                        pass

        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
    out, _ = p.communicate()
    stop.set()
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"child {mode} failed with exit code {p.returncode}")
    last = [line for line in out.splitlines() if line.startswith("{")][-1]
    return json.loads(last), {"wall": wall, "tree_peak_rss": peak[0], "peak_disk": disk[0]}


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants, now (from /proc)."""
    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    parents[int(name)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    tree, frontier = {pid}, [pid]
    while frontier:
        p = frontier.pop()
        for c, parent in parents.items():
            if parent == p and c not in tree:
                tree.add(c)
                frontier.append(c)
    total = 0
    for p in tree:
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
    return total


def paragraph_bytes(folder: str) -> int:
    """The UTF-8 bytes of the paragraphs of the readable files in a folder, as read_report gives them."""
    from policysearch import read_report
    from policysearch.errors import PolicySearchError

    total = 0
    for name in os.listdir(folder):
        try:
            total += sum(len(p.text.encode("utf-8")) for p in read_report(os.path.join(folder, name)).paragraphs)
        except PolicySearchError:
            pass  # fails in the add too, with its message
    return total


def folder_bytes(path: str) -> int:
    return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(path) for f in files)


def machine() -> dict:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
            mem = f"{kb / 1024 / 1024:.1f} GB RAM"
    except (OSError, StopIteration):
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"platform": platform.platform(), "nproc": cores, "cpu": cpu, "mem": mem, "parallel": parallel_work(cores)}


PEAK_RSS = (
    "import os, subprocess, sys\n"
    "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(os.wait4(p.pid, 0)[2].ru_maxrss)"
)  # KB, of the command alone


def own_peak_rss() -> int:
    """This process's peak resident bytes: VmHWM (Linux), not ru_maxrss, which keeps across exec
    the peak of the process that started it (the benchmark's own: 1.3 GB at 10x, more than the
    build it was measuring)."""
    try:
        with open("/proc/self/status") as f:
            return int(next(line for line in f if line.startswith("VmHWM:")).split()[1]) * 1024
    except (OSError, StopIteration):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def parallel_work(cores: int) -> float:
    """How many lone processes' work `cores` busy processes do at once here: a fixed pure-Python
    loop timed alone, then in `cores` processes together. Two virtual CPUs that share one physical
    core (or a busy host) give well under 2, which bounds what a parallel build can gain."""
    loop = "import time\nt = time.perf_counter()\nx = 0\nfor i in range(10_000_000): x += i\nprint(time.perf_counter() - t)"
    alone = float(subprocess.run([sys.executable, "-c", loop], capture_output=True, text=True, check=True).stdout)
    together = [subprocess.Popen([sys.executable, "-c", loop], stdout=subprocess.PIPE, text=True) for _ in range(cores)]
    return cores * alone / max(float(p.communicate()[0]) for p in together)


def versions() -> dict:
    import jieba
    import whoosh

    import policysearch

    commit = "?"
    try:
        root = os.path.dirname(HERE)
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "policysearch"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        commit += "+changes" if dirty else ""
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "whoosh": whoosh.versionstring(),
        "jieba": jieba.__version__,
        "policysearch": policysearch.__version__,
        "commit": commit,
        "code": code_hash(),
    }


def package_dir() -> str:
    """Where `import policysearch` would load from, without importing it."""
    import importlib.util

    spec = importlib.util.find_spec("policysearch")
    if spec is None or not spec.origin:
        raise SystemExit("policysearch is not installed in this Python (pip install -e .)")
    return os.path.dirname(spec.origin)


def snapshot(work: str) -> str:
    """Copy the package's source to work/src and load it from there, in this process and in every
    process started from it (PYTHONPATH), so the whole run measures one version of the code even
    when the working tree changes meanwhile."""
    src = os.path.join(work, "src")
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(
        package_dir(), os.path.join(src, "policysearch"), ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    sys.path.insert(0, src)
    os.environ["PYTHONPATH"] = src + (os.pathsep + os.environ["PYTHONPATH"] if os.environ.get("PYTHONPATH") else "")
    return src


def code_hash(root: str | None = None) -> str:
    """A digest of the package's source files."""
    import hashlib

    h = hashlib.sha256()
    root = root or package_dir()
    for dirpath, dirs, files in sorted(os.walk(root)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".json")):
                with open(os.path.join(dirpath, name), "rb") as f:
                    h.update(name.encode() + f.read())
    return h.hexdigest()[:12]


# -- the children ----------------------------------------------------------------------------------------
def load_paragraphs(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def child_jieba(paragraphs_file):
    """The limit: one single-core jieba.lcut pass over every paragraph text."""
    import logging

    texts = [p["text"] for p in load_paragraphs(paragraphs_file)]
    t0 = time.perf_counter()
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    t1 = time.perf_counter()
    n = 0
    for text in texts:
        n += len(jieba.lcut(text))
    t2 = time.perf_counter()
    return {"init_s": t1 - t0, "lcut_s": t2 - t1, "words": n}


def child_build(index_path, corpus, progress_file):
    """Ours: Index(path).build(corpus), as a user would call it; the progress hook notes when each
    50th file is reached and when the last one is in (what follows is Whoosh's commit)."""
    import resource

    t0 = time.perf_counter()
    from policysearch import Index

    t1 = time.perf_counter()
    ix = Index(index_path)
    all_in = [None]
    log = open(progress_file, "w", encoding="utf-8")

    def progress(files):
        for i, f in enumerate(files):
            if i % 50 == 0:
                log.write(f"{i} {time.perf_counter() - t1:.1f}\n")
                log.flush()
            yield f
        all_in[0] = time.perf_counter() - t1
        log.write(f"all {all_in[0]:.1f}\n")
        log.flush()

    summary = ix.build(corpus, progress=progress)
    t2 = time.perf_counter()
    log.write(f"done {t2 - t1:.1f}\n")
    log.close()
    statuses = {}
    for o in summary.outcomes:
        statuses[o.status] = statuses.get(o.status, 0) + 1
    return {
        "import_s": t1 - t0,
        "build_s": t2 - t1,
        "adding_s": all_in[0],
        "outcomes": statuses,
        "failed": [o.message for o in summary.failed][:5],
        "maxrss_self": own_peak_rss(),
        "maxrss_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
    }


def child_peer(paragraphs_file, index_path, phrases_json, reps):
    """The peer: jieba's ChineseAnalyzer in a stock Whoosh index; phrase queries through QueryParser."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    from jieba.analyse import ChineseAnalyzer
    from whoosh import fields, index
    from whoosh.qparser import QueryParser

    paragraphs = load_paragraphs(paragraphs_file)
    phrases = json.loads(phrases_json)
    shutil.rmtree(index_path, ignore_errors=True)
    os.makedirs(index_path)
    t0 = time.perf_counter()
    jieba.initialize()
    schema = fields.Schema(id=fields.ID(stored=True), content=fields.TEXT(analyzer=ChineseAnalyzer()))
    ix = index.create_in(index_path, schema)
    w = ix.writer(limitmb=256)
    for p in paragraphs:
        w.add_document(id=p["id"], content=p["text"])
    w.commit()
    build_s = time.perf_counter() - t0
    out = {
        "build_s": build_s,
        "size": folder_bytes(index_path),
        "maxrss_self": own_peak_rss(),
        "phrases": {},
    }
    parser = QueryParser("content", schema)
    with ix.searcher() as s:
        for p in phrases:
            times, ids = [], None
            for _ in range(reps + 1):
                t = time.perf_counter()
                results = s.search(parser.parse(f'"{p}"'), limit=None)
                ids = [hit["id"] for hit in results]
                times.append(time.perf_counter() - t)
            out["phrases"][p] = {"times": times[1:], "ids": ids}
    return out


# -- the run -------------------------------------------------------------------------------------------
def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        mode, args = argv[1], argv[2:]
        fn = {"jieba": child_jieba, "build": child_build, "peer": child_peer}[mode]
        if mode == "peer":
            args[3] = int(args[3])
        print(json.dumps(fn(*args), ensure_ascii=False))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", help="a folder made by make_corpus.py or make_realdocs.py")
    ap.add_argument(
        "--real",
        action="store_true",
        help="the query set for real text (the default for a folder made by make_realdocs.py)",
    )
    ap.add_argument("--work", default=os.path.join(HERE, "out"), help="scratch folder (default benchmarks/out)")
    ap.add_argument("--quick", action="store_true", help="fewer queries and repetitions")
    ap.add_argument("--skip-peer", action="store_true", help="leave out jieba's ChineseAnalyzer + Whoosh")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="take the jieba pass and our build (index, numbers) from an earlier run in the same --work "
        "folder instead of redoing them: to time queries, add and the CLI again",
    )
    ap.add_argument("--reps", type=int, help="timed runs per query (default 10, quick 3)")
    ap.add_argument("--results", default=RESULTS, help="markdown file to append to (default benchmarks/RESULTS.md)")
    ap.add_argument("--no-append", action="store_true", help="print only")
    args = ap.parse_args(argv)
    reps = args.reps or (3 if args.quick else 10)
    corpus = os.path.abspath(args.corpus)
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    index_path = os.path.join(work, "index-ours")
    peer_path = os.path.join(work, "index-peer")
    paragraphs_file = os.path.join(work, "paragraphs.jsonl")
    started = datetime.datetime.now().astimezone()
    live_dir = package_dir()
    src = snapshot(work)
    R: dict = {
        "machine": machine(),
        "versions": versions(),
        "quick": args.quick,
        "reps": reps,
        "load_start": os.getloadavg()[0],
    }
    import policysearch

    assert os.path.dirname(policysearch.__file__) == os.path.join(src, "policysearch"), policysearch.__file__

    def say(msg):
        print(f"[{time.perf_counter() - T0:7.1f} s] {msg}", flush=True)

    # 1. The collection as policysearch reads it: the paragraphs every measure is made on.
    from policysearch import read_report
    from policysearch.readers import walk
    from policysearch.text import match_form

    files = walk([corpus])
    if not files:
        raise SystemExit(f"{corpus}: no reports (make one with benchmarks/make_corpus.py)")
    say(f"reading {len(files)} reports from {corpus}")
    t = time.perf_counter()
    records, seen = [], set()
    for path in files:
        r = read_report(path)
        if r.id in seen:  # a file with the same text as another: the index skips it, as it should
            continue
        seen.add(r.id)
        for p in r.paragraphs:
            records.append({"id": p.id, "doc_id": r.id, "text": p.text, "section_type": p.section_type})
    R["read_s"] = time.perf_counter() - t
    with open(paragraphs_file, "w", encoding="utf-8") as f:
        for rec in records:
            f.write(json.dumps({"id": rec["id"], "text": rec["text"]}, ensure_ascii=False) + "\n")
    R["reports"] = len(seen)
    R["paragraphs"] = len(records)
    R["file_bytes"] = sum(os.path.getsize(p) for p in files)
    R["text_bytes"] = sum(len(rec["text"].encode("utf-8")) for rec in records)
    say(
        f"{R['reports']} reports, {R['paragraphs']} paragraphs, files {mb(R['file_bytes'])}, paragraph text "
        f"{mb(R['text_bytes'])}; read_report alone {R['read_s']:.1f} s"
    )

    # Stages saved for --reuse: the jieba pass and the build, with the collection and source they ran on.
    stage_file = os.path.join(work, "stages.json")
    stages = {}
    if args.reuse and os.path.exists(stage_file):
        with open(stage_file, encoding="utf-8") as f:
            stages = json.load(f)
        if (stages.get("corpus"), stages.get("file_bytes")) != (corpus, R["file_bytes"]):
            raise SystemExit(f"--reuse: {stage_file} is from another collection ({stages.get('corpus')})")
    elif args.reuse:
        raise SystemExit(f"--reuse: no earlier run in {work}")
    stages.update(corpus=corpus, file_bytes=R["file_bytes"])

    def save_stage(name, value):
        stages[name] = dict(value, source=R["versions"]["code"], at=started.strftime("%Y-%m-%d %H:%M"))
        with open(stage_file, "w", encoding="utf-8") as f:
            json.dump(stages, f, ensure_ascii=False, indent=1)

    # 2. The limit: jieba, one core.
    if "jieba" in stages and args.reuse:
        R["jieba"] = stages["jieba"]
        say(f"jieba pass reused from {stages['jieba']['at']}")
    else:
        say("jieba.lcut pass (own process)…")
        R["jieba"], _ = child("jieba", paragraphs_file)
        save_stage("jieba", R["jieba"])
    say(f"jieba: init {R['jieba']['init_s']:.2f} s, lcut {R['jieba']['lcut_s']:.1f} s")

    # 3. Ours: build, in a process of its own, its process tree's RSS sampled.
    if "build" in stages and args.reuse and os.path.exists(os.path.join(index_path, "policysearch.json")):
        R["build"] = stages["build"]
        R["reused"] = (
            f"jieba pass and build reused from the run of {stages['build']['at']} (source {stages['build']['source']})"
        )
        say(R["reused"])
    else:
        shutil.rmtree(index_path, ignore_errors=True)
        say("our build (own process)…")
        R["build"], extra = child(
            "build", index_path, corpus, os.path.join(work, "build-progress.log"), sample=True, watch=index_path
        )
        R["build"].update(extra)
        R["build"]["peak_rss"] = max(R["build"]["maxrss_self"], extra["tree_peak_rss"])
        R["build"]["index_bytes"] = folder_bytes(index_path)
        try:
            with open(os.path.join(index_path, "policysearch.json"), encoding="utf-8") as f:
                R["build"]["generation_bytes"] = folder_bytes(os.path.join(index_path, json.load(f)["current"]))
        except (OSError, ValueError, KeyError):
            R["build"]["generation_bytes"] = R["build"]["index_bytes"]
        R["build"]["index_files"] = {
            name: folder_bytes(os.path.join(index_path, name))
            if os.path.isdir(os.path.join(index_path, name))
            else os.path.getsize(os.path.join(index_path, name))
            for name in sorted(os.listdir(index_path))
        }
        save_stage("build", R["build"])
    for key in ("index_bytes", "generation_bytes", "index_files"):  # as the build left them
        R[key] = R["build"][key]
    say(
        f"build: {R['build']['build_s']:.1f} s (files read and added {R['build']['adding_s']:.1f} s, then commit), outcomes {R['build']['outcomes']}, peak RSS "
        f"{mb(R['build']['peak_rss'])}, index {mb(R['index_bytes'])}"
    )
    if R["build"]["failed"]:
        say(f"failures: {R['build']['failed']}")

    # 4. The scan oracle and the query set. A report's metadata as the index keeps it (places
    # resolved from the gazetteer and the text), read back from the index.
    from policysearch import Index

    entries = {e.id: e for e in Index(index_path).reports()}
    for rec in records:
        e = entries[rec["doc_id"]]
        rec.update({k: getattr(e, k) for k in REPORT_KEYS})
    R["towns"] = len({rec["town"] for rec in records if rec["town"]})
    R["places"] = {k: len({rec[k] for rec in records if rec[k]}) for k in ("province", "city", "district", "town")}
    forms = [match_form(rec["text"]) for rec in records]
    real = args.real or os.path.isdir(os.path.join(corpus, "copy-1"))
    R["real"] = real
    if real:
        queries = real_query_set(records, args.quick)
    else:
        counts: dict = {}
        for rec in records:
            counts[(rec["town"], rec["district"])] = counts.get((rec["town"], rec["district"]), 0) + 1
        queries = query_set(sorted(counts, key=lambda k: (-counts[k], str(k))), args.quick)
    phrase_texts = [q[1:-1] for cls, q, kw, _ in queries if cls.startswith("exact")]
    scan_times = []
    for p in phrase_texts:
        m = match_form(p)
        ts = []
        for _ in range(3):
            t = time.perf_counter()
            _ = [i for i, f in enumerate(forms) if m in f]
            ts.append(time.perf_counter() - t)
        scan_times.append(statistics.median(ts))
    R["scan"] = {"median": statistics.median(scan_times), "max": max(scan_times)}
    say(f"substring scan per phrase: median {ms(R['scan']['median'])} ms, max {ms(R['scan']['max'])} ms")

    # 5. The peer.
    if not args.skip_peer:
        say("peer build + phrase queries (own process)…")
        peer, extra = child(
            "peer", paragraphs_file, peer_path, json.dumps(phrase_texts, ensure_ascii=False), reps, sample=True
        )
        peer["peak_rss"] = max(peer["maxrss_self"], extra["tree_peak_rss"])
        ids = [rec["id"] for rec in records]
        found = scanned = hit = 0
        worst = (2.0, "")
        times = []
        for p in phrase_texts:
            m = match_form(p)
            scan = {ids[i] for i, f in enumerate(forms) if m in f}
            got = set(peer["phrases"][p]["ids"])
            times += peer["phrases"][p]["times"]
            scanned += len(scan)
            found += len(got)
            hit += len(scan & got)
            if scan:
                worst = min(worst, (len(scan & got) / len(scan), p))
        peer["recall"] = hit / scanned if scanned else 1.0
        peer["precision"] = hit / found if found else 1.0
        peer["worst"] = worst
        peer["q_median"], peer["q_p95"] = statistics.median(times), percentile(times, 95)
        del peer["phrases"]
        R["peer"] = peer
        say(
            f"peer: build {peer['build_s']:.1f} s, index {mb(peer['size'])}, phrase median {ms(peer['q_median'])} ms, "
            f"recall {peer['recall']:.3f}, precision {peer['precision']:.3f}"
        )

    # 6. Our queries, in this warm process.
    ix = Index(index_path)
    t = time.perf_counter()
    ix.search(queries[0][1], **queries[0][2])
    R["first_query_s"] = time.perf_counter() - t  # opens the searcher, loads jieba
    for cls, q, kw, _ in queries:  # warm-up
        ask(ix, cls, q, kw)
    say(f"first query in process {R['first_query_s']:.2f} s; timing {len(queries)} queries × {reps}…")
    per_query = []
    for cls, q, kw, test in queries:
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            res = ask(ix, cls, q, kw)
            times.append(time.perf_counter() - t0)
        per_query.append(check(ix, cls, q, kw, test, res, times, records, forms))
    classes = []
    for cls in dict.fromkeys(c for c, *_ in queries):
        rows = [r for r in per_query if r["class"] == cls]
        times = [t for r in rows for t in r["times"]]
        slowest = max(rows, key=lambda r: statistics.median(r["times"]))
        bad = [r for r in rows if not r["exact"]]
        classes.append(
            {
                "class": cls,
                "queries": len(rows),
                "runs": len(times),
                "median": statistics.median(times),
                "p95": percentile(times, 95),
                "max": max(times),
                "slowest": slowest["query"],
                "slowest_median": statistics.median(slowest["times"]),
                "hits": (min(r["total"] for r in rows), max(r["total"] for r in rows)),
                "exact": "yes" if not bad else f"NO ({len(bad)}/{len(rows)})",
                "how": "ids" if all(r["how"] == "ids" for r in rows) else "ids+counts",
            }
        )
    R["classes"] = classes
    R["queries"] = [{k: v for k, v in r.items()} for r in per_query]
    with open(os.path.join(work, "queries.json"), "w", encoding="utf-8") as f:
        json.dump(R["queries"], f, ensure_ascii=False, indent=1)
    for r in per_query:
        flag = "" if r["exact"] else f"  NOT EXACT: {r['why']}"
        say(
            f"  {r['class']:<22} {r['query']!s:<40} {r['total']:>7} hits  median {ms(statistics.median(r['times'])):>6} ms"
            f"  max {ms(max(r['times'])):>6} ms{flag}"
        )

    # 7. A fresh CLI process.
    exe = os.path.join(os.path.dirname(sys.executable), "policysearch")
    if not os.path.exists(exe):
        exe = shutil.which("policysearch") or exe
    runs = 3 if args.quick else 5
    R["cli"] = {}
    # As after `pip install .`, which compiles the bytecode: a shell with PYTHONDONTWRITEBYTECODE set
    # (this workplace's) would compile policysearch from source in every process (~50 ms); the
    # first, untimed run of each query writes the bytecode.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    rss = []
    R["cli_queries"] = ("住房公积金", '"住房公积金"') if real else ("城中村改造", '"城中村改造"')
    for q in R["cli_queries"]:
        label = q
        cmd, walls = [exe, "query", q, "--json", "--index", index_path], []
        for run in range(runs + 1):
            t0 = time.perf_counter()
            p = subprocess.run(cmd, capture_output=True, cwd=work, env=env)
            if run:
                walls.append(time.perf_counter() - t0)
            if p.returncode not in (0, 1):
                raise SystemExit(f"policysearch query failed: {p.stderr.decode(errors='replace')}")
        R["cli"][label] = statistics.median(walls)
        # Linux counts a child's memory before exec as its own: a child of this 300 MB process
        # would report 300 MB. A small launcher process starts it and reads its peak.
        rss.append(
            int(
                subprocess.run(
                    [sys.executable, "-c", PEAK_RSS, *cmd],
                    capture_output=True,
                    text=True,
                    cwd=work,
                    env=env,
                    check=True,
                ).stdout
            )
            * 1024
        )
    R["cli"]["rss"] = max(rss)
    walls = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import policysearch.cli"], check=True, cwd=work, env=env)
        walls.append(time.perf_counter() - t0)
    R["cli"]["import"] = statistics.median(walls)
    say(f"fresh CLI: {R['cli']}")

    # 8. add of one new report into the built index (library call, warm process), removed between runs.
    source = next(f for f in files[len(files) // 2 :] + files if f.endswith((".txt", ".md")))  # a text file
    add_dir = os.path.join(work, "add")
    shutil.rmtree(add_dir, ignore_errors=True)
    os.makedirs(add_dir)
    new = os.path.join(add_dir, "new-report.txt")
    with open(source, encoding="utf-8") as f:
        text = f.read()
    with open(new, "w", encoding="utf-8") as f:
        f.write(text.replace("。", "。本段为基准测试新增的一句话。", 1))
    adds, removes = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        report = ix.add(new)
        adds.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ix.remove(report.id)
        removes.append(time.perf_counter() - t0)
    R["add"] = {"median": statistics.median(adds), "all": adds, "remove": statistics.median(removes)}
    say(f"add: {[round(a, 2) for a in adds]} s, remove median {R['add']['remove']:.2f} s")

    # 9. add of a folder of many files (a fiftieth of the collection, at least 20, and a tenth; each file
    # with a new first line: new reports), timed per MB of paragraph text against the build's rate;
    # removed again after. The small folder shows the fixed costs (forking workers, a run's first and
    # last segments, the facets and vocabulary saved once), the larger one the rate of a real batch,
    # and is built on its own too: the same files, the same minutes of a shared machine.
    texts = [f for f in files if f.endswith((".txt", ".md"))]
    R["add_many"] = []

    def many_folder(share: int, least: int, rep: int) -> str:
        """The share of the collection's text files, each with a new first line: new reports, from
        sources the index has never held (a re-add of removed ones looks each up: see RESULTS.md)."""
        folder = os.path.join(work, f"add-many-{share}-{rep}")
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        for k, source in enumerate(texts[:: max(1, len(texts) // max(least, len(texts) // share))]):
            with open(source, encoding="utf-8") as f:
                text = f.read()
            with open(os.path.join(folder, f"{k:05d}{os.path.splitext(source)[1]}"), "w", encoding="utf-8") as f:
                f.write(f"基准测试第{rep}次加入的第{k}份\n" + text)
        return folder

    for share, least in ((50, 20), (10, 100)):
        # the tenth three times, its median judged: one 10-second run on a shared machine varied by a tenth
        runs, folders = [], []
        for rep in range(3 if share == 10 else 1):
            many_dir = many_folder(share, least, rep)
            folders.append(many_dir)
            t0 = time.perf_counter()
            outcomes = ix.add_files([many_dir]).outcomes
            runs.append(time.perf_counter() - t0)
            ix.remove(*(o.report.id for o in outcomes if o.status == "added" and o.report is not None))
        many_bytes = folder_bytes(many_dir)
        # per MB of paragraph text, as the build's rate is judged: the folder holds text files only,
        # the collection also HTML, whose markup is bytes of file that are read but never cut
        many_text = paragraph_bytes(many_dir)
        many_s = statistics.median(runs)
        alone_s = None
        if share == 10:  # the same files built into an index of their own, in the same minutes of the machine
            alone = os.path.join(work, "index-add-many")
            shutil.rmtree(alone, ignore_errors=True)
            t0 = time.perf_counter()
            Index(alone).build(many_dir)
            alone_s = time.perf_counter() - t0
            shutil.rmtree(alone, ignore_errors=True)
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
        R["add_many"].append(
            {
                "files": len(outcomes),
                "bytes": many_bytes,
                "text_bytes": many_text,
                "s": many_s,
                "runs": runs,
                "built_alone_s": alone_s,
                "added": sum(o.status == "added" for o in outcomes),
            }
        )
        say(f"add of many: {R['add_many'][-1]}")

    live = code_hash(live_dir)
    if live != R["versions"]["code"]:
        R["note"] = (
            f"the working tree's policysearch/ changed during the run (source {R['versions']['code']} → "
            f"{live}); every number here is for the snapshot taken at the start"
        )
        say("note: " + R["note"])
    R["load"] = (R["load_start"], os.getloadavg()[0])
    R["started"] = started.strftime("%Y-%m-%d %H:%M %Z")
    R["total_s"] = time.perf_counter() - T0
    shown = os.path.relpath(corpus, os.path.dirname(HERE))
    report_md = markdown(R, corpus if shown.startswith("..") else shown)
    print()
    print(report_md)
    if not args.no_append:
        new_file = not os.path.exists(args.results)
        with open(args.results, "a", encoding="utf-8") as f:
            if new_file:
                f.write(
                    "# Benchmark results\n\nAppended by `benchmarks/run.py` (see benchmarks/README.md). Newest last.\n"
                )
            f.write("\n" + report_md)
        say(f"appended to {args.results}")
    with open(os.path.join(work, "results.json"), "w", encoding="utf-8") as f:
        json.dump({k: v for k, v in R.items() if k != "queries"}, f, ensure_ascii=False, indent=1, default=str)
    return 0


PLURAL = {"province": "provinces", "city": "cities", "district": "districts", "town": "towns"}
REPORT_KEYS = ("province", "city", "district", "town", "year", "doc_type", "doc_number")


def ask(ix, cls, q, kw):
    """One timed query of the set: a search (the first page of ten), a trend by year, a
    concordance (its first 50 lines, every occurrence counted) or the keywords of a focus set."""
    if cls == "trend":
        return ix.trend([q], by="year", **kw)
    if cls == "kwic":
        return ix.kwic(q, limit=50, **kw)
    if cls == "keywords":
        return ix.keywords(q, **kw)
    return ix.search(q, limit=10, **kw)


def check(ix, cls, q, kw, test, res, times, records, forms) -> dict:
    """Compare one query's answer with the scan: hit count, facet counts, the page, and (up to
    FULL_CHECK hits) every hit id; a trend's cells per year; a concordance's count of occurrences."""
    oracle = [i for i, (form, rec) in enumerate(zip(forms, records)) if test(form, rec)]
    ids = {records[i]["id"] for i in oracle}
    label = q + ("  " + " ".join(f"{k}={v}" for k, v in kw.items()) if kw else "")
    if cls in ("trend", "kwic", "keywords"):
        why = analysis_differs(cls, q, res, oracle, records, forms)
        total = {
            "trend": lambda: sum(c["series"][0]["paragraphs"] for c in res["cells"]),
            "kwic": lambda: res["total"],
            "keywords": lambda: res["focus"]["paragraphs"],
        }[cls]()
        return {
            "class": cls,
            "query": label,
            "total": total,
            "scan": len(oracle),
            "times": times,
            "exact": not why,
            "why": why,
            "how": "counts",
        }
    why, how = [], "counts"
    if res.total != len(oracle):
        why.append(f"{res.total} hits, scan {len(oracle)}")
    facets = {}
    for key, name in (
        ("province", "province"),
        ("city", "city"),
        ("town", "town"),
        ("district", "district"),
        ("year", "year"),
        ("section_type", "section_type"),
        ("doc_type", "doc_type"),
    ):
        c: dict = {}
        for i in oracle:
            v = records[i][key]
            if v not in (None, ""):
                c[v] = c.get(v, 0) + 1
        facets[name] = c
    for name, c in facets.items():
        if dict(res.facets.get(name, {})) != c:
            why.append(f"facet {name} differs")
    if any(h.id not in ids for h in res.hits):
        why.append("a hit on the page is not in the scan")
    if len(oracle) <= FULL_CHECK:
        how = "ids"
        got = {h.id for h in ix.search(q, limit=None, **kw).hits}
        if got != ids:
            why.append(f"ids differ: {len(got - ids)} extra, {len(ids - got)} missing")
    return {
        "class": cls,
        "query": label,
        "total": res.total,
        "scan": len(oracle),
        "times": times,
        "exact": not why,
        "why": "; ".join(why),
        "how": how,
    }


def analysis_differs(cls, q, res, oracle, records, forms) -> str:
    """Where a trend by year (hits and all paragraphs per year) or a concordance (occurrences of
    the phrase in the hits, overlapping ones too) differs from the scan; "" when it does not."""
    from policysearch.text import match_form

    if cls == "keywords":  # the focus set: its words' counts are tested against the stored words in tests/
        n = res["focus"]["paragraphs"]
        return "" if n == len(oracle) else f"{n} focus paragraphs, scan {len(oracle)}"
    if cls == "kwic":
        m = match_form(q.strip('"'))
        n = sum(sum(1 for a in range(len(forms[i])) if forms[i].startswith(m, a)) for i in oracle)
        return "" if res["total"] == n else f"{res['total']} lines, scan {n}"
    hits: dict = {}
    every: dict = {}
    for rec in records:
        every[rec["year"] or None] = every.get(rec["year"] or None, 0) + 1
    for i in oracle:
        hits[records[i]["year"] or None] = hits.get(records[i]["year"] or None, 0) + 1
    got = {(int(c["key"]) if c["key"] else None): c["series"][0]["paragraphs"] for c in res["cells"]}
    whole = {(int(c["key"]) if c["key"] else None): c["total_paragraphs"] for c in res["cells"]}
    if {k: v for k, v in got.items() if v} != hits:
        return "hits per year differ"
    return "" if whole == every else "paragraphs per year differ"


def markdown(R: dict, corpus: str) -> str:
    m, v, b = R["machine"], R["versions"], R["build"]
    TARGETS = REAL_TARGETS if R["real"] else SYNTHETIC_TARGETS
    jieba_s = R["jieba"]["lcut_s"]
    text_mb = R["file_bytes"] / 1e6
    ok = lambda good: "✅" if good else "❌"  # noqa: E731
    lines = (
        [
            f"## {R['started']} · N={R['reports']} reports{' · quick' if R['quick'] else ''}",
            "",
            f"- collection: `{corpus}`: {R['reports']} reports, {R['paragraphs']:,} paragraphs, {text_mb:.1f} MB of "
            f"files ({R['text_bytes'] / 1e6:.1f} MB of paragraph text); "
            f"{', '.join(f'{n} {PLURAL[k]}' for k, n in R['places'].items())}{' (real text)' if R['real'] else ''}",
            f"- machine: {m['platform']}; {m['nproc']} CPUs ({m['cpu']}; {m['nproc']} busy processes do "
            f"{m.get('parallel', 0):.2f} × the work of one); {m['mem']}; load average "
            f"{R['load'][0]:.2f} at the start, {R['load'][1]:.2f} at the end",
            f"- versions: Python {v['python']}, Whoosh {v['whoosh']}, jieba {v['jieba']}, policysearch "
            f"{v['policysearch']} (git {v['commit']}, source {v['code']}); {R['reps']} timed runs per query; whole run "
            f"{R['total_s'] / 60:.1f} min",
        ]
        + ([f"- note: {R['note']}"] if R.get("note") else [])
        + ([f"- note: {R['reused']}"] if R.get("reused") else [])
        + [
            "",
            "| | measure | value | target | |",
            "|---|---|---|---|---|",
            f"| limit | `jieba.lcut`, one core, every paragraph (after a {R['jieba']['init_s']:.2f} s `initialize`) | "
            f"{jieba_s:.1f} s ({R['text_bytes'] / 1e6 / jieba_s:.2f} MB/s) | | |",
            f"| limit | substring scan of every paragraph's match form, per phrase | median {ms(R['scan']['median'])} ms, "
            f"max {ms(R['scan']['max'])} ms | | |",
        ]
    )
    peer = R.get("peer")
    if peer:
        lines += [
            f"| peer | jieba `ChineseAnalyzer` + stock Whoosh: build (1 writer, limitmb=256) | "
            f"{peer['build_s']:.1f} s, peak RSS {mb(peer['peak_rss'])}, index {mb(peer['size'])} | | |",
            f"| peer | phrase query (QueryParser, quotes), {len(PHRASES) if not R['quick'] else 8} phrases | "
            f"median {ms(peer['q_median'])} ms, p95 {ms(peer['q_p95'])} ms | | |",
            f"| peer | phrase recall / precision against the scan | {peer['recall']:.3f} / {peer['precision']:.3f} "
            f'(worst recall {peer["worst"][0]:.2f}: "{peer["worst"][1]}") | | |',
        ]
    plain_q, phrase_q = R["cli_queries"]
    cli_plain, cli_phrase = R["cli"][plain_q], R["cli"][phrase_q]
    build_ratio = b["build_s"] / jieba_s
    size_ratio = R["index_bytes"] / R["file_bytes"]
    worst_p95 = max(c["p95"] for c in R["classes"])
    lines += (
        [
            f"| ours | build (`Index.build`: its process and the workers it forks) | {b['build_s']:.1f} s ({text_mb / b['build_s']:.2f} MB/s) | "
            f"≤ {TARGETS['build_ratio']:.1f} × jieba pass = {TARGETS['build_ratio'] * jieba_s:.1f} s | "
            f"{ok(build_ratio <= TARGETS['build_ratio'])} |",
            f"| ours | of which: files read, cut and written as segments / listing the segments (Whoosh `commit`) | "
            f"{b['adding_s']:.1f} s / {b['build_s'] - b['adding_s']:.1f} s | | |",
        ]
        + (
            [
                f"| ours | peak disk use of the index folder during the build | "
                f"{mb(b['peak_disk'])} = {b['peak_disk'] / R['file_bytes']:.1f} × the files | | |"
            ]
            if b.get("peak_disk")
            else []
        )
        + [
            f"| ours | peak RSS of the build (its processes, summed) | {b['peak_rss'] / 1e6:.0f} MB | ≤ {TARGETS['rss_mb']} MB | "
            f"{ok(b['peak_rss'] <= TARGETS['rss_mb'] * 1e6)} |",
            f"| ours | index folder (of which the current Whoosh generation {mb(R['generation_bytes'])}; "
            f"{', '.join(f'{k} {mb(v)}' for k, v in R['index_files'].items() if v > 100_000 and not k.startswith('gen-'))}) | "
            f"{mb(R['index_bytes'])} = {size_ratio:.2f} × the files | ≤ {TARGETS['size_ratio']:.0f} × | "
            f"{ok(size_ratio <= TARGETS['size_ratio'])} |",
            f"| ours | query p95, worst class (table below) | {ms(worst_p95)} ms | ≤ {TARGETS['p95_ms']} ms every class | "
            f"{ok(worst_p95 <= TARGETS['p95_ms'] / 1000)} |",
            f"| ours | exact: every answer equals the scan | "
            f"{'yes' if all(c['exact'] == 'yes' for c in R['classes']) else 'NO'} | exact | "
            f"{ok(all(c['exact'] == 'yes' for c in R['classes']))} |",
            f"| ours | first query in a process (opens searcher, loads jieba) | {R['first_query_s']:.2f} s | | |",
            f"| ours | `Index.add` of one new report into the built index | median {R['add']['median']:.2f} s "
            f"(runs {', '.join(f'{a:.2f}' for a in R['add']['all'])}; `remove` {R['add']['remove']:.2f} s) | "
            f"≤ {TARGETS['add_s']:g} s | {ok(R['add']['median'] <= TARGETS['add_s'])} |",
            *(
                f"| ours | `Index.add` of a folder of {m['files']} files ({mb(m['bytes'])}) | "
                + (
                    f"median {m['s']:.1f} s of {', '.join(f'{r:.1f}' for r in m['runs'])} "
                    if len(m.get("runs", [])) > 1
                    else f"{m['s']:.1f} s "
                )
                + f"({m['bytes'] / 1e6 / m['s']:.2f} MB/s of files, "
                f"{m['text_bytes'] / 1e6 / m['s']:.2f} MB/s of paragraph text) | "
                + (
                    f"≥ the build's {R['text_bytes'] / 1e6 / b['build_s']:.2f} MB/s of paragraph text | "
                    f"{ok(m['text_bytes'] / m['s'] >= R['text_bytes'] / b['build_s'])} |"
                    if m is R["add_many"][-1]
                    else "(fixed costs weigh most) | |"
                )
                for m in R["add_many"]
            ),
            *(
                f"| ours | the same {m['files']} files built into an index of their own | {m['built_alone_s']:.1f} s "
                f"({m['text_bytes'] / 1e6 / m['built_alone_s']:.2f} MB/s of paragraph text) | "
                f"add ≥ this rate | {ok(m['s'] <= m['built_alone_s'])} |"
                for m in R["add_many"]
                if m.get("built_alone_s")
            ),
            f"| ours | fresh `policysearch query {plain_q} --json` (bytecode compiled, as `pip install .` leaves it) | {cli_plain:.2f} s wall | "
            f"≤ {TARGETS['cli_s']} s | {ok(cli_plain <= TARGETS['cli_s'])} |",
            f"| ours | fresh `policysearch query '{phrase_q}' --json` | {cli_phrase:.2f} s wall | "
            f"≤ {TARGETS['cli_s']} s | {ok(cli_phrase <= TARGETS['cli_s'])} |",
            f"| ours | of which: `python -c 'import policysearch.cli'` | {R['cli']['import']:.2f} s wall | | |",
            f"| ours | peak RSS of those fresh query processes | {mb(R['cli']['rss'])} | | |",
            f"| ratio | our build ÷ jieba pass | {build_ratio:.2f} | ≤ {TARGETS['build_ratio']:.1f} | "
            f"{ok(build_ratio <= TARGETS['build_ratio'])} |",
            f"| ratio | our query p95 (worst class) ÷ scan median | {worst_p95 / R['scan']['median']:.2f} | | |",
            f"| ratio | read_report alone (read, repair, structure, describe; {R['read_s']:.1f} s) ÷ jieba pass | "
            f"{R['read_s'] / jieba_s:.2f} | | |",
        ]
    )
    if peer:
        ph = next(c for c in R["classes"] if c["class"].startswith("exact"))
        lines += [
            f"| ratio | ours ÷ peer: build time | {b['build_s'] / peer['build_s']:.2f} | | |",
            f"| ratio | ours ÷ peer: index size | {R['index_bytes'] / peer['size']:.2f} | | |",
            f"| ratio | ours ÷ peer: phrase query median / p95 | {ph['median'] / peer['q_median']:.2f} / "
            f"{ph['p95'] / peer['q_p95']:.2f} | | |",
            f"| ratio | ours ÷ peer: phrase recall | {1.0 / peer['recall']:.2f} (ours 1.000 when exact) | | |",
        ]
    lines += [
        "",
        "| query class | queries × runs | median ms | p95 ms | max ms | p95 ÷ scan | slowest (median ms) | hits | exact |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in R["classes"]:
        lines.append(
            f"| {c['class']} | {c['queries']} × {c['runs'] // c['queries']} | {ms(c['median'])} | {ms(c['p95'])} | "
            f"{ms(c['max'])} | {c['p95'] / R['scan']['median']:.2f} | `{c['slowest']}` ({ms(c['slowest_median'])}) | "
            f"{c['hits'][0]:,}–{c['hits'][1]:,} | {c['exact']} ({c['how']}) {ok(c['p95'] <= TARGETS['p95_ms'] / 1000)} |"
        )
    lines.append("")
    return "\n".join(lines)


T0 = time.perf_counter()

if __name__ == "__main__":
    sys.exit(main())
