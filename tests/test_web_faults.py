"""The web page while its index is rebuilt, while a writer is killed with SIGKILL in the middle of an
add, and while the index folder cannot be read for a moment: a real `policysearch serve` keeps
answering, says clearly what is wrong while the index is gone (no traceback, in the page or in its
log) and serves the index again as soon as it is back, without a restart."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import threading
import time

import pytest
from helpers import POLICYSEARCH
from web_support import (
    EVERYTHING,
    LOAD_YEAR,
    Server,
    build_index,
    check_consistent,
    check_whole,
    elements,
    make_reports,
    paragraph_counts,
)

from policysearch.store.build import PARALLEL_FROM

PARAGRAPH = "/paragraph/29a3147a4c7c8d26-0016"
ROUTES = ["/", "/api/search", "/export.csv", PARAGRAPH]


@pytest.fixture
def live(tmp_path):
    """A server over an index of its own (the tests write to it); its log must hold no traceback."""
    s = Server(build_index(tmp_path))
    yield s
    s.process.terminate()
    s.process.wait(10)
    log = s.process.stderr.read()
    s.stop()
    assert "Traceback" not in log and "ERROR" not in log, log[-2000:]


def added(server, counts: dict[str, int], order: list[str]) -> list[str]:
    """The added reports the server shows now, each checked whole, in the order they went in."""
    status, _, body = server.get("/api/search", {"q": EVERYTHING, "year": LOAD_YEAR, "limit": 0})
    assert status == 200, body[:300]
    doc = json.loads(body)
    check_consistent(doc)
    return check_whole(doc, counts, order)


class Prober:
    """A thread that asks every route in turn until stopped (at most `most` requests) and keeps
    every answer that is not a whole 200."""

    def __init__(self, server, most: int = 5000):
        self.server, self.most, self.count, self.bad = server, most, 0, []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self):
        while not self.stop.is_set() and self.count < self.most:
            path = ROUTES[self.count % len(ROUTES)]
            try:
                status, _, body = self.server.get(path, {"q": '"城中村"'} | ({"limit": 0} if "api" in path else {}))
                if status != 200:
                    self.bad.append((path, status, body[:300]))
                elif path == "/api/search":
                    check_consistent(json.loads(body))
            except Exception as e:  # a refused connection, a broken answer
                self.bad.append((path, type(e).__name__, str(e)[:300]))
            self.count += 1

    def finish(self) -> int:
        self.stop.set()
        self.thread.join(120)
        assert not self.thread.is_alive()
        assert not self.bad, self.bad[:3]
        return self.count


@pytest.mark.slow
def test_serving_goes_on_while_the_index_is_rebuilt(live, tmp_path):
    corpus = os.path.join(os.path.dirname(live.index), "corpus")
    paths = make_reports(corpus, "B", 3)
    counts = paragraph_counts(paths)
    before = json.load(open(os.path.join(live.index, "policysearch.json"), encoding="utf-8"))["current"]
    assert added(live, counts, list(counts)) == []
    prober = Prober(live)
    out = subprocess.run([POLICYSEARCH, "build", "-q", "--index", live.index, corpus], capture_output=True, text=True)
    time.sleep(0.5)
    served = prober.finish()
    assert out.returncode == 0, out.stderr
    after = json.load(open(os.path.join(live.index, "policysearch.json"), encoding="utf-8"))["current"]
    assert after != before, "the build did not switch generations"
    # the new generation is served at once, whole
    assert sorted(added(live, counts, list(counts))) == sorted(counts)
    print(f"\nrebuild under the server: {served} requests answered 200 during the build")


@pytest.mark.slow
def test_serving_goes_on_when_a_writer_is_killed_mid_add(live, tmp_path):
    rng = random.Random(1717)
    paths = make_reports(tmp_path / "new", "K", 40, tasks=2400)  # ~0.2 s a report to add, not 0.03 s
    counts = paragraph_counts(paths)
    order = list(counts)
    prober = Prober(live)
    kept, hits = [], []
    try:
        # until three writers are killed at work: one that finished its few files first is no kill,
        # as in test_safety
        while sum(hits) < 3 and len(hits) < 5:
            # each writer the next few files after those in, added one by one (many go in runs: see test_safety)
            start = len(added(live, counts, order))
            writer = subprocess.Popen(
                [POLICYSEARCH, "add", "-q", "--index", live.index, *paths[start : start + PARALLEL_FROM - 1]],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            shown = len(added(live, counts, order))
            deadline = time.monotonic() + 120
            while len(added(live, counts, order)) == shown and writer.poll() is None:  # at work
                assert time.monotonic() < deadline
                time.sleep(0.02)
            time.sleep(rng.uniform(0, 0.1))  # at work: within a report or between two
            hits.append(writer.poll() is None)
            writer.send_signal(signal.SIGKILL)
            writer.wait(30)
            kept.append(len(added(live, counts, order)))  # checked whole, in order
    finally:
        served = prober.finish()
    assert sum(hits) == 3, f"only {sum(hits)} of {len(hits)} writers were killed at work"
    assert 0 < kept[0] and kept == sorted(kept) and kept[-1] < len(order), kept
    # the next writer does not wait for the killed one's lock, and the server shows its reports
    out = subprocess.run(
        [POLICYSEARCH, "add", "-q", "--index", live.index, *paths], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0 and "waiting" not in out.stderr, out.stderr
    assert added(live, counts, order) == order
    print(f"\nwriters killed mid-add under the server: reports kept after each kill {kept}, {served} requests 200")


def replace_meta_with_garbage(index: str):
    meta = os.path.join(index, "policysearch.json")
    kept = open(meta, "rb").read()
    with open(meta, "wb") as f:
        f.write(b'{"schema": \x00garbage')
    return lambda: open(meta, "wb").write(kept)


def move_away(path: str):
    os.rename(path, path + ".away")
    return lambda: os.rename(path + ".away", path)


def current_generation(index: str) -> str:
    with open(os.path.join(index, "policysearch.json"), encoding="utf-8") as f:
        return os.path.join(index, json.load(f)["current"])


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(lambda index: move_away(index), id="index folder renamed away"),
        pytest.param(lambda index: move_away(current_generation(index)), id="current generation renamed away"),
        pytest.param(replace_meta_with_garbage, id="policysearch.json garbage"),
    ],
)
def test_an_unreadable_index_gets_a_clear_error_then_is_served_again(live, fault):
    expected = {path: live.get(path, {"q": '"城中村"'}) for path in ROUTES}
    assert all(status == 200 for status, _, _ in expected.values())
    restore = fault(live.index)
    try:
        for path in ROUTES:
            status, headers, body = live.get(path, {"q": '"城中村"'})
            assert status == 503, (path, status, body[:300])
            assert "Traceback" not in body
            kind = headers["content-type"]
            if kind.startswith("application/json"):
                message = json.loads(body)["error"]
            elif kind.startswith("text/html"):
                message = " ".join(elements(body, "p", "error")[0][1].split())
            else:
                message = body.strip()
            assert live.index in message and len(message) < 300, message
    finally:
        restore()
    for path in ROUTES:  # the same answers as before, from the same process
        status, _, body = live.get(path, {"q": '"城中村"'})
        assert status == 200 and body == expected[path][2]
    shutil.rmtree(live.index + ".away", ignore_errors=True)


def test_a_reader_retries_a_listing_that_caught_a_commit_mid_rename(tmp_path, monkeypatch):
    """The load test found it: a folder listing taken while a commit renamed its table of contents
    in held neither the old one nor the new, and the page said "Index 'MAIN' does not exist"."""
    from whoosh import index as whoosh_index

    from policysearch import Index

    path = build_index(tmp_path)
    real, calls = whoosh_index.open_dir, []

    def racing(*args, **kwargs):
        calls.append(args)
        if len(calls) <= 2:
            raise whoosh_index.EmptyIndexError(f"Index 'MAIN' does not exist in {args[0]}")
        return real(*args, **kwargs)

    monkeypatch.setattr(whoosh_index, "open_dir", racing)
    assert Index(path).search('"城中村"').total > 0 and len(calls) == 3
