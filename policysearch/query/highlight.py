"""Highlights and snippets: every occurrence of the query's text in a paragraph, found in the
match form and shown in the text, and a hit made of a paragraph and its report."""

from __future__ import annotations

from ..model import Hit, Paragraph, ReportEntry
from ..text import match_form, match_map
from .parse import Node, Phrase, Word, exact_run

SNIPPET_BEFORE, SNIPPET_AFTER = 25, 60


def highlight_terms(texts: list[Phrase | Word], tree: Node, cut) -> list[str]:
    """The match forms to mark in a hit: the whole run, then each phrase and each word."""
    forms = []
    run = exact_run(tree, cut)
    if run:
        forms.append(run)
    for node in texts:
        if isinstance(node, Word):
            forms += [match_form(w) for w in cut(node.text)]
        else:
            forms.append(match_form(node.text))
    return [f for f in dict.fromkeys(forms) if f]


def term_spans(text: str, terms: list[str]) -> list[tuple[int, int, int]]:
    """(start, end, term number) in `text` of every occurrence of the terms, found in the match form."""
    form, where = match_map(text)
    spans = []
    for n, term in enumerate(terms):
        start = form.find(term)
        while start >= 0:
            spans.append((where[start], where[start + len(term) - 1] + 1, n))
            start = form.find(term, start + 1)
    return sorted(spans)


def merge(spans) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for a, b, *_ in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def highlights(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Character spans in `text` of every occurrence of the terms (whole phrases), merged."""
    return merge(term_spans(text, terms))


def snippet_window(text: str, spans: list[tuple[int, int, int]]) -> tuple[int, int]:
    """About two lines of text around the match that has the most different terms near it."""
    if not spans:
        return 0, min(len(text), SNIPPET_BEFORE + SNIPPET_AFTER)
    width = SNIPPET_BEFORE + SNIPPET_AFTER
    best = max(spans, key=lambda s: (len({n for a, b, n in spans if s[0] <= a and b <= s[0] + width}), -s[0]))
    start = max(0, best[0] - SNIPPET_BEFORE)
    return start, min(len(text), start + width)


def make_hit(paragraph: Paragraph, report: ReportEntry | None, score: float, terms: list[str]) -> Hit:
    text = paragraph.text
    found = term_spans(text, terms)
    spans = merge(found)
    start, end = snippet_window(text, found)
    snippet = ("…" if start else "") + text[start:end].replace("\n", " ") + ("…" if end < len(text) else "")
    meta = report or ReportEntry(paragraph.doc_id, "", None, None, None, None, None, None)
    return Hit(
        id=paragraph.id,
        doc_id=paragraph.doc_id,
        text=text,
        snippet=snippet,
        highlights=spans,
        town=meta.town,
        district=meta.district,
        year=meta.year,
        date=meta.date,
        doc_type=meta.doc_type,
        title=meta.title,
        province=meta.province,
        city=meta.city,
        section=paragraph.section,
        section_type=paragraph.section_type,
        score=round(score, 4),
        position=paragraph.position,
        snippet_span=(start, end),
    )
