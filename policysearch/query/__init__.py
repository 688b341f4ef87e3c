"""Searching one snapshot: parse -> evaluate (exact sets) -> rank -> facets and highlights."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import QueryError
from ..model import Results
from ..store.schema import FACETS
from ..store.snapshot import DocSet, Snapshot
from ..text import segment
from .evaluate import Evaluator
from .highlight import highlight_terms, highlights, make_hit
from .parse import And, Field, Node, field_node, parse, parse_years, positives
from .rank import by_date, rank

Years = int | str | tuple[int, int] | None


def filters_tree(tree: Node, **filters) -> Node:
    """The query with the keyword filters ANDed to it."""
    extra = filter_nodes(**filters)
    return And((tree, *extra)) if extra else tree


def filter_nodes(
    *,
    province: str | None = None,
    city: str | None = None,
    district: str | None = None,
    town: str | None = None,
    place: str | None = None,
    year: Years = None,
    section: str | None = None,
    doc_type: str | None = None,
) -> list[Field]:
    """The keyword filters (as Index.search takes them) as query nodes."""
    extra: list[Field] = []
    for name, value in (
        ("province", province),
        ("city", city),
        ("district", district),
        ("town", town),
        ("place", place),
        ("section_type", section),
        ("doc_type", doc_type),
    ):
        if value:
            extra.append(field_node(name, value))
    if year not in (None, ""):
        extra.append(Field("year", parse_years(year)))
    return extra


def evaluator(snapshot: Snapshot) -> Evaluator:
    return Evaluator(snapshot, lambda text: segment(text, snapshot.lexicon))


def search(
    snapshot: Snapshot,
    query: str,
    *,
    limit: int | None = 10,
    offset: int = 0,
    sort: str = "relevance",
    facets: Iterable[str] = FACETS,
    **filters,
) -> Results:
    """See the README for the query language. `facets` names the fields to count (all by default;
    fewer is faster on a large index). Raises QueryError."""
    if sort not in ("relevance", "date"):
        raise QueryError(f"sort must be relevance or date, not {sort!r}")
    if offset < 0 or (limit is not None and limit < 0):
        raise QueryError("limit and offset must not be negative")
    tree = filters_tree(parse(query), **filters)
    ev = evaluator(snapshot)
    found = ev.evaluate(tree)
    texts = positives(tree, [])
    want = None if limit is None else offset + limit
    order = rank(ev, tree, texts, found, want) if sort == "relevance" else by_date(ev, found)
    counts = count_facets(snapshot, found, facets)
    page = order[offset : None if limit is None else offset + limit]
    terms = highlight_terms(texts, tree, ev.cut)
    hits = []
    for number, score in page:
        paragraph = snapshot.paragraph(number)
        assert paragraph is not None, number  # hits are paragraphs (the universe holds no reports)
        hits.append(make_hit(paragraph, snapshot.report_of(number), score, terms))
    return Results(query=query, total=len(found), hits=hits, facets=counts, reports=snapshot.count_reports(found))


def count_facets(snapshot: Snapshot, found: DocSet, names: Iterable[str] = FACETS) -> dict[str, dict]:
    """Counts per value of each facet over all hits: the hits met with each value's set, in C."""
    facets = {}
    for name in names:
        if name not in FACETS:
            raise QueryError(f"unknown facet {name!r}: use {', '.join(FACETS)}")
        counts = {value: found.intersection_cardinality(docs) for value, docs in snapshot.facets()[name].items()}
        facets[name] = dict(sorted(((v, n) for v, n in counts.items() if n), key=lambda kv: (-kv[1], str(kv[0]))))
    return facets


def query_highlights(snapshot: Snapshot, query: str, text: str) -> list[tuple[int, int]]:
    """Where a query's text stands in any text, as a hit's highlights."""
    tree = parse(query)
    ev = evaluator(snapshot)
    return highlights(text, highlight_terms(positives(tree, []), tree, ev.cut))
