"""What numpy does for many hits gives what the Python path gives: ranking (query/rank.py
Scores: the same pages, score for score, ties broken by document number, for whole and
filtered groups) and the count of reports (store/snapshot.py count_reports)."""

from __future__ import annotations

import importlib

import pytest

from policysearch import Index
from policysearch.query.evaluate import Evaluator
from policysearch.store import snapshot as store_snapshot
from policysearch.store.snapshot import DocSet

rank = importlib.import_module("policysearch.query.rank")  # the module (the package exports its function rank)


@pytest.fixture(scope="module")
def long_index(tmp_path_factory):
    """One report of 700 paragraphs whose words recur with different counts and lengths, so that
    scores tie and differ; a second report so that a paragraph's report varies."""
    folder = tmp_path_factory.mktemp("c")
    lines = [f"第{i}项：推进发展" + "发展改革" * (i % 4) + "社区治理" * (i % 3) + "。" * (i % 7) for i in range(700)]
    (folder / "长报告.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    (folder / "短报告.txt").write_text("社区治理和发展。\n\n养老服务。\n", encoding="utf-8")
    ix = Index(tmp_path_factory.mktemp("ix") / "ix")
    ix.build(str(folder))
    return ix


def test_numpy_scores_equal_the_python_ones(long_index, monkeypatch):
    snap = long_index.snapshot()
    ev = Evaluator(snap, None)
    everything = snap.universe
    groups = {
        "all": everything,
        "scattered": DocSet(d for d in everything if d % 3 == 0),
        "neighbours": DocSet(d for d in everything if 250 <= d < 262),
        "one": DocSet([next(iter(everything))]),
    }
    for words in (["发展"], ["发展", "社区"], ["社区", "改革", "养老"], ["没有的词"]):
        for name, group in groups.items():
            for need in (None, 1, 10, 50):
                # the group scored by itself, and as a part of all hits scored at once (rank's two groups)
                monkeypatch.setattr(rank, "numpy_pays", lambda postings: False)
                python = rank.Scores(ev, words, group).best(group, need)
                assert rank.Scores(ev, words, everything).best(group, need) == python, (words, name, need)
                monkeypatch.setattr(rank, "numpy_pays", lambda postings: True)
                numpy = rank.Scores(ev, words, group).best(group, need)
                assert rank.Scores(ev, words, everything).best(group, need) == numpy, (words, name, need)
                monkeypatch.undo()
                assert numpy == python, (words, name, need)
                assert numpy or words == ["没有的词"] or name == "one"


def test_a_search_ranks_the_same_with_numpy(long_index, monkeypatch):
    """Whole searches, pages beyond the first and the run bonus included."""
    queries = [("发展", {}), ("发展 社区", {}), ('"发展改革"', {}), ("社区治理 OR 养老", {})]
    for query, kw in queries:
        for offset in (0, 5, 40):
            monkeypatch.setattr(rank, "numpy_pays", lambda postings: False)
            python = long_index.search(query, limit=10, offset=offset, **kw)
            monkeypatch.setattr(rank, "numpy_pays", lambda postings: True)
            numpy = long_index.search(query, limit=10, offset=offset, **kw)
            monkeypatch.undo()
            assert [(h.id, h.score) for h in numpy.hits] == [(h.id, h.score) for h in python.hits], (query, offset)
            assert python.hits or offset == 40


def test_numpy_counts_the_reports_the_python_loop_counts(long_index, sample_index, monkeypatch):
    for ix in (long_index, sample_index):
        snap = ix.snapshot()
        every = snap.universe
        sets = [
            every,
            DocSet(d for d in every if d % 7 == 0),
            DocSet([every.min()]),
            DocSet([every.max()]),
            DocSet(d for d in every if d > every.max() - 40),
            Evaluator(snap, None).substring("社区", None),
        ]
        for found in sets:
            monkeypatch.setattr(store_snapshot, "FEW_FOR_NUMPY", len(found))  # the loop, numpy loaded or not
            python = snap.count_reports(found)
            monkeypatch.undo()
            monkeypatch.setattr(store_snapshot, "MANY", 1)
            numpy = snap.count_reports(found)
            monkeypatch.undo()
            assert numpy == python and python >= 1, (len(found), python, numpy)
        assert snap.count_reports(every) == len(ix.reports())
