"""Search: exact phrases against a substring scan, boolean algebra, filters, facets, ranking."""

import importlib
import os
import random
import subprocess
import sys
import threading
from collections import Counter

import pytest
from helpers import scan_form

from policysearch import Index, QueryError


@pytest.fixture(scope="module")
def paragraphs(corpus_reports):
    """(paragraph, report) pairs: the scan's view of the corpus."""
    return [(p, r) for r in corpus_reports for p in r.paragraphs]


def scan(paragraphs, phrase):
    m = scan_form(phrase)
    return {p.id for p, _ in paragraphs if m and m in scan_form(p.text)}


def hit_ids(ix, query, **kw):
    return {h.id for h in ix.search(query, limit=None, **kw).hits}


def fullwidth(s):
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in s)


def random_phrases(paragraphs, n, seed):
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        text = rng.choice(paragraphs)[0].text
        k = rng.randint(1, 12)
        if len(text) <= k:
            continue
        i = rng.randrange(len(text) - k)
        s = text[i : i + k]
        if '"' in s or not scan_form(s):
            continue
        out.append(rng.choice([s, " ".join(s), fullwidth(s), s]))
    return out


def test_exact_phrases_equal_the_scan(sample_index, paragraphs):
    phrases = random_phrases(paragraphs, 400, seed=7)
    wrong = [p for p in phrases if hit_ids(sample_index, '"%s"' % p) != scan(paragraphs, p)]
    assert wrong == []


def test_phrases_jieba_would_cut_differently(sample_index, paragraphs):
    for phrase in ("城中村改造", "村改", "联东U谷", "联东 U 谷", "Ｇ６０", "G60科创走廊", "“城中村”改造", "改造项目"):
        want = scan(paragraphs, phrase)
        assert want, phrase
        assert hit_ids(sample_index, '"%s"' % phrase) == want, phrase
    assert hit_ids(sample_index, "“城中村改造”") == scan(paragraphs, "城中村改造")


def test_boolean_combinations_are_set_algebra(sample_index, paragraphs):
    phrases = random_phrases(paragraphs, 120, seed=11)
    for x, y in zip(phrases[::2], phrases[1::2]):
        X, Y = scan(paragraphs, x), scan(paragraphs, y)
        assert hit_ids(sample_index, '"%s" "%s"' % (x, y)) == X & Y
        assert hit_ids(sample_index, '"%s" OR "%s"' % (x, y)) == X | Y
        assert hit_ids(sample_index, '"%s" NOT "%s"' % (x, y)) == X - Y
        assert hit_ids(sample_index, '"%s" -"%s"' % (x, y)) == X - Y


def test_parentheses_group(sample_index, paragraphs):
    a, b, c = scan(paragraphs, "改造"), scan(paragraphs, "城中村"), scan(paragraphs, "养老")
    assert hit_ids(sample_index, '"改造" ("城中村" OR "养老")') == a & (b | c)
    assert hit_ids(sample_index, '("改造" OR "养老") NOT "城中村"') == (a | c) - b


def test_plain_words_need_every_jieba_word_as_written(sample_index, paragraphs):
    import jieba

    for query in ("城中村改造", "乡村振兴 高标准农田", "营商环境优化"):
        words = [w for w in jieba.lcut(query) if w.strip()]
        want = set.intersection(*(scan(paragraphs, w) for w in words))
        assert hit_ids(sample_index, query) == want, query


def test_whole_run_ranks_above_words_apart(sample_index, paragraphs):
    hits = sample_index.search("城中村改造", limit=None).hits
    run = [scan_form("城中村改造") in scan_form(h.text) for h in hits]
    assert run.count(True) >= 2 and run.count(False) >= 1
    assert run == sorted(run, reverse=True)


def test_filters_agree_with_a_scan(sample_index, paragraphs):
    rows = [(p, r) for p, r in paragraphs if scan_form("改造") in scan_form(p.text)]
    cases = [
        ({"town": "车墩镇"}, lambda p, r: r.town == "车墩镇"),
        ({"district": "宝山区"}, lambda p, r: r.district == "宝山区"),
        ({"year": 2025}, lambda p, r: r.year == 2025),
        ({"year": (2022, 2023)}, lambda p, r: 2022 <= r.year <= 2023),
        ({"year": "2021-2023"}, lambda p, r: 2021 <= r.year <= 2023),
        ({"section": "plan"}, lambda p, r: p.section_type == "plan"),
        ({"doc_type": "工作要点"}, lambda p, r: r.doc_type == "工作要点"),
    ]
    for kw, keep in cases:
        assert hit_ids(sample_index, '"改造"', **kw) == {p.id for p, r in rows if keep(p, r)}, kw


def test_filters_inside_the_query(sample_index, paragraphs):
    want = {p.id for p, r in paragraphs if "城中村" in scan_form(p.text) and r.town == "车墩镇" and r.year >= 2024}
    assert hit_ids(sample_index, '"城中村" town:车墩镇 year:2024-2025') == want
    assert hit_ids(sample_index, '"城中村" (town:长征镇 OR town:庙行镇)') == {
        p.id for p, r in paragraphs if "城中村" in scan_form(p.text) and r.town in ("长征镇", "庙行镇")
    }
    assert hit_ids(sample_index, '"改造" section:回顾') == hit_ids(sample_index, '"改造"', section="review")
    heading = {p.id for p, r in paragraphs if "城市更新" in scan_form("".join(p.section))}
    assert heading and hit_ids(sample_index, "heading:城市更新") == heading


def heading_scan(ix, phrase: str) -> set[str]:
    form = scan_form(phrase)
    return {p.id for r in ix.reports() for p in ix.paragraphs(r.id) if form in scan_form("".join(p.section))}


def test_a_heading_matches_every_paragraph_of_its_runs(sample_index, tmp_path):
    """A heading path's grams stand once per run of paragraphs under it (store/phrases.py): every
    paragraph of each run matches, through the ends of reports, runs with no heading, add and
    remove."""
    headings = sorted({h for r in sample_index.reports() for p in sample_index.paragraphs(r.id) for h in p.section})
    runs = {h[i : i + n] for h in headings for n in (2, 4) for i in range(0, len(h) - n + 1, 3)}
    phrases = sorted(r for r in runs if all("\u4e00" <= c <= "\u9fff" for c in r))
    assert len(phrases) > 100
    for phrase in phrases[::7]:
        assert hit_ids(sample_index, f'heading:"{phrase}"') == heading_scan(sample_index, phrase), phrase
    ix = Index(tmp_path / "ix")
    folder = tmp_path / "corpus"
    folder.mkdir()
    body = "前言没有标题的一段。\n\n一、工作回顾\n\n回顾的一段。\n\n又一段回顾。\n\n二、工作计划\n\n计划的一段。\n"
    (folder / "a.txt").write_text("甲镇工作报告\n\n" + body, encoding="utf-8")
    (folder / "b.txt").write_text(
        "乙镇工作报告\n\n二、工作计划\n\n乙镇计划一段。\n\n乙镇计划二段。\n", encoding="utf-8"
    )
    (folder / "d.txt").write_text("丁镇通知\n\n通知全文只有一段。\n\n又一段。\n", encoding="utf-8")  # no heading at all
    ix.build(str(folder))
    wanted = ["工作回顾", "工作计划", "工作", "计划", "回顾"]
    assert all(hit_ids(ix, f'heading:"{w}"') == heading_scan(ix, w) for w in wanted)
    assert len(heading_scan(ix, "工作计划")) >= 3 and heading_scan(ix, "工作回顾")
    later = tmp_path / "c.txt"
    later.write_text("丙镇工作报告\n\n" + body.replace("回顾", "总结"), encoding="utf-8")
    ix.add(later)
    assert all(hit_ids(ix, f'heading:"{w}"') == heading_scan(ix, w) for w in [*wanted, "工作总结"])
    both = hit_ids(ix, 'heading:"工作计划" "乙镇"')
    assert both == heading_scan(ix, "工作计划") & hit_ids(ix, '"乙镇"') and len(both) == 2
    ix.remove(next(r.id for r in ix.reports() if r.source.endswith("a.txt")))
    assert all(hit_ids(ix, f'heading:"{w}"') == heading_scan(ix, w) for w in [*wanted, "工作总结"])


def test_facets_count_all_hits_not_the_page(sample_index, paragraphs):
    res = sample_index.search('"发展"', limit=3)
    rows = [(p, r) for p, r in paragraphs if "发展" in scan_form(p.text)]
    assert res.total == len(rows) and len(res.hits) == 3
    assert res.facets["town"] == dict(Counter(r.town for _, r in rows))
    assert res.facets["year"] == dict(Counter(r.year for _, r in rows))
    assert res.facets["section_type"] == dict(Counter(p.section_type for p, _ in rows))
    assert res.facets["doc_type"] == dict(Counter(r.doc_type for _, r in rows))
    assert res.facets["district"] == dict(Counter(r.district for _, r in rows))
    assert res.reports == len({r.id for _, r in rows})


def test_paging_returns_every_hit_once(sample_index):
    everything = [h.id for h in sample_index.search('"建设"', limit=None).hits]
    pages = []
    for offset in range(0, len(everything), 7):
        pages += [h.id for h in sample_index.search('"建设"', limit=7, offset=offset).hits]
    assert pages == everything and len(set(pages)) == len(pages)
    by_date = [h.date or "" for h in sample_index.search('"建设"', limit=None, sort="date").hits]
    assert by_date == sorted(by_date, reverse=True)


def test_highlights_cover_whole_phrases_in_the_shown_text(sample_index):
    for hit in sample_index.search('"联东U谷"', limit=None).hits:
        assert hit.highlights
        for a, b in hit.highlights:
            assert scan_form(hit.text[a:b]) == "联东U谷"
    hit = sample_index.search('"城中村改造"', limit=1).hits[0]
    a, b = hit.highlights[0]
    assert scan_form(hit.text[a:b]) == "城中村改造" and hit.text[a:b] in hit.snippet


def test_hits_carry_report_metadata(sample_index, corpus_reports):
    hit = sample_index.search('"反诈宣教中心"', limit=None).hits[0]
    report = next(r for r in corpus_reports if r.id == hit.doc_id)
    assert (hit.town, hit.district, hit.year, hit.date, hit.doc_type, hit.title) == (
        report.town,
        report.district,
        report.year,
        report.date,
        report.doc_type,
        report.title,
    )
    para = next(p for p in report.paragraphs if p.id == hit.id)
    assert (hit.text, hit.section, hit.section_type) == (para.text, para.section, para.section_type)


@pytest.mark.parametrize(
    "query, says",
    [
        ('"城中村', "unbalanced quote"),
        ("town:", "needs a value"),
        ("year:二〇二四", "bad year"),
        ("year:2025-2020", "bad year range"),
        ("section:summary", "unknown section type"),
        ("(改造", "parenthesis"),
        ("改造)", "parenthesis"),
        ("OR", "missing"),
        ("NOT", "followed"),
        ("", "empty query"),
        ("乱" * 3000, "limit"),
    ],
)
def test_malformed_queries_say_what_is_wrong(sample_index, query, says):
    with pytest.raises(QueryError, match=says):
        sample_index.search(query)


def test_searching_from_several_threads(sample_index, paragraphs):
    queries = ['"城中村"', '"改造" town:车墩镇', "乡村振兴", '"养老" OR "医疗"']
    want = {q: hit_ids(sample_index, q) for q in queries}
    errors, seen = [], Counter()

    def worker(k):
        try:
            for i in range(20):
                q = queries[(k + i) % len(queries)]
                assert hit_ids(sample_index, q) == want[q]
                seen[q] += 1
        except Exception as e:  # collected for the main thread
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sum(seen.values()) == 80


def test_a_phrase_query_never_loads_jieba(sample_index):
    code = (
        "import sys; from policysearch import Index; ix = Index(%r); "
        "r = ix.search('\"城中村\" town:车墩镇', limit=3); "
        "print(r.total, 'jieba' in sys.modules)"
    ) % sample_index.path
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert int(out[0]) > 0 and out[1] == "False"


def test_writers_cut_with_the_saved_lexicon_and_load_jiebas_dictionary_only_to_save_it(tmp_path, corpus_copy):
    """A build or an add cuts with jieba-rs and the dictionary saved beside the index: jieba's
    own (0.7 s and 80 MB a process) is loaded only to write the user's cached copy, once."""
    extra = tmp_path / "extra.txt"
    extra.write_text("关于城中村改造的补充说明\n推进城中村改造，完善配套设施。\n", encoding="utf-8")
    code = (
        "import sys; from policysearch import Index, text; ix = Index(sys.argv[1]); ix.build(sys.argv[2]); "
        "ix.add(sys.argv[3]); print(text._jieba is not None, ix.search('城中村改造', limit=None).total)"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}

    def run(index):
        args = [sys.executable, "-c", code, str(tmp_path / index), str(corpus_copy), str(extra)]
        return subprocess.run(args, capture_output=True, text=True, check=True, env=env).stdout.split()

    first, second = run("a"), run("b")
    assert first[0] == "True" and second[0] == "False"  # the cache written by the first
    assert first[1] == second[1] and int(first[1]) > 0
    assert (tmp_path / "a" / "lexicon.sqlite").read_bytes() == (tmp_path / "b" / "lexicon.sqlite").read_bytes()


def test_query_words_from_the_saved_lexicon_equal_jieba(sample_index, paragraphs):
    """Plain queries are cut with jieba's dictionary read from the index folder (no 0.7 s load);
    the words must be exactly jieba's."""
    import jieba

    from policysearch.text import cutter, jieba_module

    lexicon = sample_index.lexicon_path()
    assert lexicon is not None
    jieba_module()
    rng = random.Random(3)
    for _ in range(1500):
        text = rng.choice(paragraphs)[0].text
        k = rng.randint(1, 30)
        i = rng.randrange(max(1, len(text) - k))
        s = text[i : i + k]
        assert cutter(lexicon).lcut(s) == jieba.lcut(s), s
    for p, _ in paragraphs:  # and whole paragraphs, as indexing cuts them
        assert cutter(lexicon, compiled=True).lcut(p.text) == jieba.lcut(p.text), p.text


def test_plain_query_results_do_not_depend_on_the_lexicon(tmp_path, corpus_copy):
    from policysearch import Index

    ix = Index(tmp_path / "ix")
    ix.build(corpus_copy)
    queries = ["城中村改造", "乡村振兴 高标准农田", "营商环境优化提升", "垃圾分类"]
    with_lexicon = {q: [(h.id, h.score) for h in ix.search(q, limit=None).hits] for q in queries}
    os.remove(ix.lexicon_path())
    assert ix.lexicon_path() is None
    assert {q: [(h.id, h.score) for h in ix.search(q, limit=None).hits] for q in queries} == with_lexicon


def test_phrases_with_latin_letters_digits_signs_and_private_use_characters(tmp_path):
    """The phrase index moves ASCII signs and capitals out of FTS5's way: case still counts, signs
    are characters like any other, and one-character phrases find the last character too."""
    folder = tmp_path / "c"
    folder.mkdir()
    lines = [
        "推进G60科创走廊建设，地块14-01完成储备。",
        "增长3.5%，g60线路（试运行）。",
        "PDF字形\ue000\ue001混入正文，A,B两类",
        "末字是村",
        "a-b c_d e.f G",
        "GDP增长5.2%以上",
    ]
    (folder / "r.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    ix = Index(tmp_path / "ix")
    ix.build(str(folder))
    paragraphs = [p for r in ix.reports() for p in ix.paragraphs(r.id)]
    phrases = [
        "G60",
        "g60",
        "G",
        "g",
        "60",
        "14-01",
        "-",
        "4-0",
        "3.5%",
        "%",
        "%,",
        "A,B",
        ",",
        "村",
        "是村",
        "\ue000",
        "\ue000\ue001",
        "字形\ue000",
        "c_d",
        "_",
        "e.f",
        "GDP",
        "gdp",
        "P增",
        ".",
        "试运行",
    ]
    for phrase in phrases:
        want = {p.id for p in paragraphs if scan_form(phrase) in scan_form(p.text)}
        assert {h.id for h in ix.search(f'"{phrase}"', limit=None).hits} == want, phrase
    assert ix.search('"G60"').total == 1 and ix.search('"gdp"').total == 0


@pytest.fixture(scope="module")
def changed_index(tmp_path_factory, corpus_reports):
    """The sample corpus built less its last report, which is then added (a second segment: its
    own vocabulary, documents numbered from the first segment's end), and another report removed
    (deleted documents, which Whoosh's idf still counts)."""
    from helpers import CORPUS

    names = sorted(os.listdir(CORPUS))
    folder, later = tmp_path_factory.mktemp("most"), tmp_path_factory.mktemp("later")
    for name in names:
        with open(os.path.join(CORPUS, name), "rb") as f:
            ((later if name == names[-1] else folder) / name).write_bytes(f.read())
    ix = Index(tmp_path_factory.mktemp("changed") / "ix")
    ix.build(str(folder))
    ix.add(str(later / names[-1]))
    assert ix.remove(corpus_reports[1].id).removed == [corpus_reports[1].id]
    reader = ix.snapshot().reader
    assert len(reader.leaf_readers()) == 2 and any(reader.is_deleted(d) for d in range(reader.doc_count_all()))
    return ix


WORD_SETS = (
    ["城中村"],
    ["改造", "项目"],
    ["发展", "经济", "社区"],
    ["营商", "环境"],
    ["没有的词"],
    ["社区", "没有的词"],
)


def groups_of(snap) -> dict:
    """Parts of the hits that ranking scores: all, filtered ones, and the documents at the ends
    of each segment (where its numbers start and stop)."""
    from policysearch.store.snapshot import DocSet

    every = snap.universe
    ends = {d for leaf, base in snap.reader.leaf_readers() for d in (base, base + leaf.doc_count_all() - 2)}
    return {
        "all": every,
        "scattered": DocSet(d for d in every if d % 3 == 0),
        "neighbours": DocSet(d for d in every if 250 <= d < 262),
        "segment ends": DocSet(ends) & every,
        "one": DocSet([every.max()]),
    }


@pytest.mark.parametrize("which", ["sample", "changed"])
def test_ranking_scores_are_whooshs_bm25f(which, sample_index, changed_index, tmp_path):
    """Ranking computes BM25 over the words and postings kept beside the segments (no Whoosh
    field holds them); the scores must be Whoosh's own BM25F scores of an OR of the words in a
    stock Whoosh index of the same documents, document for document, for any part of the hits,
    across segments and with deleted documents (left out, but counted by the idf)."""
    from helpers import whoosh_scores

    from policysearch.query.evaluate import Evaluator

    snap = (sample_index if which == "sample" else changed_index).snapshot()
    ev = Evaluator(snap, None)
    for at, words in enumerate(WORD_SETS):
        whoosh = whoosh_scores(snap, tmp_path / str(at), words)
        assert whoosh or words == ["没有的词"]
        for name, group in groups_of(snap).items():
            for ours in both_paths(ev, words, group):  # the Python path's and numpy's, float for float
                assert set(ours) == set(whoosh) & set(group), (words, name)
                assert all(abs(ours[d] - whoosh[d]) < 1e-9 * max(1.0, whoosh[d]) for d in ours), (words, name)


def both_paths(ev, words: list[str], group) -> list[dict[int, float]]:
    """{number: score} of rank.bm25 (a few postings, in Python) and of rank.bm25_numpy (many),
    which must be the same floats."""
    from policysearch.query.rank import bm25, bm25_numpy

    postings = {w: ev.snapshot.forms().posting_runs(w) for w in words}
    python = bm25(ev, postings, group)
    numbers, scores = bm25_numpy(ev, postings, group)
    assert numbers.tolist() == sorted(numbers.tolist())
    numpy = dict(zip(numbers.tolist(), scores.tolist()))
    assert numpy == python, words
    return [python, numpy]


def test_the_best_of_a_part_are_the_first_of_its_scores_sorted(changed_index, monkeypatch):
    """Scores.best finds the page by partition: it must be the part's scored paragraphs sorted by
    score, then number (ties included), whether the part was scored alone or with all hits
    (rank's two groups: the paragraphs with the whole run, then the others)."""
    from policysearch.query.evaluate import Evaluator

    rank = importlib.import_module("policysearch.query.rank")  # the module (the package exports its function rank)
    snap = changed_index.snapshot()
    ev = Evaluator(snap, None)
    every, longest = snap.universe, 0
    for words in WORD_SETS:
        ours = both_paths(ev, words, every)[0]
        for name, group in groups_of(snap).items():
            ranked = sorted(((d, ours[d]) for d in group if d in ours), key=lambda ds: (-ds[1], ds[0]))
            longest = max(longest, len(ranked))
            for need in (None, 1, 10, 50):
                for numpy in (False, True):  # the Python path, then numpy's
                    with monkeypatch.context() as m:
                        m.setattr(rank, "numpy_pays", lambda postings, numpy=numpy: numpy)
                        alone, among_all = (
                            rank.Scores(ev, words, group).best(group, need),
                            rank.Scores(ev, words, every).best(group, need),
                        )
                    assert alone == among_all == ranked[:need], (words, name, need, numpy)
    assert longest > 50 and len(set(ours.values())) < len(ours)  # pages cut from many; ties, broken by number


def test_a_page_is_its_part_of_the_whole_ranking(changed_index):
    """Ranking only as much as a page needs (the run's paragraphs first, then the others) gives
    the page that ranking every hit gives, at any offset."""
    for query in ("发展", "城中村改造", '"城中村改造"', "社区 OR 民生", "改造 项目", '"发展" town:车墩镇'):
        every = [(h.id, h.score) for h in changed_index.search(query, limit=None).hits]
        assert every and (len(every) > 20 or "城中村改造" in query), query
        for offset in (0, 3, 10, len(every) - 2):
            page = changed_index.search(query, limit=10, offset=max(offset, 0)).hits
            assert [(h.id, h.score) for h in page] == every[max(offset, 0) : max(offset, 0) + 10], (query, offset)


def test_a_snapshot_older_than_the_phrase_rows_sees_only_its_own_documents(tmp_path, corpus_copy):
    """A reader holds a Whoosh snapshot; a writer then commits a report: Whoosh documents, then
    phrase rows and the mark. Asked afterwards, the phrase index has rows beyond the reader's
    snapshot (documents it cannot read): queries must leave them out, counts included."""
    from dataclasses import replace

    from policysearch.query import count_facets
    from policysearch.query.evaluate import Evaluator
    from policysearch.query.parse import parse
    from policysearch.store.snapshot import DocSet

    ix = Index(tmp_path / "ix")
    ix.build(str(corpus_copy))
    snap = ix.snapshot()
    searcher, phrases, covered = snap.searcher, snap.phrases, snap.covered
    new = tmp_path / "new.txt"
    new.write_text("某镇2024年工作要点\n\n一、重点任务\n\n推进城中村改造，独有标记甲乙丙。\n", encoding="utf-8")
    Index(tmp_path / "ix").add(new)
    assert phrases.covered() > covered == searcher.reader().doc_count_all()
    old = Evaluator(snap, None)
    ev = Evaluator(replace(snap, covered=phrases.covered(), cache={}), None)  # the old snapshot, the new mark
    assert ev.evaluate(parse('"独有标记甲乙丙"')) == DocSet()
    found = ev.evaluate(parse('"城中村改造"'))
    assert found == old.evaluate(parse('"城中村改造"')) and found
    assert count_facets(ev.snapshot, found) == count_facets(old.snapshot, found)
    assert ix.search('"独有标记甲乙丙"').total == 1  # a fresh snapshot sees it
