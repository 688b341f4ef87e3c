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


def shown_words(snapshot: Snapshot, words: list[str]):
    """Which words of the snapshot's vocabulary are worth listing (numpy bools), once per snapshot."""
    if "keywords_shown" not in snapshot.cache:
        import numpy as np

        snapshot.cache["keywords_shown"] = np.fromiter(map(shown, words), dtype=bool, count=len(words))
    return snapshot.cache["keywords_shown"]


def set_counts(snapshot: Snapshot, numbers: DocSet):
    """How often each word of the snapshot's vocabulary occurs in a set of paragraphs (numpy; the
    whole index's counted once per snapshot)."""
    whole = numbers is snapshot.universe
    if whole and "universe_words" in snapshot.cache:
        return snapshot.cache["universe_words"]
    forms = snapshot.forms()
    counts = forms.word_counts(forms.runs(numbers))
    if whole:
        snapshot.cache["universe_words"] = counts
    return counts


def per_million(counts, total: int):
    return counts * 1e6 / total if total else counts * 0.0


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
    import numpy as np

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
    runs = forms.runs(focus_set)
    focus_counts, reference_counts = forms.word_counts(runs), set_counts(snapshot, reference_set)
    focus_total, reference_total = int(focus_counts.sum()), int(reference_counts.sum())
    # the focus's words worth listing, scored in numpy, by score, then count; the word breaks ties
    kept = ((focus_counts > 0) & shown_words(snapshot, words)).nonzero()[0]
    n = focus_counts[kept]
    f, r = per_million(n, focus_total), per_million(reference_counts[kept], reference_total)
    score = (f + 1) / (r + 1)
    order = np.lexsort((-n, -score))
    # The reports using a word are counted for the best words only, as many more as the limit
    # needs: words of fewer focus reports than min_reports are passed over.
    take = len(order) if limit is None else 2 * limit + 8
    while True:
        window = order[:take]
        if take < len(order):  # the words tied with the window's last may come before it by their word
            tail, last = order[take:], order[take - 1]
            window = order[: take + int(((score[tail] == score[last]) & (n[tail] == n[last])).sum())]
        wanted = np.zeros(len(words), dtype=bool)
        wanted[kept[window]] = True
        using = forms.reports_using(runs, report_array(snapshot), wanted)
        listed = [j for j in window.tolist() if using[kept[j]] >= min_reports]
        if len(window) == len(order) or limit is not None and len(listed) >= limit:
            break
        take *= 4
    scores, counts = score.tolist(), n.tolist()
    ranked = sorted(listed, key=lambda j: (-scores[j], -counts[j], words[kept[j]]))
    rows = [
        {
            "word": words[kept[j]],
            "score": round(scores[j], 3),
            "focus_count": counts[j],
            "reference_count": int(reference_counts[kept[j]]),
            "focus_per_million": round(float(f[j]), 1),
            "reference_per_million": round(float(r[j]), 1),
            "focus_reports": int(using[kept[j]]),
        }
        for j in (ranked if limit is None else ranked[:limit])
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
