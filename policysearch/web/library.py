"""Every call the web page makes to the library, in one place: the page is a thin layer over it.

Stopgaps until the lead's refactor lands (Index.context, Index.highlights, ReportEntry): the
paragraph page reads the paragraph, its report and the report's paragraphs in separate calls, and
the query's match spans come from search.py's own highlighting functions.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..index import Index
from ..model import Paragraph, Results
from ..search import FACETS

# The filters Index.search takes as keywords, and the facets it counts.
FILTERS = ("town", "district", "year", "section", "doc_type")
COUNTED = FACETS


@dataclass
class Context:
    report: dict                 # the report's metadata
    paragraph: Paragraph         # the one asked for
    paragraphs: list[Paragraph]  # it and the ones around it, in reading order


def open_index(path: str) -> Index:
    return Index(path)


def search(ix: Index, query: str, filters: dict, limit: int | None, offset: int, sort: str) -> Results:
    return ix.search(query, **filters, limit=limit, offset=offset, sort=sort, facets=COUNTED)


def context(ix: Index, paragraph_id: str, around: int | None) -> Context | None:
    """The paragraph, its report and `around` paragraphs either side (None: the whole report)."""
    doc = ix.paragraph(paragraph_id)
    if doc is None or doc.get("kind") != "p":
        return None
    report = ix.report(doc["doc_id"])
    paragraphs = ix.paragraphs(doc["doc_id"])
    this = next((p for p in paragraphs if p.id == paragraph_id), None)
    if report is None or this is None:      # removed between the calls
        return None
    shown = [p for p in paragraphs if around is None or abs(p.position - this.position) <= around]
    return Context(report=report, paragraph=this, paragraphs=shown)


def highlighter(ix: Index, query: str) -> Callable[[str], list[tuple[int, int]]]:
    """The query's match spans in any text, as in a hit's highlights. Raises QueryError."""
    from ..analysis import segment
    from ..search import highlight_terms, highlights, parse, positives
    tree = parse(query)
    lexicon = ix.lexicon_path()
    terms = highlight_terms(positives(tree, []), tree, lambda t: segment(t, lexicon))
    return lambda text: highlights(text, terms)
