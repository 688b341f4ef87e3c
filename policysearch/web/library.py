"""Every call the web page makes to the library, in one place: the page is a thin layer over it."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable

from ..index import Index
from ..model import Context, Results
from ..store.schema import FACETS

# The filters Index.search takes as keywords (town, district, year, section, doc_type, and the
# place levels as they come), read from its signature so that a new one needs no change here.
FILTERS = tuple(
    name
    for name, p in inspect.signature(Index.search).parameters.items()
    if p.kind is p.KEYWORD_ONLY and name not in ("limit", "offset", "sort", "facets")
)


def search(ix: Index, query: str, filters: dict, limit: int | None, offset: int, sort: str) -> Results:
    return ix.search(query, **filters, limit=limit, offset=offset, sort=sort, facets=FACETS)


def search_with_trend(
    ix: Index, query: str, filters: dict, limit: int | None, offset: int, sort: str
) -> tuple[Results, dict | None]:
    """A search page's hits and its trend strip (`policysearch trend --json` of the query by year,
    under the filters but the year; None without hits), from one state of the index."""
    return ix.search_with_trend(query, **filters, limit=limit, offset=offset, sort=sort, facets=FACETS)


def context(ix: Index, paragraph_id: str, around: int | None) -> Context | None:
    """The paragraph, its report and `around` paragraphs either side (None: the whole report),
    read from one state of the index."""
    return ix.context(paragraph_id, sys.maxsize if around is None else around)


def highlighter(ix: Index, query: str) -> Callable[[str], list[tuple[int, int]]]:
    """The query's match spans in any text, as in a hit's highlights. Raises QueryError for a
    query that cannot be understood (now, not at the first text)."""
    ix.highlights(query, "")
    return lambda text: ix.highlights(query, text)


def trend(ix: Index, queries: list[str], by: str, per: str, filters: dict) -> dict:
    """Exactly what `policysearch trend --json` prints. Raises QueryError."""
    return ix.trend(queries, by=by, per=per, **filters)


def kwic(ix: Index, query: str, sort: str, limit: int, filters: dict) -> dict:
    """The first `limit` lines of the query's concordance, and their total. Raises QueryError."""
    return ix.kwic(query, sort=sort, limit=limit, **filters)
