"""Ranking: BM25 over jieba words (Whoosh's BM25F, score for score), the paragraphs that hold
the whole query as one run first; or newest first."""

from __future__ import annotations

import heapq
import sys
from itertools import compress
from math import log

from ..store.forms import posting_arrays
from ..store.snapshot import DocSet
from ..text import match_form
from .evaluate import Evaluator
from .parse import Node, Phrase, Word, exact_run

RUN_BONUS = 1000.0  # a paragraph holding the whole query as one run outranks any without it
B, K1 = 0.75, 1.2  # Whoosh's BM25F defaults: the scores are the ones Whoosh gives
# Postings from which numpy scores faster than Python's ~0.45 us a posting (measured on a million
# real paragraphs): once numpy is loaded, and when its import (~0.15 s) must be paid too.
NUMPY_POSTINGS, NUMPY_IMPORT_POSTINGS = 2_000, 350_000


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
    set. Many postings are scored in one numpy pass over arrays (numpy_pays); a few in Python,
    which spares a fresh query numpy's import (~0.15 s, half of what the rest of it takes)."""

    def __init__(self, ev: Evaluator, words: list[str], docs: DocSet):
        forms = ev.snapshot.forms()
        postings = {w: forms.posting_runs(w) for w in words}
        self.docs = docs
        self.arrays: tuple | None = None  # bm25_numpy's
        self.scores: dict[int, float] = {}
        if numpy_pays(sum(len(d) for runs in postings.values() for _, d, _ in runs)):
            self.arrays = bm25_numpy(ev, postings, docs)
        else:
            self.scores = bm25(ev, postings, docs)

    def best(self, group: DocSet, need: int | None) -> list[tuple[int, float]]:
        """The `need` best (all when None) of the paragraphs of `group` (a part of the set) that
        hold any of the words, by score, then number."""
        whole = len(group) == len(self.docs)
        if self.arrays is not None:
            numbers, scores_of = self.arrays
            return best_numpy(numbers, scores_of, None if whole else group, need)
        scores = self.scores if whole else {d: v for d, v in self.scores.items() if d in group}
        if need is not None and len(scores) > need:  # the need-th best score, then only those at or above it
            cut = heapq.nlargest(need, scores.values())[-1]
            kept = list(compress(scores, map(cut.__le__, scores.values())))
            scores = dict(zip(kept, map(scores.__getitem__, kept)))
        return sorted(scores.items(), key=lambda ds: (-ds[1], ds[0]))[:need]


def numpy_pays(postings: int) -> bool:
    """Whether numpy scores this many postings faster than Python, counting its import if it is
    not loaded yet. Python reads every posting, however few paragraphs the set has: a long phrase
    of common words has a few hits and hundreds of thousands of postings."""
    return postings >= (NUMPY_POSTINGS if "numpy" in sys.modules else NUMPY_IMPORT_POSTINGS)


def bm25(ev: Evaluator, postings: dict[str, list], group: DocSet) -> dict[int, float]:
    """{number: score} of the paragraphs of `group` that hold any of the words, as Whoosh's BM25F
    scores an OR of the words (tested equal), over the words' posting runs (Forms.posting_runs,
    {word: runs}): Whoosh's collector scores one document per call. The idf is Whoosh's
    (WeightingModel.idf): over all the documents of the segments, deleted ones and those not yet
    covered too; the scores are of `group`'s only (no deleted document is in a group). The same
    arithmetic in the same order as bm25_numpy, so the same floats."""
    snap, scores = ev.snapshot, dict[int, float]()
    documents, normal, lengths, member = snap.forms().documents, norms(ev), snap.lengths(), group.__contains__
    for runs in postings.values():
        frequency = sum(len(docs) for _, docs, _ in runs)
        if not frequency:
            continue
        top = (log(documents / (frequency + 1)) + 1) * (K1 + 1)
        get = scores.get
        for base, docs, counts in runs:
            for d, tf in zip(docs, counts):
                d += base
                if member(d):
                    scores[d] = get(d, 0.0) + top * tf / (tf + normal[lengths[d]])
    return scores


def bm25_numpy(ev: Evaluator, postings: dict[str, list], group: DocSet) -> tuple:
    """bm25 in numpy: (numbers ascending, scores) of the paragraphs of `group` that hold any of
    the words, over the same posting runs as arrays (forms.posting_arrays)."""
    import numpy as np

    snap = ev.snapshot
    forms = snap.forms()
    member = np.zeros(forms.documents, dtype=bool)
    member[np.frombuffer(group.to_array(), dtype=np.uint32)] = True
    if "norm_array" not in snap.cache:
        snap.cache["norm_array"] = np.array(norms(ev))
    normal = snap.cache["norm_array"]
    lengths = np.frombuffer(snap.lengths(), dtype=np.uint8)
    numbers, scores = [np.zeros(0, np.int64)], [np.zeros(0)]
    for runs in postings.values():
        docs, tf = posting_arrays(runs)
        if not len(docs):
            continue
        top = (log(forms.documents / (len(docs) + 1)) + 1) * (K1 + 1)
        mine = member[docs]
        docs, tf = docs[mine], tf[mine].astype(np.float64)
        numbers.append(docs)
        scores.append(top * tf / (tf + normal[lengths[docs]]))
    if len(numbers) <= 2:
        return numbers[-1], scores[-1]
    every, at = np.unique(np.concatenate(numbers), return_inverse=True)  # a paragraph's words' scores, summed
    return every, np.bincount(at, weights=np.concatenate(scores))


def best_numpy(numbers, scores, group: DocSet | None, need: int | None) -> list[tuple[int, float]]:
    """The `need` best of bm25_numpy's paragraphs (of `group` only, when given), found by partition."""
    import numpy as np

    if group is not None:
        part = np.frombuffer(group.to_array(), dtype=np.uint32)
        at = np.minimum(np.searchsorted(part, numbers), len(part) - 1)
        mine = part[at] == numbers
        numbers, scores = numbers[mine], scores[mine]
    if need is not None and len(numbers) > need:  # the need-th best score, then only those at or above it
        cut = np.partition(scores, len(scores) - need)[len(scores) - need]
        numbers, scores = numbers[scores >= cut], scores[scores >= cut]
    best = np.lexsort((numbers, -scores))[:need]
    return list(zip(numbers[best].tolist(), scores[best].tolist()))


def norms(ev: Evaluator) -> list[float]:
    """BM25's length normalisation (K1 * (1 - B + B * length / average)) of each length byte, as
    Whoosh's BM25F computes it, once per snapshot."""
    snap = ev.snapshot
    if "norms" not in snap.cache:
        average = snap.average_length() or 1
        snap.cache["norms"] = [K1 * ((1 - B) + B * (snap.length_of_byte[b] if b else 1) / average) for b in range(256)]
    return snap.cache["norms"]


def vocabulary_words(ev: Evaluator, phrase: str) -> list[str]:
    """Words of a quoted phrase for ranking, without loading jieba: the longest words of the index's
    own vocabulary (which jieba made), left to right."""
    text, out, i = match_form(phrase).lower(), [], 0
    while i < len(text):
        for j in range(min(len(text), i + 8), i, -1):
            if ev.snapshot.forms().has_word(text[i:j]):
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
