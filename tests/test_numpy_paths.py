"""What numpy does for many hits gives what the Python path gives: the count of reports
(store/snapshot.py count_reports). (Ranking has one path, in numpy: tests/test_search.py.)"""

from __future__ import annotations

import pytest

from policysearch import Index
from policysearch.query.evaluate import Evaluator
from policysearch.store import snapshot as store_snapshot
from policysearch.store.snapshot import DocSet


@pytest.fixture(scope="module")
def long_index(tmp_path_factory):
    """One report of 700 paragraphs and a second report, so that a paragraph's report varies."""
    folder = tmp_path_factory.mktemp("c")
    lines = [f"第{i}项：推进发展" + "发展改革" * (i % 4) + "社区治理" * (i % 3) + "。" * (i % 7) for i in range(700)]
    (folder / "长报告.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    (folder / "短报告.txt").write_text("社区治理和发展。\n\n养老服务。\n", encoding="utf-8")
    ix = Index(tmp_path_factory.mktemp("ix") / "ix")
    ix.build(str(folder))
    return ix


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
