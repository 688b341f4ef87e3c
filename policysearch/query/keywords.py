"""The words most characteristic of a focus set of paragraphs against a reference set, scored as
Sketch Engine's simple maths: (per million in focus + 1) / (per million in reference + 1).

Counts are over the words the index holds (jieba's, lowercased, without the stop words of the
words field), exactly: each segment keeps its paragraphs' words beside it as numbers and counts
(store/forms.py), written with the segment, so a set's counts are sums over its paragraphs' runs
in numpy, and the reports using a word are its distinct (report, word) pairs. The whole index's
counts are kept per snapshot.
"""

from __future__ import annotations

import re

from ..errors import QueryError
from ..store.snapshot import DocSet, Snapshot
from . import evaluator, filter_nodes
from .analyze import scope, with_filters
from .parse import parse

MIN_REPORTS = 2
NUMBER = re.compile(r"^[\d.,:：%‰+\-/~×·]+$")  # 2024, 3.5, 100%, 14-01
# One-character words that carry grammar, not a topic (particles, prepositions, conjunctions,
# pronouns, adverbs, measure words); one-character content words (镇, 村, 房) stay.
FUNCTION_CHARS = frozenset(
    "的了和与及在是等对为以将把被从向于并或也都而且之其由按给让这那就又再还但所如着过地得各"
    "每该此至到个项年月日次位名要有无不没已能可会需应使即则若因故乃亦既仍很更最较均共约另"
    "我你他她它们本我市区县镇"
)


def shown(word: str) -> bool:
    """A word worth listing: not a number, not punctuation, not a one-character function word."""
    return not NUMBER.match(word) and not (len(word) == 1 and (word in FUNCTION_CHARS or not word.isalnum()))


def report_array(snapshot: Snapshot):
    """The numbers of the snapshot's report documents, in numpy, once per snapshot."""
    if "keywords_reports" not in snapshot.cache:
        import numpy as np

        snapshot.cache["keywords_reports"] = np.array(snapshot.report_numbers(), dtype=np.uint32)
    return snapshot.cache["keywords_reports"]


def set_counts(snapshot: Snapshot, numbers: DocSet) -> list[int]:
    """How often each word of the snapshot's vocabulary occurs in a set of paragraphs (the whole
    index's counted once per snapshot)."""
    whole = numbers is snapshot.universe
    if whole and "universe_words" in snapshot.cache:
        return snapshot.cache["universe_words"]
    counts = snapshot.forms().word_counts(numbers)[0].tolist()
    if whole:
        snapshot.cache["universe_words"] = counts
    return counts


def per_million(count: int, total: int) -> float:
    return count * 1e6 / total if total else 0.0


def keywords(
    snapshot: Snapshot,
    focus: str = "",
    *,
    vs: str | None = None,
    limit: int | None = 30,
    min_reports: int = MIN_REPORTS,
    **filters,
) -> dict:
    """The words of the focus (a query: filters such as town:车墩镇, words, phrases; and the keyword
    filters) most characteristic against the reference `vs` (a query; the whole index when None),
    used by at least `min_reports` reports of the focus; the first `limit` (all when None).
    Raises QueryError."""
    if min_reports < 1 or (limit is not None and limit < 0):
        raise QueryError("min_reports must be at least 1 and limit not negative")
    ev = evaluator(snapshot)
    extra = filter_nodes(**filters)
    if not focus.strip() and not extra:
        raise QueryError("name the focus: filters such as town:车墩镇 or --town 车墩镇, or a query")
    focus_set = ev.evaluate(with_filters(parse(focus), extra)) if focus.strip() else scope(ev, extra)
    reference_set = ev.evaluate(parse(vs)) if vs and vs.strip() else snapshot.universe
    forms = snapshot.forms()
    words, _ = forms.vocabulary()
    counted, using = forms.word_counts(focus_set, report_array(snapshot))
    focus_counts, reference_counts = counted.tolist(), set_counts(snapshot, reference_set)
    focus_total, reference_total = sum(focus_counts), sum(reference_counts)
    scored = []
    for i in (using >= min_reports).nonzero()[0].tolist():  # words of enough focus reports
        word, n = words[i], focus_counts[i]
        if not shown(word):
            continue
        f, r = per_million(n, focus_total), per_million(reference_counts[i], reference_total)
        scored.append(((f + 1) / (r + 1), n, word, f, r, i))
    scored.sort(key=lambda row: (-row[0], -row[1], row[2]))
    reports = using.tolist()
    rows = [
        {
            "word": word,
            "score": round(score, 3),
            "focus_count": n,
            "reference_count": reference_counts[i],
            "focus_per_million": round(f, 1),
            "reference_per_million": round(r, 1),
            "focus_reports": reports[i],
        }
        for score, n, word, f, r, i in (scored if limit is None else scored[:limit])
    ]
    named = " ".join(filter(None, [focus.strip(), *(f"{f.name}:{years_text(f.value)}" for f in extra)]))
    sides = {"focus": (named, focus_set, focus_total), "reference": (vs or "", reference_set, reference_total)}
    return {
        **{
            side: {"query": query, "paragraphs": len(docs), "reports": snapshot.count_reports(docs), "words": total}
            for side, (query, docs, total) in sides.items()
        },
        "keywords": rows,
    }


def years_text(value) -> str:
    """A filter's value as the query language writes it (years as 2024 or 2022-2025)."""
    if isinstance(value, tuple):
        return str(value[0]) if value[0] == value[1] else f"{value[0]}-{value[1]}"
    return str(value)
