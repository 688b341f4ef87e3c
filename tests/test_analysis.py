"""trend, kwic and keywords against scans of the corpus as read_report sees it.

- trend: every cell equals a count of the paragraphs whose scan form holds the phrase, grouped by
  the facet, under random filters; denominators count the cell's paragraphs and reports alike;
- kwic: one line per occurrence a scan finds (overlapping ones too), at the right offset, with
  context that fits its width in display columns, in the order asked for;
- keywords: counts equal a count over the words of the paragraphs, cut again with text.segment;
- the commands: JSON shapes, CSV, exit codes, errors in one line, charts written.
"""
import csv
import io
import json
import os
import unicodedata
from collections import Counter

import pytest
from click.testing import CliRunner
from hypothesis import assume, example, given, settings, strategies as st

from conftest import CORPUS, scan_form
from policysearch import QueryError, read_report
from policysearch.cli import main

REPORTS = [read_report(os.path.join(CORPUS, name)) for name in sorted(os.listdir(CORPUS))]
PARAGRAPHS = [(p, r) for r in REPORTS for p in r.paragraphs]
TEXTS = [p.text for p, _ in PARAGRAPHS]
QUOTES = '"“”'
BY = {"year": "year", "town": "town", "district": "district", "section": "section_type", "type": "doc_type"}


def value(paragraph, report, facet):
    return paragraph.section_type if facet == "section_type" else getattr(report, facet)


def columns(text: str) -> int:
    """Display columns, written independently of policysearch: wide and full-width take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@st.composite
def corpus_phrases(draw):
    text = draw(st.sampled_from(TEXTS))
    start = draw(st.integers(0, max(0, len(text) - 1)))
    phrase = "".join(c for c in text[start:start + draw(st.integers(1, 8))] if c not in QUOTES)
    assume(scan_form(phrase))
    return phrase


phrases = st.one_of(corpus_phrases(), st.sampled_from(["城中村", "改造", "发展", "镇", "的", "2024"]))


@st.composite
def filters(draw):
    """Keyword filters drawn from the corpus's own values (or none)."""
    p, r = draw(st.sampled_from(PARAGRAPHS))
    chosen = draw(st.sets(st.sampled_from(["town", "district", "year", "section", "doc_type"]), max_size=2))
    out = {}
    for name in chosen:
        if name == "section":
            out[name] = p.section_type
        elif name == "year":
            out[name] = draw(st.sampled_from([r.year, f"{r.year - 1}-{r.year}"]))
        else:
            out[name] = getattr(r, name)
    return out


def admitted(p, r, kw: dict) -> bool:
    for name, want in kw.items():
        if name == "year":
            first, _, last = str(want).partition("-")
            if r.year is None or not int(first) <= r.year <= int(last or first):
                return False
        elif (p.section_type if name == "section" else getattr(r, name)) != want:
            return False
    return True


def scan_cells(phrase: str, facet: str, kw: dict) -> dict:
    """{key: (hits, hit reports, paragraphs, reports)} by scanning every paragraph."""
    form, cells = scan_form(phrase), {}
    for p, r in PARAGRAPHS:
        if not admitted(p, r, kw):
            continue
        v = value(p, r, facet)
        key = None if v in (None, "") else str(v)
        hits, hit_reports, paragraphs, reports = cells.setdefault(key, (set(), set(), set(), set()))
        paragraphs.add(p.id)
        reports.add(r.id)
        if form in scan_form(p.text):
            hits.add(p.id)
            hit_reports.add(r.id)
    return {k: tuple(map(len, v)) for k, v in cells.items()}


# -- trend ------------------------------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(a=phrases, b=phrases, by=st.sampled_from(sorted(BY)), kw=filters(), per=st.sampled_from(["paragraphs",
                                                                                                    "reports"]))
@example(a="城中村", b="改造", by="year", kw={}, per="paragraphs")
def test_trend_cells_equal_a_scan(sample_index, a, b, by, kw, per):
    result = sample_index.trend([f'"{a}"', f'"{b}"'], by=by, per=per, **kw)
    assert list(result) == ["queries", "by", "per", "cells"] and result["by"] == BY[by]
    for n, phrase in enumerate((a, b)):
        expected = scan_cells(phrase, BY[by], kw)
        got = {c["key"]: (c["series"][n]["paragraphs"], c["series"][n]["reports"], c["total_paragraphs"],
                          c["total_reports"]) for c in result["cells"]}
        assert got == expected
        for c in result["cells"]:
            s = c["series"][n]
            whole = c["total_paragraphs"] if per == "paragraphs" else c["total_reports"]
            assert s["rate"] == round((1000 if per == "paragraphs" else 100) * s[per] / whole, 2)
            assert c["thin"] == (c["total_reports"] < 3)
        total = sample_index.search(f'"{phrase}"', limit=0, **kw)
        assert sum(c["series"][n]["paragraphs"] for c in result["cells"]) == total.total
        if by != "section":          # a report has one year, place and kind, but several section types
            assert sum(c["series"][n]["reports"] for c in result["cells"]) == total.reports


def test_trend_filters_in_the_query_are_the_cells_filters(sample_index):
    town = REPORTS[0].town
    inline = sample_index.trend([f'"城中村" town:{town}', f'"改造" town:{town}'], by="year")
    given_once = sample_index.trend(['"城中村"', '"改造"'], by="year", town=town)
    assert [c["total_paragraphs"] for c in inline["cells"]] == [c["total_paragraphs"] for c in given_once["cells"]]
    assert [[s["paragraphs"] for s in c["series"]] for c in inline["cells"]] == \
        [[s["paragraphs"] for s in c["series"]] for c in given_once["cells"]]
    with pytest.raises(QueryError):
        sample_index.trend([f'"城中村" town:{town}', '"改造"'], by="year")


@pytest.mark.parametrize("bad", [{"by": "nope"}, {"by": "words"}, {"per": "words"}])
def test_trend_refuses_what_it_cannot_count(sample_index, bad):
    with pytest.raises(QueryError):
        sample_index.trend(['"城中村"'], **bad)


def test_trend_by_takes_any_facet_of_the_schema(sample_index):
    from policysearch.store.schema import FACETS
    for facet in FACETS:
        result = sample_index.trend(['"发展"'], by=facet)
        assert result["by"] == facet and result["cells"]


# -- kwic -------------------------------------------------------------------------------------------

def scan_occurrences(phrase: str, kw: dict | None = None) -> Counter:
    """{paragraph id: occurrences of the phrase's scan form, overlapping ones too}."""
    form, found = scan_form(phrase), Counter()
    for p, r in PARAGRAPHS:
        if kw and not admitted(p, r, kw):
            continue
        text = scan_form(p.text)
        found[p.id] = sum(1 for i in range(len(text)) if text.startswith(form, i))
    return +found


BY_ID = {p.id: (p, r) for p, r in PARAGRAPHS}


@settings(max_examples=150, deadline=None)
@given(phrase=phrases, kw=filters(), width=st.integers(0, 30), sort=st.sampled_from(["year", "place", "left",
                                                                                        "right"]))
@example(phrase="城中村", kw={}, width=20, sort="left")
@example(phrase="哈", kw={}, width=10, sort="year")
def test_kwic_lines_are_the_occurrences_a_scan_finds(sample_index, phrase, kw, width, sort):
    result = sample_index.kwic(f'"{phrase}"', width=width, sort=sort, **kw)
    assert list(result) == ["query", "total", "lines"]
    expected = scan_occurrences(phrase, kw)
    assert result["total"] == len(result["lines"]) == sum(expected.values())
    assert Counter(line["paragraph_id"] for line in result["lines"]) == expected
    assert len({(line["paragraph_id"], line["start"]) for line in result["lines"]}) == result["total"]
    form = scan_form(phrase)
    for line in result["lines"]:
        p, r = BY_ID[line["paragraph_id"]]
        text, start = p.text, line["start"]
        assert scan_form(text[start:]).startswith(form) and scan_form(text[start]) == form[0]
        assert text[start:start + len(line["match"])] == line["match"] and scan_form(line["match"]) == form
        before = text[:start].replace("\n", " ")
        after = text[start + len(line["match"]):].replace("\n", " ")
        assert before.endswith(line["left"]) and after.startswith(line["right"])
        assert columns(line["left"]) <= width and columns(line["right"]) <= width
        if len(line["left"]) < len(before):           # as much context as fits
            assert columns(before[-len(line["left"]) - 1:]) > width
        if len(line["right"]) < len(after):
            assert columns(after[:len(line["right"]) + 1]) > width
        assert (line["doc_id"], line["town"], line["district"], line["year"]) == (r.id, r.town, r.district, r.year)
    keys = [sort_key(line, sort) for line in result["lines"]]
    assert keys == sorted(keys)


def sort_key(line: dict, sort: str):
    p, r = BY_ID[line["paragraph_id"]]
    if sort == "year":
        return r.year
    if sort == "place":
        return r.district, r.town
    left = scan_form(p.text[:line["start"]])[::-1][:50]
    right = scan_form(p.text[line["start"] + len(line["match"]):])[:50]
    return (left,) if sort == "left" else (right,)


def test_kwic_limit_keeps_the_first_lines_and_the_total(sample_index):
    whole = sample_index.kwic('"发展"', sort="left")
    some = sample_index.kwic('"发展"', sort="left", limit=5)
    assert some["total"] == whole["total"] > 5 and some["lines"] == whole["lines"][:5]


def test_kwic_of_words_shows_the_whole_run_once(sample_index):
    """城中村改造 unquoted: 城中村 and 改造 anywhere in a paragraph; where they stand together the
    line is the run, not three lines."""
    result = sample_index.kwic("城中村改造")
    runs = sum(scan_occurrences("城中村改造").values())
    assert sum(1 for line in result["lines"] if scan_form(line["match"]) == "城中村改造") == runs
    lone = sum(1 for line in result["lines"] if scan_form(line["match"]) in ("城中村", "改造"))
    assert lone + runs == result["total"] and lone > 0


def test_kwic_widths_are_display_columns(sample_index):
    from policysearch.text import display_width
    assert display_width("城中村 G60") == 10 and display_width("ＡＢ") == 4
    line = sample_index.kwic('"城中村"', width=10)["lines"][0]
    assert columns(line["left"]) in (9, 10) or len(line["left"]) == len(BY_ID[line["paragraph_id"]][0].text[:line["start"]])
