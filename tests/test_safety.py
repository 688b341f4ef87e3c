"""The safety promises, tested with real processes, real kills and real files.

- A writer killed with SIGKILL at any moment (while reading, while writing segments, in the middle
  of a Whoosh commit, between it and the phrase rows' SQLite transaction) leaves an index that
  opens, answers queries and
  holds every report entirely or not at all; `add` loses at most the report being written, `build`
  leaves the old generation current until the new one is complete.
- Two writers take turns on the index's flock; the second says that it waits; a writer that would
  wait past its limit gets an error; a lock left by a killed process is free at once.
- Readers see the index before or after each commit, never half of one.
- A write that fails half-way (disk full, in Whoosh's files or in the phrase index) leaves exactly
  the previous state; the next writer deletes what the failed one left.

Writers are Python processes that use the library (forked, already warm, by a "zygote" process)
or the `policysearch` command of this venv; kill delays are seeded and measured from the moment a
writer starts, so they fall inside the work itself rather than inside interpreter start-up.
"""

import errno
import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from helpers import CORPUS, POLICYSEARCH, scan_form
from whoosh.filedb.structfile import StructFile

from policysearch import Index, IndexStateError

ABSENT = "绝无此串QX9"  # in no report: NOT "ABSENT" is every paragraph of the index
SAMPLES = sorted(os.listdir(CORPUS))
SMALL = "004_179a3deb063e8376.txt"  # the shortest sample report, for quick builds

HOLDER = r"""
import sys, time
from policysearch import Index
with Index(sys.argv[1]).writing():
    print("held", flush=True)
    time.sleep(120)
"""


# Loads the library once, then forks one worker per job: a worker is a process of its own that
# starts writing at once, so kill delays measure the write and not interpreter start-up.
ZYGOTE = r"""
import json, os, sys, traceback
from policysearch import Index
from policysearch.text import jieba_module
jieba_module()
print(json.dumps({"ready": os.getpid()}), flush=True)
for line in sys.stdin:
    job = json.loads(line)
    if job["op"] == "wait":
        _, status = os.waitpid(job["pid"], 0)
        print(json.dumps({"signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0,
                          "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None}), flush=True)
        continue
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            ix = Index(job["index"])
            summary = ix.add_files(job["paths"]) if job["op"] == "add" else ix.build(job["paths"][0])
            code = 1 if summary.failed else 0
        except BaseException:
            traceback.print_exc()
            code = 2
        os._exit(code)
    print(json.dumps({"pid": pid}), flush=True)
"""


# -- reports and what the index must say about them ------------------------------------------------


@dataclass
class Expected:
    id: str
    paragraph_ids: list
    phrase: str  # a phrase of the report
    exclusive: bool  # True when no other report holds the phrase


def expected_of(path, phrase=None) -> Expected:
    from policysearch import read_report

    report = read_report(path)
    if phrase is None:  # a stretch of its longest paragraph
        longest = max(report.paragraphs, key=lambda p: len(scan_form(p.text)))
        form = scan_form(longest.text)
        phrase = form[len(form) // 2 - 6 : len(form) // 2 + 6]
    return Expected(report.id, [p.id for p in report.paragraphs], phrase, exclusive=phrase.startswith("标记码"))


def make_variants(folder, tag: str, count: int, bases=None) -> list:
    """Copies of sample reports, each with one more line holding a marker of its own, so that
    every copy is a new report (another id) that one phrase finds."""
    os.makedirs(folder, exist_ok=True)
    bases = bases or SAMPLES
    paths = []
    for k in range(count):
        base = bases[k % len(bases)]
        with open(os.path.join(CORPUS, base), encoding="utf-8") as f:
            text = f.read()
        path = os.path.join(folder, f"{tag}-{k:02d}-{base}")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.rstrip("\n") + f"\n\n本件为测试副本，标记码{tag}{k:02d}。\n")
        paths.append(path)
    return paths


def expect_variants(paths) -> dict:
    out = {}
    for path in paths:
        marker = open(path, encoding="utf-8").read().rsplit("标记码", 1)[1].split("。")[0]
        e = expected_of(path, "标记码" + marker)
        out[e.id] = e
    return out


def check_index(path, expected: dict) -> set:
    """The index opens and answers queries; every listed report is complete (its paragraph count,
    its paragraphs, a phrase of it finds it); no paragraph belongs to an unlisted report.
    Returns the ids of the listed reports."""
    ix = Index(path)
    listed = ix.reports()
    ids = {r.id for r in listed}
    assert len(ids) == len(listed), "a report is listed twice"
    assert ids <= set(expected), f"reports nobody added: {ids - set(expected)}"
    for r in listed:
        e = expected[r.id]
        paragraphs = ix.paragraphs(r.id)
        assert len(paragraphs) == r.paragraphs == len(e.paragraph_ids), r.source
        assert [p.id for p in paragraphs] == e.paragraph_ids
        found = {h.doc_id for h in ix.search(f'"{e.phrase}"', limit=None).hits}
        assert r.id in found, f"{e.phrase} does not find {r.source}"
        if e.exclusive:
            assert found == {r.id}
    everything = ix.search(f'NOT "{ABSENT}"', limit=None)
    assert {h.doc_id for h in everything.hits} == ids, "paragraphs of a report that is not listed"
    assert everything.total == sum(r.paragraphs for r in listed)
    return ids


def generations(path) -> list:
    return sorted(d for d in os.listdir(path) if d.startswith("gen-"))


@pytest.fixture(scope="module")
def sample_expected():
    return {e.id: e for e in (expected_of(os.path.join(CORPUS, name)) for name in SAMPLES)}


@pytest.fixture
def index_copy(sample_index, tmp_path):
    """A writable copy of the session's sample index."""
    dst = tmp_path / "index"
    shutil.copytree(sample_index.path, dst)
    return str(dst)


# -- writer processes -----------------------------------------------------------------------------


class Zygote:
    """A warm process that forks workers on demand (see ZYGOTE)."""

    def __init__(self, cwd):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=cwd, text=True
        )
        self.lines = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        assert "ready" in self._answer(timeout=120)

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))
        self.lines.put(None)

    def _answer(self, timeout=300) -> dict:
        answer = self.lines.get(timeout=timeout)
        assert answer is not None, "the zygote died"
        return answer

    def _send(self, **job):
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()

    def start(self, op, index, paths) -> "Worker":
        self._send(op=op, index=str(index), paths=[str(p) for p in paths])
        return Worker(self, self._answer()["pid"])

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


class Worker:
    def __init__(self, zygote, pid):
        self.zygote, self.pid, self.status = zygote, pid, None

    def alive(self) -> bool:
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] not in "ZX"
        except FileNotFoundError:
            return False

    def wait(self) -> dict:
        if self.status is None:
            self.zygote._send(op="wait", pid=self.pid)
            self.status = self.zygote._answer()
        return self.status

    def kill(self) -> bool:
        """SIGKILL; True when the worker was still at work."""
        os.kill(self.pid, signal.SIGKILL)  # a finished worker is a zombie until waited for
        return self.wait()["signal"] == signal.SIGKILL

    def finish(self):
        assert self.wait() == {"signal": 0, "code": 0}


@pytest.fixture(scope="module")
def zygote(tmp_path_factory):
    z = Zygote(tmp_path_factory.mktemp("zygote"))
    yield z
    z.close()


def kill_when(child, sign, delay) -> bool:
    """Kill `delay` seconds after `sign()` turns true (polled every millisecond)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.alive() and not sign():
        time.sleep(0.001)
    time.sleep(delay)
    return child.kill()


def new_segment(gen_dir):
    """True once a new segment's terms file is in the generation folder: Whoosh writes it at the
    end of a commit, just before the table of contents (and, in a build, before the switch)."""
    before = set(os.listdir(gen_dir)) if os.path.isdir(gen_dir) else set()
    return lambda: os.path.isdir(gen_dir) and any(n.endswith(".trm") for n in set(os.listdir(gen_dir)) - before)


def kill_when_writing(child, gen_dir, delay):
    return kill_when(child, new_segment(gen_dir), delay)


def current_generation(index) -> str:
    with open(os.path.join(index, "policysearch.json"), encoding="utf-8") as f:
        return os.path.join(index, json.load(f)["current"])


def next_generation(index) -> str:
    """The folder the next build will write."""
    return os.path.join(index, "gen-%06d" % (max(int(g[4:]) for g in generations(index)) + 1))


def kill_moments(rng, duration):
    """Kill moments: very early ones, ones at the end of a commit, then moments spread over a run
    of `duration` seconds, for as long as they are asked for."""
    fixed = [("after", 0.0), ("after", 0.01)] + [("commit", rng.uniform(0, 0.2)) for _ in range(4)]
    rng.shuffle(fixed)
    yield from fixed
    while True:
        yield "after", rng.uniform(0, duration)


KILLS = 20  # kills that must land while the writer is at work


def kill_at(child, how, delay, gen_dir) -> bool:
    if how == "commit":
        return kill_when_writing(child, gen_dir, delay)
    time.sleep(delay)
    return child.kill()


# -- kill -9 of add and build ---------------------------------------------------------------------


def add_job(sample_index, tmp_path, tag: str, count: int) -> tuple:
    """A copy of the sample index and `count` new reports to add to it: (index, paths, expected)."""
    index = str(tmp_path / f"ix-{tag}")
    shutil.copytree(sample_index.path, index)
    paths = make_variants(tmp_path / f"v-{tag}", tag, count, bases=[SMALL])
    return index, paths, expect_variants(paths)


def whole_add(zygote, job: tuple, sample_expected) -> float:
    """Run an add to its end; -> how long it took. Everything must be in."""
    index, paths, variants = job
    start = time.monotonic()
    zygote.start("add", index, paths).finish()
    duration = time.monotonic() - start
    assert check_index(index, sample_expected | variants) == set(sample_expected) | set(variants)
    return duration


@pytest.mark.slow
def test_add_killed_at_20_random_moments(sample_index, sample_expected, zygote, tmp_path):
    """Each run adds three reports to a copy of the sample index and is killed at a seeded moment;
    what is left must be the old reports plus the first k new ones, each complete."""
    rng = random.Random(20240601)

    def job(n):
        return add_job(sample_index, tmp_path, f"K{n}", 3)

    # A complete run first: it tells how long adding three reports takes.
    duration = whole_add(zygote, job("full"), sample_expected)
    print(f"\nadd: a whole run takes {duration:.2f} s")

    killed, kept, runs = 0, [], 0
    for n, (how, delay) in enumerate(kill_moments(rng, duration)):
        if killed == KILLS or n == 2 * KILLS:
            break
        index, paths, variants = job(n)
        hit = kill_at(zygote.start("add", index, paths), how, delay, current_generation(index))
        ids = check_index(index, sample_expected | variants)
        new = ids - set(sample_expected)
        # Reports go in one commit each, in order: what survived is the first k of them.
        assert ids >= set(sample_expected), "a kill took away reports that were already in"
        assert new == set(list(variants)[: len(new)]), (how, delay, new)
        assert hit or new == set(variants)
        killed += hit
        runs += 1
        if hit:
            kept.append(len(new))

    assert killed == KILLS, f"only {killed} of {runs} kills hit a running add"
    assert 0 in kept and any(0 < k < 3 for k in kept), kept
    # The index of the last run takes writes as before: the next add puts the rest in, at once.
    proc = subprocess.run(
        [POLICYSEARCH, "add", "--index", index, *paths], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert proc.returncode == 0 and "waiting" not in proc.stderr, proc.stderr
    assert check_index(index, sample_expected | variants) == set(sample_expected) | set(variants)
    print(f"\nadd: {runs} runs, {killed} killed at work, all consistent; reports kept per killed run {kept}")


@pytest.mark.slow
def test_add_of_many_files_killed_at_random_moments(sample_index, sample_expected, zygote, tmp_path):
    """An add of many files commits a run of them at a time, written by workers in a scratch
    index: killed at any moment it leaves whole reports only (whole commits), never the workers'
    half-written segments; the next add cleans up and puts the rest in."""
    from policysearch.store import build as build_module

    rng = random.Random(20261201)
    count = build_module.PARALLEL_FROM + 4

    def job(n):
        return add_job(sample_index, tmp_path, f"M{n}", count)

    duration = whole_add(zygote, job("full"), sample_expected)

    killed, kept = 0, []
    for n, (how, delay) in enumerate(kill_moments(rng, duration)):
        if killed == 8 or n == 16:
            break
        index, paths, variants = job(n)
        hit = kill_at(zygote.start("add", index, paths), how, delay, current_generation(index))
        ids = check_index(index, sample_expected | variants)
        assert ids >= set(sample_expected), "a kill took away reports that were already in"
        killed += hit
        kept.append(len(ids) - len(sample_expected))
    assert killed == 8, f"only {killed} kills hit a running add"
    assert any(0 < k < count for k in kept), kept  # some commits were in, not all
    Index(index).add_files(paths)
    assert check_index(index, sample_expected | variants) == set(sample_expected) | set(variants)
    assert not [d for d in os.listdir(index) if d.startswith("adding-")], "a killed add's scratch index was left"


@pytest.mark.slow
def test_build_killed_at_20_random_moments(sample_index, sample_expected, zygote, tmp_path):
    """Each run rebuilds a copy of the sample index from a two-report folder and is killed at a
    seeded moment; the index is then exactly the old one or exactly the new one."""
    rng = random.Random(20240602)
    small = expected_of(os.path.join(CORPUS, SMALL))

    def job(n):
        index = str(tmp_path / f"ix{n}")
        shutil.copytree(sample_index.path, index)
        folder = tmp_path / f"c{n}"
        paths = make_variants(folder, f"B{n}", 1, bases=[SMALL])
        shutil.copy(os.path.join(CORPUS, SMALL), folder / SMALL)
        variant = expect_variants(paths)
        return index, [str(folder)], variant | {small.id: small}

    # A complete rebuild first: the old reports go, the new ones come; it also times a build.
    first = job("full")
    start = time.monotonic()
    zygote.start("build", first[0], first[1]).finish()
    duration = time.monotonic() - start
    print(f"\nbuild: a whole run takes {duration:.2f} s")
    assert check_index(first[0], sample_expected | first[2]) == set(first[2])

    killed, outcomes, runs, old = 0, [], 0, None
    for n, (how, delay) in enumerate(kill_moments(rng, duration)):
        if killed == KILLS or n == 2 * KILLS:
            break
        index, folder, target = job(n)
        gen_dir = next_generation(index)
        hit = kill_at(zygote.start("build", index, folder), how, delay, gen_dir)
        state = check_index(index, sample_expected | target)
        assert state in (set(sample_expected), set(target)), (how, delay)
        assert hit or state == set(target)
        killed += hit
        runs += 1
        if hit:
            outcomes.append("new" if state == set(target) else "old")
        if state == set(sample_expected):
            old = (index, folder, target)

    assert killed == KILLS, f"only {killed} of {runs} kills hit a running build"
    assert old is not None, outcomes
    # A later complete build over a killed one has everything; the killed build's folder goes.
    index, folder, target = old
    proc = subprocess.run(
        [POLICYSEARCH, "build", "--index", index, *folder], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert proc.returncode == 0 and "waiting" not in proc.stderr, proc.stderr
    assert check_index(index, sample_expected | target) == set(target)
    assert len(generations(index)) <= 2
    print(f"\nbuild: {runs} runs, {killed} killed at work, all consistent; index after each kill: {outcomes}")


def test_build_killed_keeps_the_old_index_searchable(index_copy, sample_expected, zygote, tmp_path):
    """kill -9 in the middle of a rebuild: the old reports stay searchable; a later build completes."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(os.path.join(CORPUS, SMALL), folder / SMALL)
    paths = make_variants(folder, "OLD", 1, bases=[SMALL])
    new = {expected_of(folder / SMALL).id} | set(expect_variants(paths))
    expected = sample_expected | expect_variants(paths)
    gen_dir = next_generation(index_copy)
    assert kill_when_writing(zygote.start("build", index_copy, [folder]), gen_dir, 0.0)
    assert os.path.isdir(gen_dir)  # the new generation was on its way
    assert check_index(index_copy, expected) == set(sample_expected)
    zygote.start("build", index_copy, [folder]).finish()
    assert check_index(index_copy, expected) == new


# -- two writers, waiting, locks of killed processes -----------------------------------------------


def processes_of(parent: int) -> list[int]:
    """Live processes whose parent is `parent` (from /proc)."""
    found = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/stat", encoding="utf-8") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[1]) == parent:
            found.append(int(name))
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_build_killed_takes_its_workers_with_it(index_copy, sample_expected, tmp_path):
    """A build of many files reads and writes them in worker processes, which inherit the
    index's lock: when the build is killed they must go too, at once, and not work on (or hold
    the lock) for as long as their current run of files takes."""
    whole = "\n\n".join(open(os.path.join(CORPUS, name), encoding="utf-8").read() for name in SAMPLES)
    os.makedirs(tmp_path / "v")
    for k in range(16):  # long files: a worker's run takes seconds
        (tmp_path / "v" / f"{k:02d}.txt").write_text(f"第{k}份\n\n" + whole * 3, encoding="utf-8")
    build = subprocess.Popen(
        [POLICYSEARCH, "build", "-q", "--index", index_copy, str(tmp_path / "v")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    deadline, workers = time.monotonic() + 60, []
    while not workers:
        assert time.monotonic() < deadline and build.poll() is None, "the build ended before it had workers"
        workers = processes_of(build.pid)
        time.sleep(0.01)
    time.sleep(0.5)  # at work: reading, cutting, writing segments
    build.send_signal(signal.SIGKILL)
    build.wait(timeout=30)
    deadline = time.monotonic() + 0.5
    while any(map(alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not any(map(alive, workers)), "workers outlived the killed build"
    with Index(index_copy).writing(wait=0.5):
        pass
    assert check_index(index_copy, sample_expected) == set(sample_expected)


def lock_holder(index_path):
    try:
        with open(os.path.join(index_path, ".lock")) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def test_two_writers_take_turns(index_copy, sample_expected, tmp_path):
    first = make_variants(tmp_path / "one", "W1", 3, bases=[SMALL])
    second = make_variants(tmp_path / "two", "W2", 1, bases=[SMALL])
    expected = sample_expected | expect_variants(first) | expect_variants(second)
    run = dict(stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    a = subprocess.Popen([POLICYSEARCH, "add", "--index", index_copy, "--quiet", *first], **run)
    deadline = time.monotonic() + 60
    while lock_holder(index_copy) != f"pid {a.pid}":
        assert a.poll() is None and time.monotonic() < deadline, "the first writer never took the lock"
        time.sleep(0.005)
    b = subprocess.Popen([POLICYSEARCH, "add", "--index", index_copy, "--quiet", *second], **run)
    out_a, err_a = a.communicate(timeout=120)
    out_b, err_b = b.communicate(timeout=120)
    assert (a.returncode, b.returncode) == (0, 0), (err_a, err_b)
    assert "waiting" not in err_a
    waiting = [line for line in err_b.splitlines() if "waiting for another writer" in line]
    assert len(waiting) == 1 and f"pid {a.pid}" in waiting[0], err_b
    assert out_a.count("added") == 3 and out_b.count("added") == 1
    assert check_index(index_copy, expected) == set(expected)


def test_writer_gives_up_after_its_wait_and_a_killed_holders_lock_is_free(index_copy, tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, index_copy],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        ix = Index(index_copy)
        told = []
        start = time.monotonic()
        with pytest.raises(IndexStateError) as info:
            with ix.writing(wait=0.5, on_wait=told.append):
                pytest.fail("got the lock that another process holds")
        waited = time.monotonic() - start
        assert 0.5 <= waited < 5
        assert "another writer" in str(info.value) and "\n" not in str(info.value)
        assert len(told) == 1 and f"pid {holder.pid}" in told[0]
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    assert holder.returncode == -signal.SIGKILL
    assert lock_holder(index_copy) == f"pid {holder.pid}"  # the file is still there, the lock is not
    told = []
    start = time.monotonic()
    with ix.writing(wait=0.5, on_wait=told.append):
        pass
    assert told == [] and time.monotonic() - start < 0.5
    path = make_variants(tmp_path / "v", "FREE", 1, bases=[SMALL])[0]
    assert ix.add(path).id in {r.id for r in ix.reports()}


def test_add_killed_while_holding_the_lock_does_not_block_the_next_writer(
    index_copy, sample_expected, zygote, tmp_path
):
    paths = make_variants(tmp_path / "v", "HOLD", 1, bases=[SMALL])
    expected = sample_expected | expect_variants(paths)
    child = zygote.start("add", index_copy, paths)
    deadline = time.monotonic() + 60
    while lock_holder(index_copy) != f"pid {child.pid}":
        assert time.monotonic() < deadline and child.alive()
        time.sleep(0.002)
    assert child.kill()
    proc = subprocess.run(
        [POLICYSEARCH, "add", "--index", index_copy, *paths], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert "waiting" not in proc.stderr
    assert check_index(index_copy, expected) == set(expected)


# -- readers during a write -------------------------------------------------------------------------

LOAD_REPORTS, LOAD_READERS = 50, 4


@pytest.mark.slow
def test_readers_see_each_report_whole_while_a_writer_adds(index_copy, sample_expected, zygote, tmp_path):
    """4 threads query continuously while another process adds reports."""
    paths = make_variants(tmp_path / "v", "R", LOAD_REPORTS, bases=[SMALL])
    variants = expect_variants(paths)
    order = [e.id for e in variants.values()]
    counts = {e.id: len(e.paragraph_ids) for e in (sample_expected | variants).values()}
    observations, errors, served = {k: [] for k in range(LOAD_READERS)}, [], [0]
    stop = threading.Event()

    def reader(k):
        ix = Index(index_copy)
        try:
            while not stop.is_set():
                markers = ix.search('"标记码R"', limit=None)
                served[0] += 1
                seen = [h.doc_id for h in markers.hits]
                assert len(seen) == len(set(seen)) == markers.total == markers.reports
                for rid in seen:  # a report any paragraph of which shows is there whole
                    assert len(ix.paragraphs(rid)) == counts[rid]
                    served[0] += 1
                ix.search("城中村改造", town="车墩镇")
                served[0] += 1
                observations[k].append(seen)
                time.sleep(0.05)  # leave the interpreter to the other readers now and then
        except BaseException as e:  # reported below, with the observation count
            errors.append(e)

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(LOAD_READERS)]
    for t in threads:
        t.start()
    try:
        zygote.start("add", index_copy, paths).finish()
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a reader did not finish"
    if errors:
        raise errors[0]
    # What each reader saw only ever grew, whole reports in the writer's order; at the end, all.
    for seen_by_one in observations.values():
        assert len(seen_by_one) >= 3
        previous = set()
        for seen in seen_by_one:
            assert set(seen) == set(order[: len(seen)]) and set(seen) >= previous
            previous = set(seen)
    assert {h.doc_id for h in Index(index_copy).search('"标记码R"', limit=None).hits} == set(order)
    listed = Index(index_copy).reports()
    assert all(counts[r.id] == r.paragraphs == len(Index(index_copy).paragraphs(r.id)) for r in listed)
    print(
        f"readers: {served[0]} queries served by {LOAD_READERS} threads during a {LOAD_REPORTS}-report add, "
        f"{sum(map(len, observations.values()))} observations"
    )


# -- a write that fails half-way: disk full -------------------------------------------------------


@contextmanager
def disk_full_after(writes: int):
    """Every Whoosh file write after the first `writes` fails with ENOSPC, as on a full disk."""
    calls = [0]
    original = StructFile.write

    def write(self, *args, **kwargs):
        calls[0] += 1
        if calls[0] > writes:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return original(self, *args, **kwargs)

    StructFile.write = write
    try:
        yield calls
    finally:
        StructFile.write = original


def snapshot(path) -> list:
    ix = Index(path)
    return [(r, [(p.id, p.text) for p in ix.paragraphs(r.id)]) for r in ix.reports()]


def failed_write(action, point) -> str:
    """Run `action` on a disk that fills up after `point` writes; it must raise ENOSPC."""
    with disk_full_after(point):
        try:
            action()
        except OSError as e:
            assert e.errno == errno.ENOSPC, f"disk full after {point} writes: {e!r}"
            return repr(e)
    pytest.fail(f"no error with the disk full after {point} writes")


@pytest.mark.slow
def test_disk_full_during_add_keeps_the_previous_state(index_copy, sample_expected, tmp_path):
    rng = random.Random(28)
    path = make_variants(tmp_path / "v", "FULL", 1, bases=[SMALL])[0]
    # How many writes the add makes, on a copy.
    probe = str(tmp_path / "probe")
    shutil.copytree(index_copy, probe)
    with disk_full_after(10**12) as calls:
        Index(probe).add(path)
    total = calls[0]
    assert total > 100

    points = sorted({0, 1, 2, total // 3, total // 2, total - 2, total - 1, *rng.sample(range(total), 4)})
    before = snapshot(index_copy)
    ix = Index(index_copy)
    for point in points:
        failed_write(lambda: ix.add(path), point)
        assert snapshot(index_copy) == before, f"disk full after {point} of {total} writes"
        assert check_index(index_copy, sample_expected) == set(sample_expected)
    # Space again: the same process adds the report.
    report = ix.add(path)
    assert check_index(index_copy, sample_expected | expect_variants([path])) == set(sample_expected) | {report.id}
    print(f"disk full during add: {len(points)} failure points out of {total} writes, state kept each time")


@pytest.mark.slow
def test_disk_full_during_build_keeps_the_previous_index(index_copy, sample_expected, tmp_path):
    rng = random.Random(29)
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(os.path.join(CORPUS, SMALL), folder / SMALL)
    paths = make_variants(folder, "FB", 1, bases=[SMALL])
    target = {expected_of(folder / SMALL).id} | set(expect_variants(paths))
    probe = str(tmp_path / "probe")
    shutil.copytree(index_copy, probe)
    with disk_full_after(10**12) as calls:
        Index(probe).build(str(folder))
    total = calls[0]

    points = sorted({0, 1, total // 2, total - 1, *rng.sample(range(total), 3)})
    before = snapshot(index_copy)
    ix = Index(index_copy)
    for point in points:
        failed_write(lambda: ix.build(str(folder)), point)
        assert snapshot(index_copy) == before, f"disk full after {point} of {total} writes"
    assert Index(index_copy).search('"城中村"').total > 0
    ix.build(str(folder))
    assert (
        check_index(
            index_copy, sample_expected | expect_variants(paths) | {e.id: e for e in [expected_of(folder / SMALL)]}
        )
        == target
    )
    print(f"disk full during build: {len(points)} failure points out of {total} writes, old index kept each time")


def test_failed_build_leaves_no_partial_generation(index_copy, tmp_path):
    """A build that fails (disk full) takes its half-written generation away again: on a full
    disk, the next try needs that space."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(os.path.join(CORPUS, SMALL), folder / SMALL)
    probe = str(tmp_path / "probe")
    shutil.copytree(index_copy, probe)
    with disk_full_after(10**12) as calls:
        Index(probe).build(str(folder))
    total = calls[0]
    ix = Index(index_copy)
    before = generations(index_copy)
    for point in (0, total // 2, total - 1):
        failed_write(lambda: ix.build(str(folder)), point)
        assert generations(index_copy) == before, f"disk full after {point} of {total} writes"


def test_disk_full_in_the_workers_of_a_build_keeps_the_previous_index(index_copy, sample_expected, tmp_path):
    """A build of many files writes its segments in worker processes (forked: the full disk
    follows them). A worker that fails stops the build with the same error, in the writer's own
    process; the previous index stays, and the half-written generation goes."""
    from policysearch.store import build as build_module

    paths = make_variants(tmp_path / "many", "PW", build_module.PARALLEL_FROM + 2, bases=[SMALL])
    before, gens = snapshot(index_copy), generations(index_copy)
    ix = Index(index_copy)
    for point in (5, 30, 300):
        error = failed_write(lambda: ix.build(str(tmp_path / "many")), point)
        assert snapshot(index_copy) == before and generations(index_copy) == gens, (point, error)
    ix.build(str(tmp_path / "many"))
    assert {r.id for r in ix.reports()} == set(expect_variants(paths))


def test_same_process_writes_again_after_disk_full_while_the_error_is_kept(index_copy, tmp_path):
    """A caller that keeps the error (a log, a list of failures, the REPL's sys.last_value) can
    still write once there is space again: the failed write let go of every lock it held."""
    path = make_variants(tmp_path / "v", "KEPT", 1, bases=[SMALL])[0]
    ix = Index(index_copy)
    kept = []
    with disk_full_after(1000):
        try:
            ix.add(path)
        except OSError as e:
            kept.append(e)
    assert kept and kept[0].errno == errno.ENOSPC
    report = ix.add(path)
    assert report.id in {r.id for r in Index(index_copy).reports()}


# -- the phrase index's own writes fail: the Whoosh commit is in, the phrase rows are not ----------


@contextmanager
def phrase_index_full(monkeypatch):
    """The phrase index (SQLite) cannot grow by a single page: SQLite's own "disk is full"."""
    from policysearch.store import phrases as phrases_module

    original = phrases_module.PhraseIndex.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        pages = self.db.execute("PRAGMA page_count").fetchone()[0]
        self.db.execute(f"PRAGMA max_page_count = {max(pages, 1)}")

    with monkeypatch.context() as m:
        m.setattr(phrases_module.PhraseIndex, "__init__", init)
        yield


def test_phrase_index_full_during_add_leaves_the_report_absent_until_it_goes_in(
    index_copy, sample_expected, tmp_path, monkeypatch
):
    paths = make_variants(tmp_path / "v", "PF", 2, bases=[SMALL])
    variants = expect_variants(paths)
    before = snapshot(index_copy)
    ix = Index(index_copy)
    with phrase_index_full(monkeypatch):
        with pytest.raises(OSError) as caught:
            ix.add(paths[0])
    assert caught.value.errno == errno.ENOSPC
    # Whoosh took the report's documents, the phrase index did not: readers do not see them.
    assert snapshot(index_copy) == before
    assert check_index(index_copy, sample_expected) == set(sample_expected)
    # The next writer deletes what the failed one left and adds its own report.
    ix.add(paths[1])
    assert check_index(index_copy, sample_expected | variants) == set(sample_expected) | {list(variants)[1]}
    ix.add(paths[0])
    assert check_index(index_copy, sample_expected | variants) == set(sample_expected) | set(variants)


def test_phrase_index_full_during_build_keeps_the_previous_index(index_copy, sample_expected, tmp_path, monkeypatch):
    folder = tmp_path / "corpus"
    paths = make_variants(folder, "PB", 2, bases=[SMALL])
    before, gens = snapshot(index_copy), generations(index_copy)
    with phrase_index_full(monkeypatch):
        with pytest.raises(OSError) as caught:
            Index(index_copy).build(str(folder))
    assert caught.value.errno == errno.ENOSPC
    assert snapshot(index_copy) == before and generations(index_copy) == gens
    Index(index_copy).build(str(folder))
    assert check_index(index_copy, sample_expected | expect_variants(paths)) == set(expect_variants(paths))


def test_a_reader_opens_the_next_commit_when_the_one_it_found_vanishes(index_copy, monkeypatch):
    """A writer's commit deletes the commit before it; a reader that listed the folder just before
    gets FileNotFoundError for that file (seen under load) and must open the newer one instead."""
    from whoosh import index as whoosh_index

    real, calls = whoosh_index.open_dir, []

    def racing(*args, **kwargs):
        calls.append(args)
        if len(calls) <= 2:
            raise FileNotFoundError(2, "No such file or directory", "_MAIN_7.toc")
        return real(*args, **kwargs)

    monkeypatch.setattr(whoosh_index, "open_dir", racing)
    assert Index(index_copy).search('"城中村"').total > 0 and len(calls) == 3


def test_a_worker_forked_by_a_writer_that_is_gone_exits_at_once():
    # A writer killed between forking a worker and the worker's asking to die with it sends no
    # signal: the orphan would have waited for ever on the task queue's lock, holding the index's
    # (seen in CI). die_with_parent finds its parent is not the writer, and exits.
    from policysearch.store.build import die_with_parent

    child = os.fork()
    if child == 0:  # the worker, as if its writer (here: no process) were gone already
        try:
            die_with_parent(writer=-1)
        finally:
            os._exit(7)  # not reached
    _, status = os.waitpid(child, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 1
    child = os.fork()
    if child == 0:  # its writer is there: the worker goes on to its jobs
        try:
            die_with_parent(writer=os.getppid())
        finally:
            os._exit(7)
    _, status = os.waitpid(child, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 7
