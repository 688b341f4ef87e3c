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
from helpers import CORPUS, scan_form
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from policysearch import Index, QueryError, read_report
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
    phrase = "".join(c for c in text[start : start + draw(st.integers(1, 8))] if c not in QUOTES)
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
@given(
    a=phrases, b=phrases, by=st.sampled_from(sorted(BY)), kw=filters(), per=st.sampled_from(["paragraphs", "reports"])
)
@example(a="城中村", b="改造", by="year", kw={}, per="paragraphs")
def test_trend_cells_equal_a_scan(sample_index, a, b, by, kw, per):
    result = sample_index.trend([f'"{a}"', f'"{b}"'], by=by, per=per, **kw)
    assert list(result) == ["queries", "by", "per", "cells"] and result["by"] == BY[by]
    for n, phrase in enumerate((a, b)):
        expected = scan_cells(phrase, BY[by], kw)
        got = {
            c["key"]: (
                c["series"][n]["paragraphs"],
                c["series"][n]["reports"],
                c["total_paragraphs"],
                c["total_reports"],
            )
            for c in result["cells"]
        }
        assert got == expected
        for c in result["cells"]:
            s = c["series"][n]
            whole = c["total_paragraphs"] if per == "paragraphs" else c["total_reports"]
            assert s["rate"] == round((1000 if per == "paragraphs" else 100) * s[per] / whole, 2)
            assert c["thin"] == (c["total_reports"] < 3)
        total = sample_index.search(f'"{phrase}"', limit=0, **kw)
        assert sum(c["series"][n]["paragraphs"] for c in result["cells"]) == total.total
        if by != "section":  # a report has one year, place and kind, but several section types
            assert sum(c["series"][n]["reports"] for c in result["cells"]) == total.reports


def test_trend_filters_in_the_query_are_the_cells_filters(sample_index):
    town = REPORTS[0].town
    inline = sample_index.trend([f'"城中村" town:{town}', f'"改造" town:{town}'], by="year")
    given_once = sample_index.trend(['"城中村"', '"改造"'], by="year", town=town)
    assert [c["total_paragraphs"] for c in inline["cells"]] == [c["total_paragraphs"] for c in given_once["cells"]]
    assert [[s["paragraphs"] for s in c["series"]] for c in inline["cells"]] == [
        [s["paragraphs"] for s in c["series"]] for c in given_once["cells"]
    ]
    with pytest.raises(QueryError):
        sample_index.trend([f'"城中村" town:{town}', '"改造"'], by="year")
    assert sample_index.trend('"城中村"') == sample_index.trend(['"城中村"'])


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
@given(phrase=phrases, kw=filters(), width=st.integers(0, 30), sort=st.sampled_from(["year", "place", "left", "right"]))
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
        assert text[start : start + len(line["match"])] == line["match"] and scan_form(line["match"]) == form
        before = text[:start].replace("\n", " ")
        after = text[start + len(line["match"]) :].replace("\n", " ")
        assert before.endswith(line["left"]) and after.startswith(line["right"])
        assert columns(line["left"]) <= width and columns(line["right"]) <= width
        if len(line["left"]) < len(before):  # as much context as fits
            assert columns(before[-len(line["left"]) - 1 :]) > width
        if len(line["right"]) < len(after):
            assert columns(after[: len(line["right"]) + 1]) > width
        assert (line["doc_id"], line["town"], line["district"], line["year"]) == (r.id, r.town, r.district, r.year)
    keys = [sort_key(line, sort) for line in result["lines"]]
    assert keys == sorted(keys)


def sort_key(line: dict, sort: str):
    p, r = BY_ID[line["paragraph_id"]]
    if sort == "year":
        return r.year
    if sort == "place":
        return r.district, r.town
    left = scan_form(p.text[: line["start"]])[::-1][:50]
    right = scan_form(p.text[line["start"] + len(line["match"]) :])[:50]
    return (left,) if sort == "left" else (right,)


@pytest.mark.parametrize("sort", ["left", "right", "year", "place"])
@pytest.mark.parametrize("query", ['"发展"', "城中村改造", '"乡村振兴" OR "美丽乡村"', '"人人"'])
def test_kwic_limit_keeps_the_first_lines_and_the_total(sample_index, sort, query):
    """By year and place only the paragraphs of the first lines are looked at, the others counted."""
    whole = sample_index.kwic(query, sort=sort)
    for limit in (0, 1, 5, 37, whole["total"] + 1):
        some = sample_index.kwic(query, sort=sort, limit=limit)
        assert some["total"] == whole["total"] and some["lines"] == whole["lines"][:limit], limit
    assert whole["total"] > 5


@pytest.mark.parametrize("sort", ["year", "place"])
def test_kwic_puts_a_report_of_no_known_year_or_place_last(tmp_path, corpus_copy, sort):
    from policysearch import Index

    (corpus_copy / "nowhere.txt").write_text(
        "城中村改造的几点体会\n\n城中村改造要听取群众意见。城中村改造要算好账。\n", "utf-8"
    )
    ix = Index(tmp_path / "index")
    ix.build(corpus_copy)
    lines = ix.kwic('"城中村改造"', sort=sort)["lines"]
    unknown = [line["year"] is None and line["district"] is None for line in lines]
    assert sum(unknown) == 3 and unknown[-3:] == [True, True, True]
    starts = [line["start"] for line in lines[-3:]]  # reading order among equal keys
    assert lines[-3]["paragraph_id"] < lines[-2]["paragraph_id"] and starts[1] < starts[2]
    assert ix.kwic('"城中村改造"', sort=sort, limit=len(lines) - 2)["lines"] == lines[:-2]


def test_kwic_of_words_shows_the_whole_run_once(sample_index):
    """城中村改造 unquoted: 城中村 and 改造 anywhere in a paragraph; where they stand together the
    line is the run, not three lines."""
    result = sample_index.kwic("城中村改造")
    runs = sum(scan_occurrences("城中村改造").values())
    assert sum(1 for line in result["lines"] if scan_form(line["match"]) == "城中村改造") == runs
    lone = sum(1 for line in result["lines"] if scan_form(line["match"]) in ("城中村", "改造"))
    assert lone + runs == result["total"] and lone > 0


def test_display_width_counts_chinese_as_two_columns():
    from policysearch.text import display_width

    assert display_width("城中村 G60") == 10 and display_width("ＡＢ") == 4 and display_width("") == 0


# -- keywords ---------------------------------------------------------------------------------------


def indexed_words(text: str) -> list[str]:
    """A paragraph's words as the index holds them: jieba's, lowercased, without the stop words."""
    from policysearch.store.schema import STOP_WORDS
    from policysearch.text import segment

    return [w.lower() for w in segment(text) if w.lower() not in STOP_WORDS]


WORDS = {p.id: Counter(indexed_words(p.text)) for p, _ in PARAGRAPHS}


def scan_words(paragraphs) -> tuple[Counter, dict]:
    counts, reports = Counter(), {}
    for p, r in paragraphs:
        counts.update(WORDS[p.id])
        for w in WORDS[p.id]:
            reports.setdefault(w, set()).add(r.id)
    return counts, reports


def check_keywords(result, focus, reference, min_reports):
    """Every row's counts against the scan; every word of enough focus reports listed."""
    from policysearch.query.keywords import shown

    f_counts, f_reports = scan_words(focus)
    r_counts, _ = scan_words(reference)
    f_total, r_total = sum(f_counts.values()), sum(r_counts.values())
    assert (result["focus"]["paragraphs"], result["focus"]["words"]) == (len(focus), f_total)
    assert (result["reference"]["paragraphs"], result["reference"]["words"]) == (len(reference), r_total)
    assert result["focus"]["reports"] == len({r.id for _, r in focus})
    for row in result["keywords"]:
        w = row["word"]
        assert (row["focus_count"], row["reference_count"], row["focus_reports"]) == (
            f_counts[w],
            r_counts[w],
            len(f_reports[w]),
        )
        f, r = f_counts[w] * 1e6 / f_total, r_counts[w] * 1e6 / r_total
        assert row["focus_per_million"] == round(f, 1) and row["reference_per_million"] == round(r, 1)
        assert row["score"] == round((f + 1) / (r + 1), 3)
        assert not w.isdigit() and w not in "的了和与及在是等对为以"
    assert {row["word"] for row in result["keywords"]} == {
        w for w in f_counts if len(f_reports[w]) >= min_reports and shown(w)
    }
    scores = [row["score"] for row in result["keywords"]]
    assert scores == sorted(scores, reverse=True)


@settings(max_examples=25, deadline=None)
@given(kw=filters(), min_reports=st.integers(1, 3), vs=st.sampled_from([None, "small", "large"]))
def test_keyword_counts_equal_a_count_over_the_stored_words(sample_index, kw, min_reports, vs):
    assume(kw)
    town = REPORTS[-1].town
    reference_query = {None: None, "small": f"town:{town}", "large": f"NOT town:{town}"}[vs]
    result = sample_index.keywords(vs=reference_query, limit=None, min_reports=min_reports, **kw)
    focus = [(p, r) for p, r in PARAGRAPHS if admitted(p, r, kw)]
    reference = [(p, r) for p, r in PARAGRAPHS if vs is None or (r.town == town) == (vs == "small")]
    check_keywords(result, focus, reference, min_reports)


@settings(max_examples=40, deadline=None)
@given(kw=filters(), min_reports=st.integers(1, 4), limit=st.integers(0, 80))
def test_keywords_with_a_limit_are_the_first_of_all(sample_index, kw, min_reports, limit):
    # the reports using a word are counted for the best words only, as many as the limit needs:
    # the rows are those of the whole list (ties broken by the word), however many words fall short
    assume(kw)
    whole = sample_index.keywords(limit=None, min_reports=min_reports, **kw)["keywords"]
    assert sample_index.keywords(limit=limit, min_reports=min_reports, **kw)["keywords"] == whole[:limit]


def test_keywords_stay_exact_after_add_and_remove(tmp_path, corpus_copy):
    """A second segment (add) and deleted paragraphs (remove) that the segments still hold."""
    from policysearch import Index

    names = sorted(os.listdir(corpus_copy))
    held = tmp_path / "later"
    held.mkdir()
    os.replace(corpus_copy / names[-1], held / names[-1])
    ix = Index(tmp_path / "index")
    ix.build(corpus_copy)
    before = ix.keywords(town=REPORTS[0].town, limit=None)  # counts the first segment, keeps them
    ix.add(held / names[-1])
    gone = REPORTS[1]
    assert ix.remove(gone.id).removed == [gone.id]
    result = ix.keywords(town=REPORTS[0].town, limit=None)
    assert result["reference"]["words"] != before["reference"]["words"]
    kept = [(p, r) for p, r in PARAGRAPHS if r.id != gone.id]
    check_keywords(result, [(p, r) for p, r in kept if r.town == REPORTS[0].town], kept, 2)


def test_keywords_need_a_focus(sample_index):
    with pytest.raises(QueryError):
        sample_index.keywords()


# -- the commands -----------------------------------------------------------------------------------


def cli(ix, *args):
    result = CliRunner().invoke(main, [*args, "--index", ix.path, "--color", "never"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def test_trend_command_json_csv_text_and_exit_codes(sample_index):
    out = cli(sample_index, "trend", '"城中村"', '"改造"', "--by", "town", "--json")
    assert out.exit_code == 0
    doc = json.loads(out.stdout)
    assert doc == sample_index.trend(['"城中村"', '"改造"'], by="town")
    cell = doc["cells"][0]
    assert list(cell) == ["key", "series", "total_paragraphs", "total_reports", "thin"]
    assert list(cell["series"][0]) == ["query", "paragraphs", "reports", "rate"]
    rows = list(
        csv.DictReader(io.StringIO(cli(sample_index, "trend", '"城中村"', '"改造"', "--by", "town", "--csv").stdout))
    )
    assert len(rows) == 2 * len(doc["cells"]) and rows[0]["key"] == cell["key"]
    assert int(rows[0]["paragraphs"]) == cell["series"][0]["paragraphs"]
    text = cli(sample_index, "trend", '"城中村"', "--by", "year").stdout
    assert all(c["key"] in text for c in sample_index.trend(['"城中村"'])["cells"]) and "█" in text
    assert cli(sample_index, "trend", '"这个短语不在任何报告里"').exit_code == 1
    for bad in (["--by", "nope"], ["--by", "section", "--year", "abc"]):
        r = cli(sample_index, "trend", '"城中村"', *bad)
        assert r.exit_code == 2 and r.stdout == "" and len(r.stderr.splitlines()) == 1, r.output


def test_trend_chart_is_written_with_chinese_labels(sample_index, tmp_path):
    svg, png = tmp_path / "trend.svg", tmp_path / "trend.png"
    assert cli(sample_index, "trend", '"城中村"', "--by", "town", "--chart", str(svg)).exit_code == 0
    body = svg.read_text(encoding="utf-8")
    assert body.startswith("<?xml") and "<svg" in body
    for c in sample_index.trend(['"城中村"'], by="town")["cells"]:
        assert c["key"] in body  # the label, as text
        assert f"{c['key']}: {c['total_paragraphs']} paragraphs" in body  # its denominators in the caption
    assert cli(sample_index, "trend", '"城中村"', "--chart", str(png)).exit_code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = cli(sample_index, "trend", '"城中村"', "--chart", str(tmp_path / "trend.gif"))
    assert bad.exit_code == 2 and len(bad.stderr.splitlines()) == 1 and not (tmp_path / "trend.gif").exists()


def test_chart_without_a_chinese_font_says_so(monkeypatch):
    from matplotlib import font_manager

    from policysearch import PolicySearchError
    from policysearch.chart import cjk_font

    assert cjk_font()  # this machine has one (fonts-noto-cjk)
    latin = [f for f in font_manager.fontManager.ttflist if "DejaVu" in f.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin)
    with pytest.raises(PolicySearchError, match="no font with Chinese characters"):
        cjk_font()


def test_kwic_command_json_csv_and_exit_codes(sample_index):
    doc = json.loads(cli(sample_index, "kwic", "城中村改造", "--json", "--limit", "0").stdout)
    assert doc == sample_index.kwic("城中村改造")
    assert list(doc["lines"][0]) == [
        "left",
        "match",
        "right",
        "paragraph_id",
        "doc_id",
        "town",
        "district",
        "city",
        "province",
        "year",
        "start",
    ]
    rows = list(csv.DictReader(io.StringIO(cli(sample_index, "kwic", "城中村改造", "--csv", "--limit", "3").stdout)))
    assert [r["paragraph_id"] for r in rows] == [line["paragraph_id"] for line in doc["lines"][:3]]
    text = cli(sample_index, "kwic", '"城中村"', "--width", "20").stdout.splitlines()
    ends = {columns(line.split(" 城中村 ")[0]) for line in text if " 城中村 " in line}
    assert ends == {20}  # the left context right-aligned
    assert cli(sample_index, "kwic", '"这个短语不在任何报告里"').exit_code == 1
    r = cli(sample_index, "kwic", '"城中村', "--json")
    assert r.exit_code == 2 and len(r.stderr.splitlines()) == 1


def test_keywords_command_json_csv_and_exit_codes(sample_index):
    town = REPORTS[0].town
    doc = json.loads(cli(sample_index, "keywords", f"town:{town}", "--json", "--limit", "5").stdout)
    assert doc == sample_index.keywords(f"town:{town}", limit=5)
    assert list(doc) == ["focus", "reference", "keywords"] and len(doc["keywords"]) == 5
    assert list(doc["keywords"][0]) == [
        "word",
        "score",
        "focus_count",
        "reference_count",
        "focus_per_million",
        "reference_per_million",
        "focus_reports",
    ]
    same = json.loads(cli(sample_index, "keywords", "--town", town, "--json", "--limit", "5").stdout)
    assert same["keywords"] == doc["keywords"]
    rows = list(csv.DictReader(io.StringIO(cli(sample_index, "keywords", "--town", town, "--csv").stdout)))
    assert rows[0]["word"] == doc["keywords"][0]["word"] and len(rows) == 30
    assert cli(sample_index, "keywords", "--town", town, "--min-reports", "9").exit_code == 1
    r = cli(sample_index, "keywords")
    assert r.exit_code == 2 and len(r.stderr.splitlines()) == 1


@given(
    form=st.text(alphabet="人民村", max_size=30),
    terms=st.lists(st.text(alphabet="人民村", min_size=1, max_size=4), min_size=1, max_size=3),
)
@example(form="人人人", terms=["人人"])
def test_kwic_counts_what_it_would_list(form, terms):
    """The count of the lines not made (kwic by year or place with a limit) is the lines' count,
    overlapping occurrences of a term too (str.count does not see them)."""
    from policysearch.query.analyze import occurrence_counter, occurrences

    assert occurrence_counter(terms)(form) == len(occurrences(form, terms))


def test_kwic_total_counts_no_occurrence_across_two_paragraphs(tmp_path):
    """A heading that ends in '城中' above a paragraph that starts with '村', both holding 城中村: no
    occurrence between them, with a limit too (the total is then counted over a segment's forms
    joined in one string)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notice.txt").write_text(
        "关于城中村改造的通知\n\n各镇人民政府:\n\n推进城中村改造,是今年的重点工作。\n\n"
        "一、城中村改造这一段在末尾写到城中\n\n村民参与城中村改造,是第二段的开头。\n",
        encoding="utf-8",
    )
    ix = Index(tmp_path / "index")
    ix.build(corpus)
    whole = ix.kwic('"城中村"')
    assert whole["total"] == len(whole["lines"]) == 4  # the title, the third paragraph, heading, paragraph
    assert ix.kwic('"城中村"', limit=1)["total"] == 4
