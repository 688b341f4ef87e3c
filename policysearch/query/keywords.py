"""The words most characteristic of a focus set of paragraphs against a reference set, scored as
Sketch Engine's simple maths: (per million in focus + 1) / (per million in reference + 1).

Counts are over the words the index holds (jieba's, lowercased, without the stop words of the
words field), exactly: a set's words are its paragraphs' stored texts cut again as they were cut
for the index (store.schema.word_counts of text.segment); the whole index's are the segments'
own term frequencies, less the paragraphs they hold that are not there. A reference that is most
of the index is the whole index less the rest, so that only the smaller side is ever cut.
"""

from __future__ import annotations

import re
from collections import Counter

from ..errors import QueryError
from ..store.schema import word_counts
from ..store.snapshot import DocSet, Snapshot
from ..text import segment
from . import evaluator, filter_nodes
from .analyze import scope, with_filters
from .parse import parse

MIN_REPORTS = 2
LEXICON_CHARS = 100_000  # characters up to which a set is cut with the index's lexicon (see cut_counts)
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


def cut_counts(snapshot: Snapshot, numbers: DocSet) -> tuple[Counter, dict[str, set]]:
    """The words of the paragraphs (as the index holds them) and, per word, the reports using it."""
    counts: Counter = Counter()
    reports: dict[str, set] = {}
    docs = [doc for _, doc in snapshot.stored(numbers) if doc.get("kind") == "p"]
    # The index's lexicon looks words up in SQLite as it meets them: quicker for a few paragraphs
    # than loading jieba's dictionary (about a second), three times slower for many.
    lexicon = snapshot.lexicon if sum(len(doc["text"]) for doc in docs) < LEXICON_CHARS else None
    for doc in docs:
        mine = word_counts(" ".join(segment(doc["text"], lexicon)))
        counts.update(mine)
        for word in mine:
            reports.setdefault(word, set()).add(doc["doc_id"])
    return counts, reports


def universe_counts(snapshot: Snapshot) -> Counter:
    """The words of every paragraph that is there: the segments' term frequencies, less the words
    of the paragraphs they hold that are not there (deleted, or beyond the end)."""
    if "universe_words" not in snapshot.cache:
        counts = Counter(snapshot.word_totals())
        counts.subtract(cut_counts(snapshot, snapshot.outside_universe())[0])
        snapshot.cache["universe_words"] = +counts
    return snapshot.cache["universe_words"]


def set_counts(snapshot: Snapshot, numbers: DocSet) -> Counter:
    """The words of a set of paragraphs, cutting whichever is smaller: the set or the rest."""
    universe = snapshot.universe
    if len(numbers) * 2 <= len(universe):
        return cut_counts(snapshot, numbers)[0]
    counts = Counter(universe_counts(snapshot))
    counts.subtract(cut_counts(snapshot, universe - numbers)[0])
    return +counts


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
    focus_counts, focus_reports = cut_counts(snapshot, focus_set)
    reference_counts = (
        universe_counts(snapshot) if reference_set is snapshot.universe else set_counts(snapshot, reference_set)
    )
    focus_total, reference_total = sum(focus_counts.values()), sum(reference_counts.values())
    scored = []
    for word, n in focus_counts.items():
        if len(focus_reports[word]) < min_reports or not shown(word):
            continue
        f, r = per_million(n, focus_total), per_million(reference_counts[word], reference_total)
        scored.append(((f + 1) / (r + 1), n, word, f, r))
    scored.sort(key=lambda row: (-row[0], -row[1], row[2]))
    rows = [
        {
            "word": word,
            "score": round(score, 3),
            "focus_count": n,
            "reference_count": reference_counts[word],
            "focus_per_million": round(f, 1),
            "reference_per_million": round(r, 1),
            "focus_reports": len(focus_reports[word]),
        }
        for score, n, word, f, r in (scored if limit is None else scored[:limit])
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
