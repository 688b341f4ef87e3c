"""`policysearch serve` at the HTTP level: a real server process over a real index of the sample
corpus plus hostile reports. The library's own answers are the oracle for what the pages show."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import threading
from html import unescape
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from web_support import HOSTILE_PHRASE, Server, build_index, elements, server_fixture, tags, web_index_fixture

from policysearch import Index
from policysearch.text import match_form

FIXTURES = (server_fixture, web_index_fixture)

QUERIES = [
    '"城中村"',
    "城中村改造",
    '"改造" OR "更新"',
    '"改造" -"城中村"',
    '("城市更新" OR "旧改") town:车墩镇',
    "heading:城市更新",
    '"改造" year:2023-2025 section:plan',
    '"改造" type:工作要点',
]


def library(ix_path: str, query: str, **options):
    return Index(ix_path).search(query, **options)


def hits_of(html: str) -> list[str]:
    """Paragraph ids of the hits on a search page, in order."""
    return [urlparse(a["href"]).path.rsplit("/", 1)[1] for a, _ in elements(html, "a", "open")]


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def cli(*args: str) -> subprocess.CompletedProcess:
    """The command line's output as it is written (CSV's \\r\\n kept)."""
    out = subprocess.run([sys.executable, "-m", "policysearch.cli", *args], capture_output=True, check=False)
    out.stdout, out.stderr = out.stdout.decode("utf-8"), out.stderr.decode("utf-8")
    return out


@pytest.mark.parametrize("query", QUERIES)
def test_search_page_shows_what_the_library_finds(server, query):
    expected = library(server.index, query, limit=10)
    status, headers, html = server.get("/", {"q": query})
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert hits_of(html) == [h.id for h in expected.hits]
    summary = elements(html, "p", "summary")[0][1]
    assert f"{expected.total} hit" in summary and f"in {expected.reports} report" in summary
    # every match of the query is marked, in each hit's snippet
    snippets = [t for _, t in elements(html, "p", "snippet")]
    marks = [t for _, t in elements(html, "mark")]
    wanted = [
        h.text[a:b] for h in expected.hits for a, b in h.highlights if h.snippet_span[0] <= a and b <= h.snippet_span[1]
    ]
    assert marks == wanted and all(marks) == bool(expected.hits)
    for hit, snippet in zip(expected.hits, snippets):
        start, end = hit.snippet_span
        assert hit.text[start:end].replace("\n", " ") in snippet.replace("\n", " ")


def test_hit_shows_place_year_type_heading_and_section_type(server):
    hit = library(server.index, '"城中村"').hits[0]
    _, _, html = server.get("/", {"q": '"城中村"'})
    first = elements(html, "li", "hit")[0][1]
    for fact in (hit.district, hit.town, str(hit.year), hit.doc_type, f"[{hit.section_type}]", *hit.section):
        assert fact in first
    # the place path, coarsest first; Shanghai is a province-level city, named once
    assert hit.province == hit.city == "上海市"
    meta = elements(html, "span", "meta")[0][1]
    assert meta.startswith(f"上海市 › {hit.district} › {hit.town} · {hit.year}")


def test_facets_show_every_facet_the_results_carry_with_their_counts(server):
    results = library(server.index, '"改造"')
    _, _, html = server.get("/", {"q": '"改造"'})
    facet_links = elements(html, "a")
    for name, counts in results.facets.items():
        assert f'id="facet-{name}"' in html
        for value, count in counts.items():
            key = "section" if name == "section_type" else "type" if name == "doc_type" else name
            link = [(a, t) for a, t in facet_links if query_of(a.get("href", "")).get(key) == str(value)]
            assert link and link[0][1].split()[-1] == str(count), (name, value)


def test_a_facet_click_filters_a_second_removes_it_and_a_chip_removes_it(server):
    _, _, html = server.get("/", {"q": '"改造"'})
    town_link = next(a["href"] for a, _ in elements(html, "a") if "town" in query_of(a.get("href", "")))
    town = query_of(town_link)["town"]
    status, _, filtered = server.get(town_link)
    assert status == 200
    expected = library(server.index, '"改造"', town=town)
    assert hits_of(filtered) == [h.id for h in expected.hits] and all(h.town == town for h in expected.hits)
    chip = [a["href"] for a, t in elements(filtered, "a") if t.startswith("镇街 town: " + town)]
    again = [a["href"] for a, _ in elements(filtered, "a", "on")]
    assert chip and again and query_of(chip[0]) == query_of(again[0]) == {"q": '"改造"'}
    assert hits_of(server.get(chip[0])[2]) == hits_of(html)


def test_every_facet_filters_as_the_library_does(server):
    """Each facet's first value, as a URL parameter, gives the hits Index.search gives for it
    (the place levels, year, section type, document type)."""
    query = '"改造" OR "城市"'
    results = library(server.index, query)
    assert {"province", "city", "district", "town"} <= set(results.facets)
    for name, counts in results.facets.items():
        value = next(iter(counts))
        keyword = "section" if name == "section_type" else name
        param = "type" if name == "doc_type" else keyword
        expected = library(server.index, query, **{keyword: str(value)})
        status, _, html = server.get("/", {"q": query, param: str(value)})
        assert status == 200 and hits_of(html) == [h.id for h in expected.hits], name
        assert f"{expected.total} hit" in elements(html, "p", "summary")[0][1]


def test_paging_and_sorting_are_in_the_url(server):
    query = '"改造"'
    second = library(server.index, query, limit=10, offset=10)
    _, _, html = server.get("/", {"q": query})
    next_link = next(a["href"] for a, t in elements(html, "a") if a.get("rel") == "next")
    assert query_of(next_link) == {"q": query, "page": "2"}
    assert hits_of(server.get(next_link)[2]) == [h.id for h in second.hits]
    by_date = library(server.index, query, limit=5, offset=5, sort="date")
    _, _, html = server.get("/", {"q": query, "sort": "date", "page": 2, "limit": 5})
    assert hits_of(html) == [h.id for h in by_date.hits]
    links = [a["href"] for a, _ in elements(html, "a", "open")]
    assert all(query_of(u) == {"q": query, "sort": "date", "page": "2", "limit": "5"} for u in links)


def sections(html: str) -> list[str]:
    """The HTML of each paragraph shown on a paragraph page."""
    return ["<section" + part for part in html.split("<section")[1:]]


def test_paragraph_page_shows_the_report_and_every_match_around_it(server):
    query = "城中村改造"
    results = library(server.index, query, limit=None)
    hit, by_id = results.hits[0], {h.id: h for h in results.hits}
    ix = Index(server.index)
    report = ix.report(hit.doc_id)
    assert report is not None
    status, _, html = server.get(f"/paragraph/{hit.id}", {"q": query})
    assert status == 200
    for fact in (report.title, report.date, report.doc_type, report.town, report.district):
        assert fact in html
    paragraphs = ix.paragraphs(hit.doc_id)
    shown = [a["id"][2:] for a, _ in elements(html, "section", "paragraph")]
    assert shown == [p.id for p in paragraphs if abs(p.position - hit.position) <= 3]
    target = elements(html, "section", "target")
    assert len(target) == 1 and target[0][0]["id"] == f"p-{hit.id}" and " › ".join(hit.section) in target[0][1]
    terms = {match_form(t) for t in ("城中村", "改造", "城中村改造")}
    numbers, before = [], None
    for pid, part in zip(shown, sections(html)):
        marks = elements(part, "mark")
        if pid == hit.id:
            before = len(numbers)
        if pid in by_id:  # a hit: exactly its highlights are marked
            h = by_id[pid]
            assert [t for _, t in marks] == [h.text[a:b] for a, b in h.highlights]
        else:  # a paragraph around it: only the query's words
            assert all(match_form(t) in terms for _, t in marks)
        numbers += [int(a["id"][1:]) for a, _ in marks]
    assert numbers == list(range(1, len(numbers) + 1)) and numbers
    current = [a for a, _ in elements(html, "mark", "current")]
    assert len(current) == 1 and current[0]["id"] == f"m{before + 1}"  # the first in the paragraph asked for
    assert f"match {before + 1} of {len(numbers)}" in " ".join(elements(html, "span", "count")[0][1].split())


def test_next_and_previous_match_step_through_all_matches(server):
    query = '"改造"'
    hits = library(server.index, query, limit=None).hits
    hit = hits[0]
    _, _, html = server.get(f"/paragraph/{hit.id}", {"q": query, "around": "all"})
    count = len(elements(html, "mark"))
    assert count == sum(len(h.highlights) for h in hits if h.doc_id == hit.doc_id)
    first = int(elements(html, "mark", "current")[0][0]["id"][1:])
    for rel, step, last in (("next", 1, count), ("prev", -1, 1)):
        seen, page = [first], html
        while True:
            links = [a["href"] for a, _ in elements(page, "a") if a.get("rel") == rel and "hidden" not in a]
            if not links:
                break
            assert links[0].endswith(f"#m{seen[-1] + step}")
            status, _, page = server.get(links[0].split("#")[0])
            assert status == 200
            seen.append(int(elements(page, "mark", "current")[0][0]["id"][1:]))
            assert f"match {seen[-1]} of {count}" in " ".join(elements(page, "span", "count")[0][1].split())
        assert seen == list(range(first, last + step, step))
    status, _, page = server.get(f"/paragraph/{hit.id}", {"q": query, "around": "all", "m": count + 1})
    assert status == 400 and f"between 1 and {count}" in page


def test_whole_report_shows_every_paragraph_and_starts_at_the_one_asked_for(server):
    hit = library(server.index, '"城中村"').hits[0]
    _, _, around = server.get(f"/paragraph/{hit.id}", {"q": '"城中村"'})
    link = next(a["href"] for a, t in elements(around, "a") if t == "the whole report")
    assert link.endswith(f"#p-{hit.id}")
    _, _, html = server.get(link.split("#")[0])
    assert shown_ids(html) == [p.id for p in Index(server.index).paragraphs(hit.doc_id)]
    target = next(part for part in sections(html) if 'class="paragraph target' in part)
    assert elements(target, "mark", "current")  # the current match is the paragraph's own
    back = next(a["href"] for a, t in elements(html, "a") if t == "only the paragraphs around it")
    assert shown_ids(server.get(back.split("#")[0])[2]) == shown_ids(around)


def shown_ids(html: str) -> list[str]:
    """Paragraph ids shown on a paragraph page, in order."""
    return [a["id"][2:] for a, _ in elements(html, "section", "paragraph")]


@pytest.mark.parametrize(
    "args",
    [
        ["--limit", "10"],
        ["--limit", "5", "--offset", "5", "--sort", "date"],
        ["--town", "车墩镇", "--year", "2023-2025", "--limit", "3"],
    ],
)
def test_api_search_is_exactly_query_json(server, args):
    query = '"改造" OR "更新"'
    out = cli("query", query, "--json", "--index", server.index, *args)
    assert out.returncode == 0, out.stderr
    options = dict(zip(args[::2], args[1::2]))
    limit, offset = int(options["--limit"]), int(options.get("--offset", 0))
    params = {"q": query, "limit": limit, "page": offset // limit + 1}
    for name in ("town", "year", "sort"):
        if f"--{name}" in options:
            params[name] = options[f"--{name}"]
    status, headers, body = server.get("/api/search", params)
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert body == out.stdout.rstrip("\n")


@pytest.mark.parametrize(
    "queries, options",
    [
        (["城中村改造"], {}),
        (['"改造"', '"更新"'], {"by": "town"}),
        (['"改造"'], {"per": "reports", "district": "松江区"}),
    ],
)
def test_api_trend_is_exactly_trend_json(server, queries, options):
    flags = [part for name, value in options.items() for part in (f"--{name}", value)]
    out = cli("trend", *queries, *flags, "--json", "--index", server.index)
    assert out.returncode == 0, out.stderr
    status, headers, body = server.get("/api/trend?" + urlencode([("q", q) for q in queries] + list(options.items())))
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert body == out.stdout.rstrip("\n")
    assert server.get("/api/trend", {"q": "改造", "by": "colour"})[0] == 400


def test_trend_strip_shows_hits_per_year_and_filters_by_a_bar(server):
    query = '"改造"'
    trend = Index(server.index).trend([query], by="year")
    _, _, html = server.get("/", {"q": query, "town": "车墩镇"})
    strip = Index(server.index).trend([query], by="year", town="车墩镇")
    strip["cells"] = [c for c in strip["cells"] if c["key"]]  # a bar per known year
    bars = [
        (a, t)
        for a, t in elements(html, "a")
        if "aria-label" in a and ": " in a["aria-label"] and query_of(a.get("href", "")).get("year")
    ]
    assert [query_of(a["href"])["year"] for a, _ in bars] == [c["key"] for c in strip["cells"]]
    for (a, text), cell in zip(bars, strip["cells"]):
        hits = cell["series"][0]
        assert a["aria-label"] == f"{cell['key']}: {hits['paragraphs']} paragraphs in {hits['reports']} reports"
        assert f"of {cell['total_paragraphs']} paragraphs" in text and f"of {cell['total_reports']} reports" in text
        assert query_of(a["href"]) == {"q": query, "town": "车墩镇", "year": cell["key"]}
    table = elements(html, "table", "trend-table")[0][1]
    assert all(str(c["total_paragraphs"]) in table for c in strip["cells"])
    # a bar's link shows that year, with the strip still showing every year; again removes it
    year = strip["cells"][-1]["key"]
    _, _, chosen = server.get(bars[-1][0]["href"])
    assert hits_of(chosen) == [h.id for h in library(server.index, query, town="车墩镇", year=year).hits]
    again = [
        a["href"]
        for a, _ in elements(chosen, "a")
        if query_of(a.get("href", "")).get("year") is None
        and "aria-label" in a
        and a["aria-label"].startswith(f"{year}: ")
    ]
    assert again and query_of(again[0]) == {"q": query, "town": "车墩镇"}
    assert len(trend["cells"]) >= len(strip["cells"]) > 1


def test_kwic_tab_lists_every_occurrence_a_page_at_a_time(server):
    query = "城中村改造"
    _, _, html = server.get("/", {"q": query})
    tab = next(a["href"] for a, t in elements(html, "a") if t.startswith("Concordance"))
    assert query_of(tab) == {"q": query}
    expected = Index(server.index).kwic(query, sort="left")
    for page in (1, 2):
        status, _, page_html = server.get("/kwic", {"q": query, "order": "left", "limit": 5, "page": page})
        assert status == 200
        rows = [(t["left"], t["match"], t["right"]) for t in expected["lines"][(page - 1) * 5 : page * 5]]
        shown = [
            tuple(elements(row, "td", cls)[0][1] for cls in ("left", "match", "right"))
            for row in ["<tr" + part for part in page_html.split("<tr")[1:]]
            if 'class="hit"' in row
        ]
        assert shown == rows
        assert f"{expected['total']} occurrence" in page_html
    links = [a["href"] for a, _ in elements(page_html, "a", "open")]
    assert links[0].startswith(f"/paragraph/{expected['lines'][5]['paragraph_id']}?")
    assert server.get("/kwic", {"q": query, "order": "middle"})[0] == 400


def test_export_csv_is_every_hit_as_query_csv(server):
    query = '"改造"'
    out = cli("query", query, "--csv", "--limit", "0", "--sort", "date", "--index", server.index)
    status, headers, body = server.get("/export.csv", {"q": query, "sort": "date"})
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert "attachment" in headers["content-disposition"]
    assert body == out.stdout
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == library(server.index, query).total > 10


def test_hostile_documents_are_shown_as_text(server):
    for path, params in [
        ("/", {"q": HOSTILE_PHRASE}),
        ("/", {"q": HOSTILE_PHRASE, "town": "车墩镇"}),
        ("/kwic", {"q": HOSTILE_PHRASE}),
    ]:
        status, _, html = server.get(path, params)
        assert status == 200 and HOSTILE_PHRASE in html
        assert_inert(html)
        assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html or "&lt;script&gt;window.pwned=3" in html
    for hit in library(server.index, HOSTILE_PHRASE, limit=None).hits:
        status, _, html = server.get(f"/paragraph/{hit.id}", {"q": HOSTILE_PHRASE, "around": "all"})
        assert status == 200
        assert_inert(html)
        texts = "".join(t for _, t in elements(html, "p", "text"))
        assert hit.text in texts  # the markup is there, as text
    status, _, html = server.get("/", {"q": '"<script>alert(1)</script>" OR "<img src=x onerror=alert(2)>"'})
    assert_inert(html) and status in (200, 400)


PAGE_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "link",
    "script",
    "body",
    "a",
    "header",
    "form",
    "label",
    "input",
    "button",
    "main",
    "p",
    "strong",
    "footer",
    "kbd",
    "div",
    "aside",
    "section",
    "h1",
    "h2",
    "ul",
    "li",
    "span",
    "ol",
    "mark",
    "nav",
    "article",
    "dl",
    "dt",
    "dd",
    "table",
    "caption",
    "tr",
    "th",
    "td",
    "code",
    "figure",
    "figcaption",
    "svg",
    "rect",
    "text",
    "details",
    "summary",
}


def assert_inert(html: str) -> bool:
    """No element or attribute that a document's text could have made: only the page's own tags,
    no event handler, no javascript: address, and the one script is the page's own."""
    for tag, attrs in tags(html):
        assert tag in PAGE_TAGS, tag
        assert not [k for k in attrs if k.startswith("on")], (tag, attrs)
        assert not [v for v in attrs.values() if v and v.strip().lower().startswith("javascript:")], (tag, attrs)
    assert [a.get("src") for t, a in tags(html) if t == "script"] == ["/static/app.js"]
    assert len([t for t, _ in tags(html) if t == "svg"]) == len(elements(html, "figure", "trend")) <= 1
    return True


@pytest.mark.parametrize(
    "params, message",
    [
        ({"q": '"城中村'}, "unbalanced quote"),
        ({"q": "town:"}, ""),
        ({"q": "year:abc"}, ""),
        ({"q": "乱码" * 1500}, ""),
        ({"q": "改造", "sort": "newest"}, "sort must be relevance or date"),
        ({"q": "改造", "page": "abc"}, "page must be a whole number"),
        ({"q": "改造", "page": "0"}, "page must be between 1 and 1000"),
        ({"q": "改造", "page": "1001"}, "page must be between 1 and 1000"),
        ({"q": "改造", "limit": "101"}, "limit must be between 1 and 100"),
        ({"q": "改造", "limit": "-1"}, "limit must be between"),
        ({"q": "改造", "year": "二〇二四"}, ""),
        ({"q": "改造", "section": "nope"}, ""),
        ({"q": "改造", "color": "red"}, "unknown parameter 'color'"),
    ],
)
def test_malformed_input_gets_the_page_with_a_message_and_400(server, params, message):
    # the paragraph page uses the query (for its highlights), not the filters (kept for the way back)
    paragraph = [] if {"year", "section"} & set(params) else ["/paragraph/29a3147a4c7c8d26-0016"]
    for path in ["/", "/api/search", "/export.csv", "/kwic", *paragraph]:
        status, _, body = server.get(path, params)
        assert status == 400, (path, params)
        assert "Traceback" not in body and message in unescape(body)
        if path == "/":
            alert = elements(body, "p", "error")
            assert alert and len(alert[0][1]) > len("Cannot show this: ") + 5
            assert next(a for t, a in tags(body) if t == "input")["id"] == "q"  # the box, to fix the query
        if path == "/api/search":
            assert json.loads(body)["error"]


def test_paragraph_page_bad_parameters_and_unknown_ids(server):
    for around in ("-1", "51", "x"):
        assert server.get("/paragraph/29a3147a4c7c8d26-0016", {"around": around})[0] == 400
    for pid in ("nothing", "29a3147a4c7c8d26-9999", "29a3147a4c7c8d26", "report:29a3147a4c7c8d26"):
        status, _, body = server.get(f"/paragraph/{pid}")
        assert status == 404 and "no paragraph" in body


@pytest.mark.parametrize(
    "path",
    [
        "/static/../../etc/passwd",
        "/static/../policysearch/web/app.py",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/static/..%2f..%2fetc%2fpasswd",
        "/static/%252e%252e%252fetc",
        "/static/app.js%00",
        "/static/app.js%00.png",
        "/static/%00",
        "/static/..%5c..%5cwindows",
        "/static/",
        "/static",
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/templates/base.html",
        "/static/../app.py",
        "/static/.%2e/app.py",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/index",
        "/admin",
    ],
)
def test_no_file_outside_the_static_folder(server, path):
    status, _, body = server.get(path)
    assert status == 404 and "root:" not in body and "import" not in body


def test_static_files_come_from_the_package(server):
    here = os.path.join(os.path.dirname(__file__), "..", "policysearch", "web", "static")
    for name, kind in (("style.css", "text/css"), ("app.js", "javascript")):
        status, headers, body = server.get(f"/static/{name}")
        assert status == 200 and kind in headers["content-type"]
        with open(os.path.join(here, name), encoding="utf-8") as f:
            assert body == f.read()
    _, _, html = server.get("/", {"q": "改造"})
    external = [
        v
        for tag, key in (("link", "href"), ("script", "src"), ("img", "src"))
        for a, _ in elements(html, tag)
        for v in [a.get(key, "")]
        if v and not v.startswith("/")
    ]
    assert external == []


def test_read_only_no_route_takes_a_write(server):
    before = Index(server.index).stats()
    for path in ("/", "/paragraph/29a3147a4c7c8d26-0016", "/api/search", "/export.csv", "/static/app.js"):
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            status, _, body = server.get(path + "?q=%E6%94%B9%E9%80%A0", method=method)
            assert status == 405 and "Traceback" not in body, (path, method)
        assert server.get(path + "?q=%E6%94%B9%E9%80%A0", method="HEAD")[0] in (200, 404)
    after = Index(server.index).stats()
    assert (before.reports, before.paragraphs, before.size_bytes) == (after.reports, after.paragraphs, after.size_bytes)


def test_headers_keep_document_text_from_running(server):
    _, headers, _ = server.get("/", {"q": "改造"})
    policy = headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["server-timing"].startswith("app;dur=")


def test_binds_this_machine_only_and_answers_only_its_own_name(server):
    assert server.host == "127.0.0.1"
    assert not any("WARNING" in line for line in server.stderr_lines)
    listening = [line for line in server.stderr_lines if "serving" in line]
    assert listening and "127.0.0.1" in listening[0]
    # a page elsewhere reaching this port through a DNS name of its own is refused
    assert server.get("/", {"q": "改造"}, headers={"Host": "evil.example"})[0] == 400
    assert server.get("/", {"q": "改造"}, headers={"Host": f"localhost:{server.port}"})[0] == 200
    others = [
        a
        for a in {i[4][0] for i in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
        if not a.startswith("127.")
    ]
    for address in others:
        with pytest.raises(OSError):
            socket.create_connection((address, server.port), timeout=2).close()


def test_another_host_is_said_loudly(web_index):
    s = Server(web_index, "--host", "0.0.0.0")
    try:
        warning = [line for line in s.stderr_lines if "WARNING" in line]
        assert warning and "0.0.0.0" in warning[0] and "anyone" in warning[0]
        assert s.get("/", {"q": "改造"})[0] == 200
    finally:
        s.stop()


def test_a_port_in_use_is_one_line(server):
    out = cli("serve", "--index", server.index, "--port", str(server.port))
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "cannot listen" in out.stderr


def test_each_request_sees_one_index_state_while_reports_are_added(tmp_path):
    """A writer adds copies of a report one by one while requests come in: every answer is one
    state of the index (hits and facet counts agree, each copy counted whole or not at all), and
    what a reader sees never goes back."""
    path = build_index(tmp_path)
    source = os.path.join(os.path.dirname(path), "corpus", "000_34ccb5e9137a61a1.txt")
    with open(source, encoding="utf-8") as f:
        text = f.read()
    copies = []
    for i in range(6):
        copies.append(tmp_path / f"copy{i}.txt")
        copies[-1].write_text(text + f"\n\n附：第{i}号补充说明。\n", encoding="utf-8")
    query = '"城中村"'
    first = library(path, query, limit=None)
    per_copy = sum(1 for h in first.hits if ix_source(path, h.doc_id) == source)
    states = {first.total + k * per_copy for k in range(len(copies) + 1)}
    s = Server(path)
    errors, done = [], threading.Event()
    seen: list[list[int]] = [[], []]

    def read(mine: list[int]):
        while not done.is_set():
            status, _, body = s.get("/api/search", {"q": query, "limit": 100})
            doc = json.loads(body) if status == 200 else {}
            if not (
                doc
                and doc["total"] in states
                and doc["total"] == len(doc["hits"]) == sum(doc["facets"]["year"].values())
            ):
                errors.append(body)
                continue
            mine.append(doc["total"])
            status, _, page = s.get(f"/paragraph/{doc['hits'][-1]['id']}", {"q": query})
            if status != 200:
                errors.append(page)

    readers = [threading.Thread(target=read, args=(mine,)) for mine in seen]
    try:
        for t in readers:
            t.start()
        for copy in copies:
            out = cli("add", "--index", path, "-q", str(copy))
            assert out.returncode == 0, out.stderr
    finally:
        done.set()
        for t in readers:
            t.join(60)
        s.stop()
    assert not errors, errors[:2]
    for mine in seen:
        assert len(mine) > len(copies) and mine == sorted(mine)
    assert max(max(mine) for mine in seen) >= first.total + (len(copies) - 1) * per_copy


def ix_source(path: str, report_id: str) -> str:
    report = Index(path).report(report_id)
    assert report is not None
    return report.source
