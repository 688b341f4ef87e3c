"""Phrases answered from sets (Snapshot.set_rows), not FTS5's doclists: a common gram (管理) from
the set the phrase table keeps of it beside its rows (store/phrases.py); a longer phrase by
looking at the match forms of the paragraphs that hold all its characters and common grams,
less those jieba cut it in as a word. Every way (a gram's set; looked at; cut and looked at; FTS5
when too many are left to look at) must equal a substring scan, through build, add, replace and
remove (test_single_characters.py), and an index made before the gram sets must still answer right."""

import importlib.util
import json
import re
import shutil
import sqlite3

import pytest
from helpers import CORPUS, ROOT, scan_form
from hypothesis import given, settings
from hypothesis import strategies as st

from policysearch import Index
from policysearch.store import phrases as phrases_module
from policysearch.store import snapshot as snapshot_module
from policysearch.store.forms import Forms
from policysearch.store.phrases import HEADING_RUNS
from policysearch.text import gram_tokens, phrase_match

CHINESE = re.compile("[\u4e00-\u9fff]+")


def scan(ix: Index, phrase: str) -> set[str]:
    form = scan_form(phrase)
    return {p.id for r in ix.reports() for p in ix.paragraphs(r.id) if form in scan_form(p.text)}


def hit_ids(ix: Index, query: str, **kw) -> set[str]:
    return {h.id for h in ix.search(query, limit=None, **kw).hits}


def fts5(snap, phrase: str, within=None):
    return snap.live(snap.phrases.match(phrase_match("body", phrase), snap.end), within)


def texts(ix: Index) -> list[str]:
    return [scan_form(p.text) for r in ix.reports() for p in ix.paragraphs(r.id)]


def phrases_of(ix: Index) -> list[str]:
    """Runs of 2 to 6 Chinese characters of the corpus, every one whose grams are all common and
    a sample of the others, and a few that no paragraph holds, in a fixed order."""
    common, runs = ix.snapshot().phrases.common, set()
    for text in texts(ix):
        for i in range(len(text)):
            for j in range(i + 2, min(len(text), i + 6) + 1):
                if not CHINESE.fullmatch(text[i:j]):
                    break
                runs.add(text[i:j])
    all_common = [r for r in sorted(runs) if all(r[k : k + 2] in common for k in range(len(r) - 1))]
    return all_common + sorted(runs)[::997] + ["管理发展", "人民政府管理工作"]


def test_the_list_is_of_pairs_of_chinese_characters():
    grams = phrases_module.COMMON_GRAMS
    assert len(grams) > 100 and {"管理", "人民", "政府", "发展"} <= grams
    assert all(len(g) == 2 and all("\u4e00" <= c <= "\u9fff" for c in g) for g in grams)


def test_every_common_gram_of_the_corpus_is_its_fts5_rows(sample_index, monkeypatch):
    snap = sample_index.snapshot()
    present = [g for g in sorted(snap.phrases.common) if any(g in t for t in texts(sample_index))]
    assert len(present) > 100
    monkeypatch.setattr(snapshot_module, "LOOK_AT", -1)  # nothing looked at: the gram's set alone
    for gram in present:
        assert snap.set_rows(gram, None) == fts5(snap, gram), gram
    assert hit_ids(sample_index, '"管理"') == scan(sample_index, "管理")


def test_phrases_from_the_sets_equal_the_scan_every_way(sample_index, monkeypatch):
    """Looked at among their characters' and grams' sets; with the paragraphs jieba cut them in
    taken as they are and the others looked at; or, with too many to look at, from FTS5."""
    snap = sample_index.snapshot()
    phrases = phrases_of(sample_index)
    assert len(phrases) > 50
    cut_and_looked_at = 0
    for phrase in phrases:
        want = scan(sample_index, phrase)
        assert hit_ids(sample_index, f'"{phrase}"') == want, phrase
        answer = fts5(snap, phrase)
        assert snap.set_rows(phrase, None) == answer, phrase
        candidates = snap.char_rows([*dict.fromkeys(phrase), *grams_of(phrase)], None)
        cut = candidates & snapshot_module.DocSet().union(*(d.shift(b) for b, d in word_sets(snap, phrase)))
        with monkeypatch.context() as m:  # too many to look at: FTS5 answers (a common gram is its set)
            m.setattr(snapshot_module, "LOOK_AT", -1)
            assert snap.set_rows(phrase, None) == (answer if grams_of(phrase) == [phrase] else None)
            assert hit_ids(sample_index, f'"{phrase}"') == want, phrase
        if cut and candidates - cut and grams_of(phrase) != [phrase]:  # too many, but not those left
            cut_and_looked_at += 1
            with monkeypatch.context() as m:
                m.setattr(snapshot_module, "LOOK_AT", len(candidates - cut))
                assert snap.set_rows(phrase, None) == answer, phrase
                m.setattr(snapshot_module, "LOOK_AT", len(candidates - cut) - 1)
                assert snap.set_rows(phrase, None) is None
        with monkeypatch.context() as m:  # no paragraph in which jieba cut it: every one looked at
            m.setattr(Forms, "posting_runs", lambda self, word: [])
            assert snap.set_rows(phrase, None) == answer, phrase
    assert cut_and_looked_at >= 5


def grams_of(phrase: str) -> list[str]:
    return [g for g in (phrase[i : i + 2] for i in range(len(phrase) - 1)) if g in phrases_module.COMMON_GRAMS]


def word_sets(snap, word):
    return [(base, snapshot_module.DocSet(docs)) for base, docs, _ in snap.forms().posting_runs(word)]


def test_phrases_from_the_sets_within_filters_and_with_other_words(sample_index):
    snap = sample_index.snapshot()
    town = sample_index.search('"管理"').facets["town"]
    name = next(iter(town))
    within = snap.facets()["town"][name]
    for phrase in [*phrases_of(sample_index)[::4], "城中村改造", "“城中村”改造", "G20", "2024年"]:
        assert snap.set_rows(phrase, within) == fts5(snap, phrase, within), phrase
        assert hit_ids(sample_index, f'"{phrase}"') == scan(sample_index, phrase), phrase
    assert len(hit_ids(sample_index, '"管理"', town=name)) == town[name]
    for query, parts in (('"政府" "改造"', ("政府", "改造")), ("管理 改造", ("管理", "改造"))):
        want = set.intersection(*(scan(sample_index, p) for p in parts))
        assert want and hit_ids(sample_index, query) == want, query
    assert hit_ids(sample_index, '"发展" -"管理"') == scan(sample_index, "发展") - scan(sample_index, "管理")


def test_a_phrase_the_sets_left_too_many_for_is_met_once_another_narrowed_them(sample_index, monkeypatch):
    """'"社区治理" "城中村"': 社区治理's characters alone leave more than LOOK_AT paragraphs, 城中村's
    no more; once 城中村 is met, 社区治理 is looked at among its paragraphs, and FTS5 is not
    asked at all."""
    snap = sample_index.snapshot()
    first, second = snap.char_rows([*"社区治理"], None), snap.char_rows([*"城中村"], None)
    assert len(first) > len(second)
    monkeypatch.setattr(Forms, "posting_runs", lambda self, word: [])  # every candidate looked at
    monkeypatch.setattr(snapshot_module, "LOOK_AT", len(second))
    asked = []
    real = phrases_module.PhraseIndex.match
    monkeypatch.setattr(
        phrases_module.PhraseIndex, "match", lambda self, q, below: asked.append(q) or real(self, q, below)
    )
    assert snap.set_rows("社区治理", None) is None
    want = scan(sample_index, "社区治理") & scan(sample_index, "城中村")
    assert hit_ids(sample_index, '"社区治理" "城中村"') == want
    assert asked == []


def test_an_index_made_before_the_gram_sets_answers_without_them(tmp_path, monkeypatch):
    """An index whose phrase table lists no common grams (as before the sets) keeps none and
    answers from its character sets and FTS5, before an add and after it."""
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    ix = Index(tmp_path / "ix")
    ix.build(str(folder))
    path = ix.snapshot().phrases.db.execute("PRAGMA database_list").fetchone()[2]
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM chars WHERE length(ch) = 2")
        db.execute("DROP TABLE common")
    ix = Index(tmp_path / "ix")
    snap = ix.snapshot()
    assert snap.phrases.common == frozenset()
    assert hit_ids(ix, '"管理"') == scan(ix, "管理") and hit_ids(ix, '"人民政府"') == scan(ix, "人民政府")
    with monkeypatch.context() as m:  # FTS5
        m.setattr(snapshot_module, "LOOK_AT", -1)
        assert hit_ids(ix, '"管理"') == scan(ix, "管理") and hit_ids(ix, '"人民政府"') == scan(ix, "人民政府")
    new = tmp_path / "new.txt"
    new.write_text("某镇2024年工作要点\n\n一、重点任务\n\n推进管理发展。\n", encoding="utf-8")
    ix.add(new)
    snap = ix.snapshot()
    assert not snap.phrases.with_char("管理", snap.end)  # no set written for a gram it does not list
    assert hit_ids(ix, '"管理发展"') == scan(ix, "管理发展") and len(scan(ix, "管理发展")) >= 1


@pytest.fixture
def make_common_grams():
    spec = importlib.util.spec_from_file_location("make_common_grams", f"{ROOT}/scripts/make_common_grams.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_script_lists_the_pairs_of_a_share_of_the_paragraphs(tmp_path, monkeypatch, make_common_grams):
    out = tmp_path / "common_grams.json"
    monkeypatch.setattr(make_common_grams, "OUT", out)
    monkeypatch.setattr(make_common_grams, "SHARE", 0.1)
    make_common_grams.main(CORPUS)
    made = json.loads(out.read_text("utf-8"))
    ix = Index(tmp_path / "ix")
    ix.build(CORPUS)
    paragraphs = texts(ix)
    assert made["paragraphs"] == len(paragraphs) and made["files"] == len(ix.reports())
    share = {g: sum(g in t for t in paragraphs) / len(paragraphs) for g in made["grams"]}
    assert share and all(s >= 0.1 for s in share.values())
    pairs = {t[i : i + 2] for t in paragraphs for i in range(len(t) - 1)}
    left_out = [p for p in pairs - set(made["grams"]) if all("\u4e00" <= c <= "\u9fff" for c in p)]
    assert all(sum(p in t for t in paragraphs) < 0.1 * len(paragraphs) for p in left_out[:300])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(alphabet="管理人民政府发展的了a1 ，。\U00020000", max_size=30), st.booleans()),
        max_size=12,
    ),
    st.frozensets(st.sampled_from(["管理", "人民", "政府", "发展", "理人", "的了"]), max_size=6),
)
def test_the_character_and_gram_sets_of_rows_are_those_each_row_holds(texts, common):
    # each set must be the rows whose bigrams hold the character
    # (first of a bigram: every character of the match form) or the common gram
    rows = [(n * 3 + 1, gram_tokens(text), "h" if heading else "") for n, (text, heading) in enumerate(texts)]
    expected: dict[str, set[int]] = {}
    for n, body, heading in rows:
        for key in set(body[::3]) | (common & set(body.split(" "))) | ({HEADING_RUNS} if heading else set()):
            expected.setdefault(key, set()).add(n)
    got = phrases_module.char_sets(rows, common)
    assert {key: set(numbers) for key, numbers in got.items()} == expected
