"""The search page over the library: routes, the search state in the URL, and the pieces the
templates show. Read-only; every text is escaped by the templates (no markup is built here)."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from urllib.parse import quote, quote_plus, unquote_to_bytes, urlencode

from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from .. import render
from ..errors import IndexStateError, QueryError
from ..index import Index
from ..model import Hit, ReportEntry
from . import library

HERE = os.path.dirname(os.path.abspath(__file__))
STATIC = os.path.join(HERE, "static")
MAX_LIMIT, MAX_PAGE, DEFAULT_LIMIT = 100, 1000, 10
MAX_AROUND, DEFAULT_AROUND = 50, 3
BAR_WIDTH, BAR_GAP, BAR_HEIGHT, LABEL_HEIGHT = 36, 8, 64, 16  # the trend strip's bars, in SVG units
KWIC_ORDERS = ("year", "place", "left", "right")
PLACE_LEVELS = ("province", "city", "district", "town")  # outermost first, as a place path reads
FACET_LABELS = {
    "province": "省 province",
    "city": "市 city",
    "district": "区县 district",
    "town": "镇街 town",
    "place": "地方 place",
    "year": "年份 year",
    "section_type": "类别 section type",
    "doc_type": "文种 document type",
}
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        (
            b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            b"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        ),
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
LOOPBACK = ("127.0.0.1", "localhost")
# What a browser never sends: a header block this large or this long, control characters (other than
# whitespace) in the address once it is percent-decoded.
MAX_HEADER_BYTES, MAX_HEADERS = 16 * 1024, 100
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BadRequest(Exception):
    """A parameter the page cannot use; the message says which and why."""


def quoted(value: str, most: int = 40) -> str:
    """A value the user sent, quoted for a message: cut short, so that the message stays one line."""
    return repr(value if len(value) <= most else value[:most] + "…")


def keyword_of(facet: str) -> str:
    """The Index.search keyword that filters by a facet (the facet section_type is the filter section)."""
    return "section" if facet == "section_type" else facet


def param_of(keyword: str) -> str:
    """The URL parameter of a filter keyword: `type`, as in the query language, for doc_type."""
    return "type" if keyword == "doc_type" else keyword


@dataclass(frozen=True)
class Search:
    """One search as the URL holds it."""

    q: str = ""
    filters: dict = field(default_factory=dict)  # Index.search keyword -> value
    sort: str = "relevance"
    page: int = 1
    limit: int = DEFAULT_LIMIT

    @classmethod
    def from_params(cls, params, extra: tuple[str, ...] = (), every_hit: bool = False) -> Search:
        """Raises BadRequest for an unknown parameter or a value out of bounds. With `every_hit`,
        limit=0 asks for every hit (the API, as `query --limit 0`); a page shows at most MAX_LIMIT."""
        by_param = {param_of(k): k for k in library.FILTERS}
        unknown = [k for k in params if k not in by_param and k not in ("q", "sort", "page", "limit") + extra]
        if unknown:
            raise BadRequest(
                f"unknown parameter {quoted(unknown[0])}: this index takes q, {', '.join(by_param)}, "
                "sort, page and limit"
            )
        sort = params.get("sort") or "relevance"
        if sort not in ("relevance", "date"):
            raise BadRequest(f"sort must be relevance or date, not {quoted(sort)}")
        filters = {by_param[p]: v.strip() for p, v in params.items() if p in by_param and v.strip()}
        return cls(
            q=params.get("q", "").strip(),
            filters=filters,
            sort=sort,
            page=bounded(params, "page", 1, MAX_PAGE, 1),
            limit=0
            if every_hit and params.get("limit") == "0"
            else bounded(params, "limit", 1, MAX_LIMIT, DEFAULT_LIMIT),
        )

    def params(self) -> dict[str, str | int]:
        out: dict[str, str | int] = {"q": self.q} if self.q else {}
        out.update({param_of(k): v for k, v in self.filters.items()})
        if self.sort != "relevance":
            out["sort"] = self.sort
        if self.page != 1:
            out["page"] = self.page
        if self.limit != DEFAULT_LIMIT:
            out["limit"] = self.limit
        return out

    def url(self, path: str = "/", **extra) -> str:
        params = {**self.params(), **{k: v for k, v in extra.items() if v is not None}}
        return path + ("?" + urlencode(params) if params else "")

    def toggled(self, keyword: str, value: str) -> Search:
        """This search with the filter set to value, or removed when it is set to value; page 1."""
        filters = dict(self.filters)
        if keyword in filters and filters[keyword] == value:
            del filters[keyword]
        else:
            filters[keyword] = value
        return replace(self, filters=filters, page=1)

    def toggle_urls(self, keyword: str) -> Callable[[str], str]:
        """toggled(keyword, value).url() for the many values of one filter (a facet's, the trend's
        years): the rest of the URL is encoded once, as urlencode encodes it."""
        on, name = self.filters.get(keyword), param_of(keyword)
        params = list(replace(self, filters={**self.filters, keyword: ""}, page=1).params().items())
        at = [k for k, _ in params].index(name)
        head, tail = urlencode(params[:at]), urlencode(params[at + 1 :])
        removed = self.toggled(keyword, on).url() if on is not None else ""  # (asked only when on is set)

        def url(value: str) -> str:
            if value == on:
                return removed
            return "/?" + "&".join(p for p in (head, f"{quote_plus(name)}={quote_plus(value)}", tail) if p)

        return url

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


def bounded(params, name: str, low: int, high: int, default: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {quoted(raw)}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}, not {value}")
    return value


def pieces(text: str, spans, start: int = 0, end: int | None = None, first: int = 1) -> list[tuple[str, int]]:
    """text[start:end] cut at the match spans: (piece, 0) for plain text, (piece, n) for the n-th
    match (numbered from `first`), for the template to wrap in <mark> with the piece escaped."""
    end = len(text) if end is None else end
    out, at, n = [], start, first
    for a, b in spans:
        a, b = max(a, start), min(b, end)
        if a >= b:
            continue
        if a > at:
            out.append((text[at:a], 0))
        out.append((text[a:b], n))
        n, at = n + 1, b
    if at < end:
        out.append((text[at:end], 0))
    return out


def place_path(item: Hit | ReportEntry | dict) -> list[str]:
    """The place levels a hit, report or concordance line names, outermost first: missing levels
    left out, and a level that repeats the one above it (a 直辖市 is its own city) said once."""
    path: list[str] = []
    for value in (item.get(k) if isinstance(item, dict) else getattr(item, k, None) for k in PLACE_LEVELS):
        if value and (not path or path[-1] != value):
            path.append(value)
    return path


def facet_groups(search: Search, facets: dict) -> list[SimpleNamespace]:
    """Every facet the results carry, each value with its count, whether it is applied, the URL
    that applies or removes it and its label for screen readers. (Views are namespaces, not dicts:
    the templates read their attributes directly, a few hundred values per page.)"""
    groups = []
    for name, counts in facets.items():
        keyword = keyword_of(name)
        if keyword not in library.FILTERS:
            continue
        url, group = search.toggle_urls(keyword), FACET_LABELS.get(name, name)
        values = []
        for v, n in counts.items():
            on, label = search.filters.get(keyword) == str(v), facet_value_label(name, v)
            aria = f"{'remove' if on else 'only'} {group} {label}, {n} hits"
            values.append(SimpleNamespace(value=str(v), label=label, count=n, on=on, url=url(str(v)), aria=aria))
        if values:
            groups.append(SimpleNamespace(name=name, label=group, values=values))
    return groups


def facet_value_label(name: str, value) -> str:
    if name == "section_type":
        return f"{render.SECTION_LABELS.get(value, value)} {value}"
    return str(value)


def chips(search: Search) -> list[dict]:
    return [
        {
            "label": FACET_LABELS.get(k if k != "section" else "section_type", k),
            "value": v,
            "url": search.toggled(k, v).url(),
        }
        for k, v in search.filters.items()
    ]


def hit_view(hit, search: Search) -> dict:
    start, end = hit.snippet_span
    return {
        "hit": hit,
        "place": place_path(hit),
        "url": search.url(f"/paragraph/{quote(hit.id)}"),
        "before": "…" if start else "",
        "after": "…" if end < len(hit.text) else "",
        "snippet": pieces(hit.text, hit.highlights, start, end),
    }


def trend_strip(search: Search, trend: dict) -> SimpleNamespace:
    """The query's hits per year as bars (SVG geometry), each a link that filters to its year, or
    removes that filter, with the cell's denominators for the hover text and the table."""
    cells = [c for c in trend["cells"] if c["key"] not in (None, "")]  # a year unknown cannot be chosen
    top = max((c["series"][0]["paragraphs"] for c in cells), default=0) or 1
    url = search.toggle_urls("year")
    bars = []
    for i, cell in enumerate(cells):
        hits, key, thin = cell["series"][0], cell["key"], cell["thin"]
        height = round(BAR_HEIGHT * hits["paragraphs"] / top, 1)
        on = search.filters.get("year") == key
        bars.append(
            SimpleNamespace(
                key=key,
                paragraphs=hits["paragraphs"],
                reports=hits["reports"],
                rate=hits["rate"],
                total_paragraphs=cell["total_paragraphs"],
                total_reports=cell["total_reports"],
                thin=thin,
                url=url(key),
                aria=f"{key}: {hits['paragraphs']} paragraphs in {hits['reports']} reports",
                title=f"{key}: {hits['paragraphs']} of {cell['total_paragraphs']} paragraphs ({hits['rate']} per 1,000), "
                f"in {hits['reports']} of {cell['total_reports']} reports{' (few reports)' if thin else ''}",
                classes="bar" + (" on" if on else "") + (" thin" if thin else ""),
                x=i * (BAR_WIDTH + BAR_GAP),
                y=BAR_HEIGHT - height,
                height=height,
                middle=i * (BAR_WIDTH + BAR_GAP) + BAR_WIDTH / 2,
            )
        )
    return SimpleNamespace(
        bars=bars,
        width=max(1, len(bars) * (BAR_WIDTH + BAR_GAP) - BAR_GAP),
        height=BAR_HEIGHT + LABEL_HEIGHT,
        bar_width=BAR_WIDTH,
        label_y=BAR_HEIGHT + LABEL_HEIGHT - 3,
    )


def pages(search: Search, total: int, path: str = "/", **extra) -> dict:
    """Links to the pages around this one, the first and the last (of `path`, with `extra` params)."""
    last = max(1, min(MAX_PAGE, -(-total // search.limit)))
    numbers = sorted({1, last, *range(max(1, search.page - 2), min(last, search.page + 2) + 1)})

    def url(n: int) -> str:
        return replace(search, page=n).url(path, **extra)

    return {
        "last": last,
        "links": [(n, url(n)) for n in numbers],
        "prev": url(search.page - 1) if search.page > 1 else None,
        "next": url(search.page + 1) if search.page < last else None,
    }


def json_response(text: str, status: int = 200) -> Response:
    return Response(text, status, media_type="application/json")


class Site:
    """The routes over one index."""

    def __init__(self, ix: Index):
        self.ix = ix
        self.templates = Environment(
            loader=FileSystemLoader(os.path.join(HERE, "templates")),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        # The static folder's files, listed once: a name not in it is a 404, whatever the path says.
        self.static = {name: os.path.join(STATIC, name) for name in os.listdir(STATIC)}

    def page(self, template: str, status: int = 200, **values) -> HTMLResponse:
        return HTMLResponse(self.templates.get_template(template).render(**values), status_code=status)

    def search_page(self, request: Request) -> Response:
        try:
            search = Search.from_params(request.query_params)
        except BadRequest as e:
            return self.page("search.html", 400, search=Search(q=request.query_params.get("q", "")), error=str(e))
        if not search.q:
            return self.page("search.html", search=search, results=None)
        try:
            results, trend = library.search_with_trend(
                self.ix, search.q, search.filters, search.limit, search.offset, search.sort
            )
        except QueryError as e:
            return self.page("search.html", 400, search=search, error=str(e))
        return self.page(
            "search.html",
            search=search,
            results=results,
            trend=trend_strip(search, trend) if trend and trend["cells"] else None,
            kwic_url=search.url("/kwic"),
            facets=facet_groups(search, results.facets),
            chips=chips(search),
            hits=[hit_view(h, search) for h in results.hits],
            pages=pages(search, results.total),
            csv_url=search.url("/export.csv"),
            sort_urls={s: replace(search, sort=s, page=1).url() for s in ("relevance", "date")},
        )

    def paragraph_page(self, request: Request) -> Response:
        paragraph_id = request.path_params["paragraph_id"]
        params = request.query_params
        try:
            search = Search.from_params(params, extra=("around", "m"))
            around = None if params.get("around") == "all" else bounded(params, "around", 0, MAX_AROUND, DEFAULT_AROUND)
            spans = library.highlighter(self.ix, search.q) if search.q else (lambda text: [])
        except (BadRequest, QueryError) as e:
            return self.page("paragraph.html", 400, search=Search(q=params.get("q", "")), error=str(e))
        ctx = library.context(self.ix, paragraph_id, around)
        if ctx is None:
            missing = f"no paragraph {quoted(paragraph_id)} in this index"
            return self.page("paragraph.html", 404, search=search, error=missing)
        shown, count, current = [], 0, None
        for p in ctx.around:
            cut = pieces(p.text, spans(p.text), first=count + 1)
            marks = sum(1 for _, n in cut if n)
            if p.id == ctx.paragraph.id and marks:
                current = count + 1
            shown.append({"p": p, "pieces": cut, "target": p.id == ctx.paragraph.id})
            count += marks
        try:
            current = bounded(params, "m", 1, max(count, 1), current or 1)
        except BadRequest as e:
            return self.page("paragraph.html", 400, search=search, error=str(e))
        here = f"/paragraph/{quote(paragraph_id)}"
        around_param = "all" if around is None else (around if around != DEFAULT_AROUND else None)
        step = {
            n: search.url(here, around=around_param, m=n) + f"#m{n}"
            for n in (current - 1, current + 1)
            if 1 <= n <= count
        }
        return self.page(
            "paragraph.html",
            search=search,
            report=ctx.report,
            place=place_path(ctx.report),
            paragraph=ctx.paragraph,
            shown=shown,
            count=count,
            current=current if count else 0,
            prev_url=step.get(current - 1),
            next_url=step.get(current + 1),
            # the matches are numbered anew in the other view: it starts at the paragraph's first
            whole_url=search.url(here, around="all") + f"#p-{quote(paragraph_id)}",
            around_url=search.url(here) + f"#p-{quote(paragraph_id)}",
            whole=around is None,
        )

    def api_search(self, request: Request) -> Response:
        try:
            search = Search.from_params(request.query_params, every_hit=True)
            if not search.q:
                raise BadRequest("q is required")
            limit = search.limit or None
            results = library.search(self.ix, search.q, search.filters, limit, search.offset, search.sort)
        except (BadRequest, QueryError) as e:
            return json_response(render.to_json({"error": str(e)}), 400)
        return json_response(render.results_json(results))

    def api_trend(self, request: Request) -> Response:
        """`policysearch trend --json`: q once per query (as trend's QUERIES), by, per and the filters."""
        params = request.query_params
        try:
            search = Search.from_params(params, extra=("by", "per"))
            queries = [q.strip() for q in params.getlist("q") if q.strip()]
            if not queries:
                raise BadRequest("q is required")
            by, per = params.get("by") or "year", params.get("per") or "paragraphs"
            result = library.trend(self.ix, queries, by, per, search.filters)
        except (BadRequest, QueryError) as e:
            return json_response(render.to_json({"error": str(e)}), 400)
        return json_response(render.to_json(result))

    def kwic_page(self, request: Request) -> Response:
        """The concordance of the query: every occurrence in its context, a page at a time."""
        params = request.query_params
        try:
            search = Search.from_params(params, extra=("order",))
            order = params.get("order") or "year"
            if order not in KWIC_ORDERS:
                raise BadRequest(f"order must be one of {', '.join(KWIC_ORDERS)}, not {order!r}")
            if not search.q:
                raise BadRequest("q is required")
            result = library.kwic(self.ix, search.q, order, search.offset + search.limit, search.filters)
        except (BadRequest, QueryError) as e:
            return self.page("kwic.html", 400, search=Search(q=params.get("q", "")), error=str(e))
        lines = [
            {
                **line,
                "place": " › ".join(place_path(line)),
                "url": search.url(f"/paragraph/{quote(line['paragraph_id'])}"),
            }
            for line in result["lines"][search.offset :]
        ]
        return self.page(
            "kwic.html",
            search=search,
            lines=lines,
            total=result["total"],
            order=order,
            order_urls={o: search.url("/kwic", order=o) for o in KWIC_ORDERS},
            pages=pages(search, result["total"], "/kwic", order=order),
            hits_url=search.url("/"),
        )

    def export_csv(self, request: Request) -> Response:
        try:
            search = Search.from_params(request.query_params)
            if not search.q:
                raise BadRequest("q is required")
            results = library.search(self.ix, search.q, search.filters, None, 0, search.sort)
        except (BadRequest, QueryError) as e:
            return Response(f"policysearch: {e}\n", 400, media_type="text/plain")
        return Response(
            render.results_csv(results),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="policysearch.csv"'},
        )

    def static_file(self, request: Request) -> Response:
        path = self.static.get(request.path_params["name"])
        if path is None:
            raise HTTPException(404)
        return FileResponse(path, headers={"cache-control": "max-age=3600"})

    def error_page(self, request: Request, exc: Exception) -> Response:
        if isinstance(exc, HTTPException):
            status, message = (
                exc.status_code,
                {404: "no such page", 405: "this page is read-only"}.get(exc.status_code, exc.detail),
            )
        elif isinstance(exc, IndexStateError):
            status, message = 503, str(exc)
        else:  # a bug: a plain page, never a traceback
            status, message = 500, f"internal error: {type(exc).__name__}"
        # each route's own kind of answer, so that a script reading the API gets JSON here too
        if request.url.path == "/api/search":
            return Response(render.to_json({"error": message}), status, media_type="application/json")
        if request.url.path == "/export.csv":
            return Response(f"policysearch: {message}\n", status, media_type="text/plain")
        return self.page("search.html", status, search=Search(), error=message)


def refusal(scope) -> tuple[int, str] | None:
    """(status, message) for a request no browser sends, before any route reads it: a header block
    too large (the HTTP parser holds it whole), an address that is not UTF-8 or holds control
    characters once percent-decoded (a NUL would reach the query or a file name)."""
    headers = scope.get("headers", [])
    if len(headers) > MAX_HEADERS or sum(len(k) + len(v) + 4 for k, v in headers) > MAX_HEADER_BYTES:
        return 431, f"the request's headers are too large (at most {MAX_HEADERS} headers, {MAX_HEADER_BYTES} bytes)"
    # a path no page has is a 404, as any other; parameters no page can use are a 400
    for part, raw, status in (
        ("path", scope.get("raw_path") or scope["path"].encode(), 404),
        ("query", scope["query_string"], 400),
    ):
        try:
            text = unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            return status, f"the address's {part} is not valid UTF-8"
        if CONTROL.search(text):
            return status, f"the address's {part} holds a control character"
    return None


class Headers:
    """ASGI wrapper: requests no browser sends refused, security headers on every response, and the
    server's time (Server-Timing)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        refused = refusal(scope)
        if refused:
            status, message = refused
            body = f"policysearch: {message}\n".encode()
            plain = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": status, "headers": [*plain, *SECURITY_HEADERS]})
            return await send({"type": "http.response.body", "body": body})

        async def sending(message):
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - started) * 1000
                message["headers"] = [
                    *message.get("headers", []),
                    *SECURITY_HEADERS,
                    (b"server-timing", f"app;dur={took:.1f}".encode()),
                ]
            await send(message)

        await self.app(scope, receive, sending)


def create_app(ix: Index, host: str = "127.0.0.1") -> Headers:
    """The web application over an open index. Bound to a loopback address, it answers only requests
    addressed to one (so a web page elsewhere cannot reach it through a DNS name that points here)."""
    site = Site(ix)
    routes = [
        Route("/", site.search_page),
        Route("/paragraph/{paragraph_id}", site.paragraph_page),
        Route("/api/search", site.api_search),
        Route("/api/trend", site.api_trend),
        Route("/kwic", site.kwic_page),
        Route("/export.csv", site.export_csv),
        Route("/static/{name}", site.static_file),
    ]
    allowed = list(LOOPBACK) if host in LOOPBACK else ["*"]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=allowed)],
        # an index that cannot be read now (being replaced, damaged) is a 503 without a traceback in
        # the log; any other exception is a bug, logged by Starlette with its traceback
        exception_handlers={
            HTTPException: site.error_page,
            IndexStateError: site.error_page,
            Exception: site.error_page,
        },
    )
    return Headers(app)
