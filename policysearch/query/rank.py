"""Ranking: BM25 over jieba words (Whoosh's BM25F, score for score), the paragraphs that hold
the whole query as one run first; or newest first."""

from __future__ import annotations

import heapq
from itertools import compress

from ..store.snapshot import MANY, DocSet
from ..text import match_form
from .evaluate import Evaluator
from .parse import Node, Phrase, Word, exact_run

RUN_BONUS = 1000.0  # a paragraph holding the whole query as one run outranks any without it
B, K1 = 0.75, 1.2  # Whoosh's BM25F defaults: the scores are the ones Whoosh gives


def rank(
    ev: Evaluator, tree: Node, texts: list[Phrase | Word], found: DocSet, want: int | None
) -> list[tuple[int, float]]:
    """BM25 over jieba words, with the paragraphs that hold the whole query as one run first.
    Only the first `want` are ranked (all when None)."""
    assert ev.cut is not None
    words: list[str] = []
    for node in texts:
        words += ev.cut(node.text) if isinstance(node, Word) else vocabulary_words(ev, node.text)
    words = [w.lower() for w in dict.fromkeys(words)]
    run = exact_run(tree, ev.cut)
    first = ev.substring(run, found) if run else DocSet()
    # When the run's paragraphs do not fill the page, the others are ranked too: the words'
    # postings are then read once, for all hits.
    scores = Scores(ev, words, found if want is None or len(first) < want else first)
    order: list[tuple[int, float]] = []
    for group, bonus in ((first, RUN_BONUS), (found - first, 0.0)):
        need = None if want is None else want - len(order)
        if not group or need == 0:
            continue
        best = scores.best(group, need)
        order += [(d, s + bonus) for d, s in best]
        if need is None or len(best) < need:  # then the page holds some with no query word: index order
            rest = group - DocSet(d for d, _ in best)  # (best holds every paragraph that has a word)
            order += [(d, bonus) for d in (rest if need is None else rest[: need - len(best)])]
    return order


class Scores:
    """BM25 of the paragraphs of a set that hold any of the words, and the best of any part of the
    set. Many postings are scored in one numpy pass over arrays; a few in Python, which spares a
    query numpy's import (~0.1 s)."""

    def __init__(self, ev: Evaluator, words: list[str], docs: DocSet):
        postings = sum(ev.snapshot.doc_frequency("words", w) for w in words)
        self.docs = docs
        self.arrays: tuple | None = None  # scores_numpy's
        self.scores: dict[int, float] = {}
        if min(postings, len(docs)) >= MANY:
            self.arrays = scores_numpy(ev, words, docs)
        else:
            self.scores = bm25(ev, words, docs)

    def best(self, group: DocSet, need: int | None) -> list[tuple[int, float]]:
        """The `need` best (all when None) of the paragraphs of `group` (a part of the set) that
        hold any of the words, by score, then number."""
        whole = len(group) == len(self.docs)
        if self.arrays is not None:
            docs, scores = self.arrays
            return best_numpy(docs, scores, None if whole else group, need)
        scores = self.scores if whole else {d: v for d, v in self.scores.items() if d in group}
        if need is not None and len(scores) > need:  # the need-th best score, then only those at or above it
            cut = heapq.nlargest(need, scores.values())[-1]
            kept = list(compress(scores, map(cut.__le__, scores.values())))
            scores = dict(zip(kept, map(scores.__getitem__, kept)))
        return sorted(scores.items(), key=lambda ds: (-ds[1], ds[0]))[:need]


def scores_numpy(ev: Evaluator, words: list[str], group: DocSet) -> tuple:
    """(numbers, scores) of the paragraphs of `group` that hold any of the words, in numpy: the
    same arithmetic in the same order per document as bm25 (so the same floats), summed into an
    array over the snapshot's documents."""
    import numpy as np

    snap = ev.snapshot
    if "norm_array" not in snap.cache:
        snap.cache["norm_array"] = np.array(norms(ev))
    normal = snap.cache["norm_array"]
    member = np.zeros(len(normal), dtype=bool)
    member[np.frombuffer(group.to_array(), dtype=np.uint32)] = True
    total = np.zeros(len(normal))
    seen = np.zeros(len(normal), dtype=bool)
    for word in words:
        if not snap.has_term("words", word):
            continue
        ids: list[int] = []
        tfs: list[float] = []
        for block_ids, block_tfs in snap.blocks("words", word, weights=True):
            ids += block_ids
            tfs += block_tfs
        numbers, tf = np.array(ids, dtype=np.intp), np.array(tfs, dtype=np.float64)
        mine = member[numbers]
        numbers, tf = numbers[mine], tf[mine]
        total[numbers] += snap.idf("words", word) * (K1 + 1) * tf / (tf + normal[numbers])
        seen[numbers] = True
    docs = np.flatnonzero(seen)
    return docs, total[docs]


def best_numpy(docs, scores, group: DocSet | None, need: int | None) -> list[tuple[int, float]]:
    """The `need` best of scores_numpy's paragraphs (of `group` only, when given), found by partition."""
    import numpy as np

    if group is not None:
        part = np.frombuffer(group.to_array(), dtype=np.uint32)
        at = np.minimum(np.searchsorted(part, docs), len(part) - 1)
        mine = part[at] == docs
        docs, scores = docs[mine], scores[mine]
    if need is not None and len(docs) > need:  # the need-th best score, then only those at or above it
        cut = np.partition(scores, len(scores) - need)[len(scores) - need]
        docs, scores = docs[scores >= cut], scores[scores >= cut]
    best = np.lexsort((docs, -scores))[:need]
    return list(zip(docs[best].tolist(), scores[best].tolist()))


def norms(ev: Evaluator) -> list[float]:
    """Every document's BM25 length normalisation (K1 * (1 - B + B * length / average)), as
    Whoosh's BM25F computes it from the length byte, once per snapshot."""
    snap = ev.snapshot
    if "norms" not in snap.cache:
        average = snap.average_length("words") or 1
        norm = [K1 * ((1 - B) + B * (snap.length_of_byte[b] if b else 1) / average) for b in range(256)]
        snap.cache["norms"] = list(map(norm.__getitem__, snap.lengths()))
    return snap.cache["norms"]


def bm25(ev: Evaluator, words: list[str], group: DocSet) -> dict[int, float]:
    """BM25 of the paragraphs of `group` that hold any of the words, as Whoosh's BM25F scores an
    OR of the words (tested equal), computed over posting blocks instead of Whoosh's collector,
    which scores one document per call and cannot skip blocks when filtered."""
    scores: dict[int, float] = {}
    if not words or not group:
        return scores
    snap, normal = ev.snapshot, norms(ev)
    among = list(group)  # sorted; a report's paragraphs are neighbours: a filtered group skips most blocks
    member = group.__contains__
    for word in words:
        if not snap.has_term("words", word):
            continue
        top = snap.idf("words", word) * (K1 + 1)
        mine = {
            d: top * tf / (tf + normal[d])
            for ids, tfs in snap.blocks("words", word, weights=True, among=among)
            for d, tf in zip(ids, tfs)
            if member(d)
        }
        if scores:
            get = scores.get
            mine = {d: v + get(d, 0.0) for d, v in mine.items()}
        scores.update(mine)
    return scores


def vocabulary_words(ev: Evaluator, phrase: str) -> list[str]:
    """Words of a quoted phrase for ranking, without loading jieba: the longest words of the index's
    own vocabulary (which jieba made), left to right."""
    text, out, i = match_form(phrase).lower(), [], 0
    while i < len(text):
        for j in range(min(len(text), i + 8), i, -1):
            if ev.snapshot.has_term("words", text[i:j]):
                out.append(text[i:j])
                i = j
                break
        else:
            i += 1
    return out


def by_date(ev: Evaluator, found: DocSet) -> list[tuple[int, float]]:
    """Newest first; within a report, in reading order."""
    date, position = ev.snapshot.column("date"), ev.snapshot.column("position")
    newest = sorted(found, key=lambda d: (date[d] or "", -position[d]), reverse=True)
    return [(d, 0.0) for d in newest]
