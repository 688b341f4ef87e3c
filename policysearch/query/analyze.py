"""How a topic moves across years and places, over one snapshot, counted exactly:
- trend: per value of a facet, a query's hits and their reports against all paragraphs and reports
  of that value under the same filters: DocSet intersections in C, no step per hit;
- kwic: every occurrence of a query's text in every hit, found in the match form (as the hits
  were) and shown in the text with its context;
- keywords (see keywords.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..errors import QueryError
from ..model import SECTION_TYPES, ReportEntry
from ..store.schema import FACETS
from ..store.snapshot import DocSet, Snapshot
from ..text import display_width, match_map
from . import evaluator, filter_nodes
from .evaluate import Evaluator
from .highlight import highlight_terms
from .parse import And, Field, Node, parse, positives

BY_NAMES = {"section": "section_type", "type": "doc_type"}  # the command's words for facets
PER = {"paragraphs": 1000, "reports": 100}  # rate: hits per 1,000 paragraphs, or % of reports
THIN = 3  # a cell of fewer reports says little about its place or year
KWIC_SORTS = ("year", "place", "left", "right")
SORT_CONTEXT = 50  # characters of context that --sort left/right compares
PLACE_KEYS = ("province", "city", "district", "town")


def facet_of(by: str) -> str:
    """The facet a --by word names (any facet of the schema; section and type for short)."""
    name = BY_NAMES.get(by, by)
    if name not in FACETS:
        words = [next((k for k, v in BY_NAMES.items() if v == f), f) for f in FACETS]
        raise QueryError(f"cannot count by {by!r}: use one of {', '.join(words)}")
    return name


def top_filters(tree: Node) -> frozenset[Field]:
    """The facet filters a query is ANDed with at its top level (town:车墩镇 "城中村")."""
    parts = tree.parts if isinstance(tree, And) else (tree,)
    return frozenset(p for p in parts if isinstance(p, Field) and p.name in FACETS)


def scope(ev: Evaluator, filters: Sequence[Field]) -> DocSet:
    """The paragraphs under the filters (all of them without any)."""
    return ev.evaluate(And(tuple(filters))) if filters else ev.snapshot.universe


def with_filters(tree: Node, filters: Sequence[Field]) -> Node:
    return And((tree, *filters)) if filters else tree


def cells_of(snapshot: Snapshot, name: str) -> list[tuple[object, DocSet]]:
    """(value, its paragraphs) of a facet, in the order a reader scans them (years and section
    types in their own order), and None for the paragraphs without a value, so that the cells of
    a query always add up to its hits."""
    values = snapshot.facets()[name]
    order = sorted(
        values,
        key=(lambda v: (SECTION_TYPES.index(v) if v in SECTION_TYPES else len(SECTION_TYPES), v))
        if name == "section_type"
        else None,
    )
    unknown = snapshot.universe - DocSet.union(DocSet(), *values.values())
    return [(v, values[v]) for v in order] + [(None, unknown)]


def rate(part: int, whole: int, per: str) -> float:
    return round(PER[per] * part / whole, 2) if whole else 0.0


def trend(
    snapshot: Snapshot, queries: Sequence[str] | str, *, by: str = "year", per: str = "paragraphs", **filters
) -> dict:
    """Per value of the facet `by`: each query's matching paragraphs and reports, all paragraphs
    and reports of the value under the same filters (the keyword ones and those the queries are
    ANDed with, which must be the same for every query), and the rate. Raises QueryError."""
    name = facet_of(by)
    if per not in PER:
        raise QueryError(f"per must be reports or paragraphs, not {per!r}")
    queries = [queries] if isinstance(queries, str) else list(queries)
    if not queries:
        raise QueryError("give one or more queries")
    trees = [parse(q) for q in queries]
    shared = {top_filters(t) for t in trees}
    if len(shared) > 1:
        raise QueryError(
            "the queries have different filters: give the filters once, as options, "
            "or compare places and years with --by"
        )
    ev = evaluator(snapshot)
    extra = filter_nodes(**filters)
    base = scope(ev, extra + list(shared.pop()))
    hits = [ev.evaluate(with_filters(t, extra)) for t in trees]
    cells: list[dict[str, Any]] = []
    for key, docs in cells_of(snapshot, name):
        whole = base & docs
        if not whole:
            continue
        paragraphs, reports = len(whole), snapshot.count_reports(whole)
        series = []
        for query, found in zip(queries, hits):
            mine = found & docs
            n, r = len(mine), snapshot.count_reports(mine) if mine else 0
            series.append(
                {
                    "query": query,
                    "paragraphs": n,
                    "reports": r,
                    "rate": rate(n, paragraphs, per) if per == "paragraphs" else rate(r, reports, per),
                }
            )
        cells.append(
            {
                "key": None if key is None else str(key),
                "series": series,
                "total_paragraphs": paragraphs,
                "total_reports": reports,
                "thin": reports < THIN,
            }
        )
    if name not in ("year", "section_type"):  # places and kinds: where it is said most first
        cells.sort(key=lambda c: (c["key"] is None, -sum(s["paragraphs"] for s in c["series"]), -c["total_paragraphs"]))
    return {"queries": queries, "by": name, "per": per, "cells": cells}


def occurrences(form: str, terms: list[str]) -> list[tuple[int, int]]:
    """[start, end) in a match form of every occurrence of the terms, overlapping ones too; one
    that lies inside an occurrence of a longer term (a word inside the whole run) is that one's."""
    spans = []
    for term in terms:
        at = form.find(term)
        while at >= 0:
            spans.append((at, at + len(term)))
            at = form.find(term, at + 1)
    if len(terms) == 1:  # one term: in order, and none inside another
        return spans
    kept, reach = [], -1
    for a, b in sorted(set(spans), key=lambda s: (s[0], -s[1])):
        if b > reach:
            kept.append((a, b))
            reach = b
    return kept


def countable(terms: list[str]) -> str | None:
    """The term whose occurrences str.count counts as occurrences() does: one term that cannot
    overlap itself (no start of it is also its end) and holds no NUL (Forms.joined_forms)."""
    term = terms[0]
    if len(terms) == 1 and "\0" not in term and not any(term.endswith(term[:k]) for k in range(1, len(term))):
        return term
    return None


def occurrence_counter(terms: list[str]) -> Callable[[str], int]:
    """A match form -> len(occurrences(form, terms)), counted in C where that is the same."""
    term = countable(terms)
    if term is not None:
        return lambda form: form.count(term)
    return lambda form: len(occurrences(form, terms))


def fit(text: str, width: int, from_end: bool = False) -> str:
    """As much of the text as fits in `width` display columns: its start, or its end."""
    if width <= 0:
        return ""
    out, used = [], 0
    for ch in reversed(text[-width:]) if from_end else text[:width]:
        used += display_width(ch)
        if used > width:
            break
        out.append(ch)
    return "".join(reversed(out) if from_end else out)


FLAT = str.maketrans("\n\r\t", "   ")  # a line of the concordance is one line


def kwic(
    snapshot: Snapshot, query: str, *, width: int = 40, sort: str = "year", limit: int | None = None, **filters
) -> dict:
    """A concordance: one line per occurrence of the query's text in the matching paragraphs, with
    `width` display columns of context on each side; sorted by year, place, or the context left
    or right of the match (the characters nearest it first, as AntConc); the first `limit` lines
    (all when None) and the total. Raises QueryError."""
    if sort not in KWIC_SORTS:
        raise QueryError(f"sort must be one of {', '.join(KWIC_SORTS)}, not {sort!r}")
    if width < 0 or (limit is not None and limit < 0):
        raise QueryError("width and limit must not be negative")
    tree = parse(query)
    ev = evaluator(snapshot)
    found = ev.evaluate(with_filters(tree, filter_nodes(**filters)))
    terms = highlight_terms(positives(tree, []), tree, ev.cut)
    by_report = sort in ("year", "place")
    forms, total, rank = snapshot.forms(), None, {}  # forms kept beside the segments: no text read
    if by_report:
        hits, order = report_order(snapshot, found, sort)
        if limit is not None:
            # lines sort by their paragraph's key: count every paragraph's, make those of the first only
            count, term = occurrence_counter(terms), countable(terms)
            if term is not None:  # a segment's forms in one string, counted in C
                total = sum(joined.count(term) for joined in forms.joined_forms(found))
            else:
                total = sum(count(form) for _, form in forms.match_forms(found))
            first: list[int] = []
            kept, at = 0, 0
            while kept < limit and at < len(order):  # the paragraphs in key order, a batch at a time
                batch = order[at : at + limit]
                at += limit
                batch_forms = dict(forms.match_forms(DocSet(hits[i] for i in batch)))
                for i in batch:
                    if kept >= limit:
                        break
                    first.append(i)
                    kept += count(batch_forms[hits[i]])
            order = first
        rank = {hits[i]: k for k, i in enumerate(order)}  # a paragraph -> its place in the order of keys
        found = DocSet(rank) if limit is not None else found
    # (sort key, paragraph number, start, end in the match form), made in reading order, which the
    # (stable) sort keeps among lines of equal keys
    lines: list[tuple[Any, int, int, int]] = []
    for number, form in forms.match_forms(found):
        for a, b in occurrences(form, terms):
            key: Any
            if by_report:
                key = rank[number]
            else:
                left, right = form[max(0, a - SORT_CONTEXT) : a][::-1], form[b : b + SORT_CONTEXT]
                key = (left, form[a:b], right, number) if sort == "left" else (form[a:b], right, left, number)
            lines.append((key, number, a, b))
    lines.sort(key=lambda line: line[0])
    shown = lines if limit is None else lines[:limit]
    docs = dict(snapshot.stored(DocSet(number for _, number, _, _ in shown)))  # the texts shown only
    maps: dict[str, list[int]] = {}  # a paragraph's match map, once for all its lines shown
    return {
        "query": query,
        "total": len(lines) if total is None else total,
        "lines": [kwic_line(snapshot.report_of(number), docs[number], a, b, width, maps) for _, number, a, b in shown],
    }


def report_order(snapshot: Snapshot, found: DocSet, sort: str) -> tuple[list[int], list[int]]:
    """The paragraphs (in reading order), and their places in that list in the order of their
    report's (year, province, city, district, town) (`sort` place: the year last), reading order
    among equal keys, a value not known after the known ones. From the facets, which a paragraph
    has from its report (no report is read): a column of value ranks per level, sorted in numpy."""
    import numpy as np

    facets = snapshot.facets()
    hits = np.frombuffer(found.to_array(), dtype=np.uint32)
    columns = []
    for name in ("year", *PLACE_KEYS) if sort == "year" else (*PLACE_KEYS, "year"):
        values = sorted(facets[name])
        column = np.full(len(hits), len(values), dtype=np.int64)
        for at, value in enumerate(values):
            docs = found & facets[name][value]
            if docs:
                column[np.searchsorted(hits, np.frombuffer(docs.to_array(), dtype=np.uint32))] = at
        columns.append(column)
    order = np.lexsort(columns[::-1]) if len(hits) else hits  # stable: reading order among equal keys
    return hits.tolist(), order.tolist()


def kwic_line(report: ReportEntry, doc: dict, a: int, b: int, width: int, maps: dict[str, list[int]]) -> dict:
    """A line of the concordance: the match as written in the paragraph's text, and its context
    (at most `width` characters each side, since each takes a column or more)."""
    text = doc["text"]
    if doc["id"] not in maps:
        maps[doc["id"]] = match_map(text)[1]
    where = maps[doc["id"]]
    start, end = where[a], where[b - 1] + 1
    return {
        "left": fit(text[max(0, start - width) : start].translate(FLAT), width, from_end=True),
        "match": text[start:end],
        "right": fit(text[end : end + width].translate(FLAT), width),
        "paragraph_id": doc["id"],
        "doc_id": doc["doc_id"],
        **{k: getattr(report, k, None) for k in ("town", "district", "city", "province", "year")},
        "start": start,
    }
