"""Properties over many generated inputs (hypothesis), against independent oracles.

- An exact phrase finds precisely the paragraphs whose scan form (conftest.scan_form: NFKC, no
  whitespace, quotes or brackets) holds the phrase's scan form; AND, OR and NOT are set algebra;
  facets count the hits' metadata; pages of a result hold every hit once, in the full order.
- repair() is idempotent; report and paragraph ids are stable across calls and processes.
- Whatever the input, read_report gives a Report or a PolicySearchError, a query Results or a
  QueryError, and the CLI one line, never a traceback.
"""

import hashlib
import io
import json
import os
import string
import subprocess
import sys
import zipfile
from collections import Counter

import pytest
from click.testing import CliRunner
from helpers import CORPUS, make_docx, make_pdf, scan_form
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from policysearch import PolicySearchError, QueryError, Report, Results, read_report
from policysearch.cli import main
from policysearch.repair import repair

QUOTES = '"“”'  # the query language's phrase delimiters: never inside a phrase
FACET_KEYS = {
    "province": "province",
    "city": "city",
    "district": "district",
    "town": "town",
    "year": "year",
    "doc_type": "doc_type",
}


# -- the oracle: the corpus as read_report sees it, scanned ---------------------------------------


class Oracle:
    def __init__(self, reports):
        self.reports = {r.id: r for r in reports}
        self.paragraphs = [(p, r) for r in reports for p in r.paragraphs]
        self.forms = {p.id: scan_form(p.text) for p, _ in self.paragraphs}
        self.universe = set(self.forms)
        self.by_id = {p.id: (p, r) for p, r in self.paragraphs}
        self.texts = [p.text for p, _ in self.paragraphs]
        self.alphabet = sorted({c for t in self.texts for c in t if c not in QUOTES and not c.isspace()})

    def scan(self, phrase: str) -> set:
        form = scan_form(phrase)
        return {pid for pid, f in self.forms.items() if form in f}


@pytest.fixture(scope="module")
def oracle(corpus_reports):
    return Oracle(corpus_reports)


ORACLE = Oracle([read_report(os.path.join(CORPUS, name)) for name in sorted(os.listdir(CORPUS))])


def full_width(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c in string.ascii_letters + string.digits else c for c in s)


@st.composite
def corpus_phrases(draw):
    """1-12 characters of a corpus paragraph, as written or varied the ways matching ignores."""
    text = draw(st.sampled_from(ORACLE.texts))
    start = draw(st.integers(0, max(0, len(text) - 1)))
    phrase = text[start : start + draw(st.integers(1, 12))]
    phrase = "".join(c for c in phrase if c not in QUOTES)  # dropped by the match form anyway
    variant = draw(st.sampled_from(["as is", "spaced", "full width", "both"]))
    if variant in ("spaced", "both"):
        phrase = draw(st.sampled_from([" ", "  ", "\u3000", "\t"])).join(phrase)
    if variant in ("full width", "both"):
        phrase = full_width(phrase)
    return phrase


random_phrases = st.text(
    alphabet=st.one_of(
        st.sampled_from(ORACLE.alphabet), st.characters(blacklist_categories=("Cs",), blacklist_characters=QUOTES)
    ),
    min_size=1,
    max_size=12,
)
phrases = st.one_of(corpus_phrases(), corpus_phrases(), random_phrases)


def ids(results) -> list:
    return [h.id for h in results.hits]


def phrase_hits(ix, phrase) -> set:
    results = ix.search(f'"{phrase}"', limit=None)
    found = ids(results)
    assert len(found) == len(set(found)) == results.total
    return set(found)


# -- exact phrases and set algebra ------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(phrase=phrases)
@example(phrase="城中村改造")
@example(phrase="Ｇ６０")
@example(phrase="联东 U 谷")
def test_exact_phrase_hits_equal_the_substring_scan(sample_index, oracle, phrase):
    assume(scan_form(phrase))
    assert phrase_hits(sample_index, phrase) == oracle.scan(phrase)


@settings(max_examples=120, deadline=None)
@given(a=phrases, b=phrases)
def test_and_or_not_are_set_algebra(sample_index, oracle, a, b):
    assume(scan_form(a) and scan_form(b))
    A, B, U = oracle.scan(a), oracle.scan(b), oracle.universe

    def hits(query):
        results = sample_index.search(query, limit=None)
        assert results.total == len(results.hits) == len(set(ids(results)))
        return set(ids(results))

    assert hits(f'"{a}" "{b}"') == hits(f'"{a}" AND "{b}"') == A & B
    assert hits(f'"{a}" OR "{b}"') == hits(f'"{a}" | "{b}"') == A | B
    assert hits(f'"{a}" NOT "{b}"') == hits(f'"{a}" -"{b}"') == A - B
    assert hits(f'NOT "{b}"') == U - B
    assert hits(f'("{a}" OR "{b}") NOT ("{a}" "{b}")') == A ^ B


@settings(max_examples=100, deadline=None)
@given(a=phrases, b=phrases, combine=st.sampled_from(["{a}", "{a} OR {b}", "{a} NOT {b}"]))
def test_facets_count_the_hits_metadata(sample_index, oracle, a, b, combine):
    assume(scan_form(a) and scan_form(b))
    results = sample_index.search(combine.format(a=f'"{a}"', b=f'"{b}"'), limit=None)
    expected = {name: Counter() for name in (*FACET_KEYS, "section_type")}
    for hit in results.hits:
        paragraph, report = oracle.by_id[hit.id]
        assert hit.doc_id == report.id
        for name, key in FACET_KEYS.items():
            assert getattr(hit, name) == getattr(report, key), (hit.id, name)
            if getattr(report, key):
                expected[name][getattr(report, key)] += 1
        assert hit.section_type == paragraph.section_type
        expected["section_type"][paragraph.section_type] += 1
    assert {name: dict(counts) for name, counts in results.facets.items()} == {
        name: dict(counts) for name, counts in expected.items()
    }
    assert results.reports == len({h.doc_id for h in results.hits})


@st.composite
def paged_queries(draw):
    phrase = draw(st.one_of(corpus_phrases(), st.sampled_from(["城市", "改造", "发展", "的", "镇"])))
    assume(scan_form(phrase))
    return draw(st.sampled_from([f'"{phrase}"', phrase, f'"{phrase}" OR "建设"', f'NOT "{phrase}"']))


@settings(max_examples=60, deadline=None)
@given(query=paged_queries(), size=st.integers(1, 40), sort=st.sampled_from(["relevance", "date"]))
@example(query='"建设"', size=7, sort="relevance")
@example(query="城市更新", size=3, sort="relevance")
def test_pages_hold_every_hit_once_in_a_stable_order(sample_index, query, size, sort):
    try:
        whole = sample_index.search(query, limit=None, sort=sort)
    except QueryError:  # an unquoted piece of punctuation holds nothing to search for
        assume(False)
    assert ids(sample_index.search(query, limit=None, sort=sort)) == ids(whole)  # stable
    paged = []
    for offset in range(0, whole.total + size, size):
        page = sample_index.search(query, limit=size, offset=offset, sort=sort)
        assert page.total == whole.total and page.facets == whole.facets
        assert len(page.hits) == max(0, min(size, whole.total - offset))
        paged += ids(page)
    assert paged == ids(whole)
    assert len(set(paged)) == whole.total


# -- repair and ids ---------------------------------------------------------------------------------


def rejoin(blocks) -> str:
    """The text of blocks as a report would hold them: a heading marked as one, notes after their block."""
    lines = []
    for b in blocks:
        lines.append(("# " if b.heading else "") + b.text)
        lines += b.notes
    return "\n".join(lines)


def shape(blocks):
    return [(b.text, b.heading, b.notes) for b in blocks]


@pytest.mark.parametrize("name", sorted(os.listdir(CORPUS)))
def test_repair_is_idempotent_on_the_corpus(name):
    from policysearch.readers import read_source

    blocks = repair(read_source(os.path.join(CORPUS, name)).text)
    assert blocks
    assert shape(repair(rejoin(blocks))) == shape(blocks)


LINES = [line for t in ORACLE.texts for line in t.split("\n")]
report_text = st.lists(
    st.one_of(
        st.builds(
            lambda line, a, n: line[a % (len(line) + 1) :][:n],
            st.sampled_from(LINES),
            st.integers(0, 400),
            st.integers(1, 80),
        ),
        st.sampled_from(
            [
                "一、",
                "（二）",
                "1.",
                "(3)",
                "第三章",
                "【1】",
                "# ",
                "## ",
                "> ",
                "- ",
                "**",
                "- 3 -",
                "第 2 页",
                "12",
                "¹",
                "² 注释内容。",
                "——",
                "。",
                "，",
                " ",
                "\u3000",
                "\f",
                "名词解释",
                "附件",
                "[链接](http://example.cn)",
                "G60",
                "联东 U 谷",
            ]
        ),
        st.text(max_size=10),
    ),
    max_size=4,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=st.lists(report_text, max_size=25).map("\n".join))
@example(text="我们要加快推进城市更新，\n完善配套\n附件")  # a wrapped sentence, then a short line
@example(text="- > 引文")  # a quote inside a list item
def test_repair_is_idempotent_on_random_text(text):
    blocks = repair(text)
    assert shape(repair(rejoin(blocks))) == shape(blocks)


def measured_wrap_width(lines: list[str]) -> int | None:
    """repair.wrap_width as its rule reads, every line measured: the mode of the widths (in buckets
    of four) when it is at most 120 columns, half the lines lie within 6 of it and a tenth at
    most lie over 12 beyond it."""
    from policysearch.text import display_width

    widths = [display_width(l) for l in lines if len(l) >= 8]
    if len(widths) < 8:
        return None
    mode = Counter(w // 4 for w in widths).most_common(1)[0][0] * 4 + 2
    near = sum(abs(w - mode) <= 6 for w in widths)
    wider = sum(w > mode + 12 for w in widths)
    return mode if mode <= 120 and near >= 0.5 * len(widths) and wider <= 0.1 * len(widths) else None


# Lines of a hard-wrapped text (about as wide as each other), and others of any width, some too
# wide to be measured (wrap_width leaves a line of more than 132 characters unmeasured).
wrap_lines = st.one_of(
    st.integers(14, 64).map(lambda n: "城" * n),
    st.tuples(st.integers(0, 60), st.integers(0, 60)).map(lambda t: "城" * t[0] + "a" * t[1]),
    st.integers(120, 300).map(lambda n: "城a" * (n // 2)),
)


@settings(max_examples=400, deadline=None)
@given(lines=st.lists(wrap_lines, min_size=6, max_size=40))
@example(lines=["城" * 35] * 20 + ["城" * 150] * 2)  # a hard-wrapped text with two long paragraphs
@example(lines=["城" * 35] * 19 + ["城" * 150] * 3)  # more than a tenth too long: not hard-wrapped
@example(lines=["城" * 35] * 4 + ["城" * n for n in (10, 15, 20, 25, 45)] + ["城" * 150])  # under half near 70
def test_wrap_width_is_its_rule_with_every_line_measured(lines):
    """wrap_width measures only the lines that could be as wide as a text is wrapped at; the
    width it finds must be the one that measuring every line gives."""
    from policysearch.repair import wrap_width

    assert wrap_width(lines) == measured_wrap_width(lines)


def report_ids(paths) -> dict:
    out = {}
    for path in paths:
        r = read_report(path)
        out[os.path.basename(path)] = [r.id, [[p.id, p.text, p.section_type] for p in r.paragraphs]]
    return out


IDS_SCRIPT = """
import json, os, sys
from policysearch import read_report
out = {}
for path in sys.argv[1:]:
    r = read_report(path)
    out[os.path.basename(path)] = [r.id, [[p.id, p.text, p.section_type] for p in r.paragraphs]]
print(json.dumps(out))
"""


def test_ids_are_stable_across_calls_and_processes(corpus_copy):
    paths = sorted(str(p) for p in corpus_copy.iterdir())
    here = report_ids(paths)
    assert report_ids(paths) == here
    assert report_ids([os.path.join(CORPUS, os.path.basename(p)) for p in paths]) == here  # not where it lies
    for seed in ("0", "4242"):
        proc = subprocess.run(
            [sys.executable, "-c", IDS_SCRIPT, *paths],
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONHASHSEED=seed),
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout) == here
    for name, (rid, paragraphs) in here.items():
        assert rid == hashlib.sha256(open(os.path.join(CORPUS, name), "rb").read()).hexdigest()[:16]
        assert [p[0] for p in paragraphs] == [f"{rid}-{i:04d}" for i in range(len(paragraphs))]


# -- anything in, one of the promised outcomes out ----------------------------------------------------


def good_pdf() -> bytes:
    return make_pdf(
        io.BytesIO(), [["松江区政府工作报告", "一、过去一年工作回顾", "全区经济运行稳中有进。"]], invariant=1
    ).getvalue()


def good_docx() -> bytes:
    return make_docx(io.BytesIO(), "松江区政府工作报告", ["全区经济运行稳中有进，推进乡村振兴。"]).getvalue()


def zip_of(members) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in dict(members).items():
            z.writestr(name, data)
    return out.getvalue()


def damaged(data: bytes, edits) -> bytes:
    data = bytearray(data)
    for at, value in edits:
        data[at % len(data)] = value
    return bytes(data)


PDF, DOCX = good_pdf(), good_docx()
corpus_text = st.lists(st.sampled_from(LINES), max_size=30).map("\n".join)
contents = st.one_of(
    st.binary(max_size=4000),
    st.text(max_size=500).map(lambda s: s.encode("utf-8")),
    st.builds(
        lambda t, enc: t.encode(enc, errors="replace"),
        corpus_text,
        st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "big5"]),
    ),
    st.builds(
        lambda t, junk, at: (t.encode() + b"")[:at] + junk + t.encode()[at:],
        corpus_text,
        st.binary(min_size=1, max_size=20),
        st.integers(0, 3000),
    ),
    st.builds(
        damaged,
        st.sampled_from([PDF, DOCX]),
        st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=6),
    ),
    st.builds(lambda data, n: data[:n], st.sampled_from([PDF, DOCX]), st.integers(0, 40000)),
    st.builds(
        zip_of,
        st.lists(
            st.tuples(st.sampled_from(["word/document.xml", "[Content_Types].xml", "x"]), st.binary(max_size=200)),
            max_size=3,
        ),
    ),
    st.builds(lambda t: f"<html><body><div>{t}</div></body></html>".encode(), st.text(max_size=300)),
)
names = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/"),
        st.sampled_from("松江区 政府工作报告 车墩镇"),
    ),
    min_size=1,
    max_size=30,
).filter(lambda s: s not in (".", ".."))
suffixes = st.sampled_from([".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".xyz", ".TXT", ""])


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("anything")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=contents, name=names, suffix=suffixes)
def test_read_report_gives_a_report_or_a_policysearch_error(scratch, data, name, suffix):
    path = scratch / (name + suffix)
    try:
        path.write_bytes(data)
    except OSError:  # a name this file system refuses (too long in bytes)
        assume(False)
    try:
        report = read_report(path)
    except PolicySearchError as e:
        assert str(e).startswith(str(path))
        return
    finally:
        path.unlink()
    assert isinstance(report, Report) and report.paragraphs
    assert report.id == hashlib.sha256(data).hexdigest()[:16]
    assert all(p.text.strip() for p in report.paragraphs)


query_pieces = st.one_of(
    st.sampled_from(
        [
            '"',
            "“",
            "”",
            "(",
            ")",
            "OR",
            "AND",
            "NOT",
            "-",
            "|",
            "&",
            ":",
            "：",
            " ",
            "town:",
            "镇:",
            "year:",
            "year:2022-2025",
            "year:20",
            "section:plan",
            "section:",
            "heading:",
            "类别：问题",
            "type:政府工作报告",
            "district:松江区",
            '"城中村"',
            "城市更新",
            "--",
            "- -",
            "((",
            "))",
        ]
    ),
    st.text(max_size=8),
    st.sampled_from(ORACLE.alphabet),
)
queries = st.one_of(
    st.text(max_size=200),
    st.lists(query_pieces, max_size=20).map(" ".join),
    st.lists(query_pieces, max_size=20).map("".join),
)


def results_or_query_error(ix, query):
    try:
        results = ix.search(query)
    except QueryError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert isinstance(results, Results)
    assert 0 <= len(results.hits) <= min(10, results.total)


@settings(max_examples=400, deadline=None)
@given(query=queries)
@example(query="x" * 1001)
def test_any_query_gives_results_or_a_query_error(sample_index, query):
    results_or_query_error(sample_index, query)


# Deep nesting within the 1000-character limit. Not under @given: hypothesis raises the recursion
# limit while a test runs, which would hide a parser that recurses once per level.
DEEP = [
    "(" * 450 + "城" + ")" * 450,
    "-" * 990 + "城",
    "NOT " * 240 + "城",
    "-(" * 300 + "城" + ")" * 300,
    '"城中村" ' + "OR " * 300 + "村",
]


@pytest.mark.parametrize("query", DEEP, ids=["parentheses", "minus", "NOT", "minus-parentheses", "OR-run"])
def test_deeply_nested_query_gives_results_or_a_query_error(sample_index, query):
    assert len(query) <= 1000
    results_or_query_error(sample_index, query)


def cli_query(ix, query):
    result = CliRunner().invoke(main, ["query", "--index", ix.path, "--color", "never", "--", query])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2)
    assert "Traceback" not in result.output
    assert "internal error" not in result.output  # the CLI's word for a bug that reached it
    if result.exit_code == 2:
        assert len([line for line in result.output.splitlines() if line.startswith("policysearch:")]) == 1


@settings(max_examples=150, deadline=None)
@given(query=queries)
@example(query='"城中村')
@example(query="year:abc")
def test_cli_query_never_shows_a_traceback(sample_index, query):
    cli_query(sample_index, query)


@pytest.mark.parametrize("query", DEEP[:2], ids=["parentheses", "minus"])
def test_cli_deeply_nested_query_is_one_line_not_an_internal_error(sample_index, query):
    cli_query(sample_index, query)


@given(
    st.lists(
        st.sampled_from(
            [
                "发展",
                "改造",
                "的",
                "和",
                "G60",
                "Ab",
                "é",
                "ǅ",
                "İ",
                "a-b",
                " ",
                "  ",
                "\t",
                "\n",
                "\r\n",
                "\u3000",
                "\xa0",
            ]
        )
    ).map("".join)
    | st.text()
)
def test_words_are_counted_as_whooshs_analyzer_would(value):
    """The index counts a paragraph's cut words in one pass (schema.word_counts); Whoosh's analyzer
    chain, which the stock index of helpers.whoosh_scores uses, must give the same words and
    frequencies."""
    from whoosh.analysis import LowercaseFilter, SpaceSeparatedTokenizer, StopFilter

    from policysearch.store.schema import STOP_WORDS, word_counts

    analyzer = SpaceSeparatedTokenizer() | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=1)
    assert word_counts(value) == Counter(t.text for t in analyzer(value))


@pytest.fixture(scope="module")
def lexicon(tmp_path_factory):
    """jieba's dictionary saved as an index keeps it, for cutting queries."""
    from policysearch.text import Lexicon

    path = str(tmp_path_factory.mktemp("lexicon") / "lexicon.sqlite")
    Lexicon.write(path)
    return path


cut_texts = st.one_of(
    corpus_phrases(),
    random_phrases,
    st.lists(st.one_of(corpus_phrases(), st.sampled_from(ORACLE.alphabet)), max_size=12).map("".join),
)


@settings(max_examples=600, deadline=None)
@given(cut_texts)
@example("城中村改造项目")
@example("")
def test_our_jieba_cut_gives_jiebas_words(lexicon, text):
    """Indexing and queries cut words with a faster path through jieba's precise mode (cut_dag),
    with jieba's loaded dictionary or the copy beside an index, indexing with jieba-rs for most
    text; the words must be jieba.lcut's."""
    import jieba

    from policysearch.text import cutter, jieba_module

    jieba_module()
    want = jieba.lcut(text)
    assert cutter(None).lcut(text) == want
    assert cutter(lexicon).lcut(text) == want
    assert cutter(lexicon, compiled=True).lcut(text) == want
