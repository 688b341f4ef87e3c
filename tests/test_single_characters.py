"""Single characters: answered from the character sets that each phrase-table transaction writes
beside its rows (store/phrases.py), not by FTS5's prefix query. They must equal a substring scan
through build, add, replace and remove, and a failed write must leave neither rows nor sets."""

import os
import shutil

import pytest
from helpers import CORPUS, scan_form

from policysearch import Index
from policysearch.store import phrases as phrases_module
from policysearch.text import phrase_form, phrase_match

SMALL = "004_179a3deb063e8376.txt"


def scan(ix: Index, phrase: str) -> set[str]:
    """The paragraphs of the index, read back, whose match form holds the phrase."""
    form = scan_form(phrase)
    return {p.id for r in ix.reports() for p in ix.paragraphs(r.id) if form in scan_form(p.text)}


def hit_ids(ix: Index, query: str) -> set[str]:
    return {h.id for h in ix.search(query, limit=None).hits}


def characters(ix: Index) -> list[str]:
    return sorted({c for r in ix.reports() for p in ix.paragraphs(r.id) for c in scan_form(p.text)})


def test_every_character_of_the_corpus_equals_the_scan_and_fts5(sample_index):
    snap = sample_index.snapshot()
    chars = characters(sample_index)
    assert len(chars) > 1000
    for ch in chars:
        sets = snap.char_rows([phrase_form(ch)], None)
        fts5 = snap.live(snap.phrases.match(phrase_match("body", ch), snap.end), None)
        assert sets == fts5, ch
    wrong = [ch for ch in chars[::7] if hit_ids(sample_index, f'"{ch}"') != scan(sample_index, ch)]
    assert wrong == []


@pytest.mark.parametrize(
    "query, want",
    [
        ('"的" "城中村"', lambda s: s("的") & s("城中村")),
        ('"的" "镇" "改造"', lambda s: s("的") & s("镇") & s("改造")),
        ('"的" -"村"', lambda s: s("的") - s("村")),
        ('"镇" OR "村"', lambda s: s("镇") | s("村")),
        ("改造 的 项目", lambda s: s("改造") & s("的") & s("项目")),
        ('"Ｇ"', lambda s: s("G")),
        ('"“村”"', lambda s: s("村")),
    ],
)
def test_single_characters_combine_as_sets(sample_index, query, want):
    assert hit_ids(sample_index, query) == want(lambda p: scan(sample_index, p))


def test_single_characters_with_filters_and_in_headings(sample_index):
    town = sample_index.search('"的"').facets["town"]
    name = next(iter(town))
    hits = {h.id for h in sample_index.search('"的"', town=name, limit=None).hits}
    assert len(hits) == town[name] and hits <= scan(sample_index, "的")
    # headings are not in the character sets: FTS5's prefix query answers them
    in_headings = {
        p.id
        for r in sample_index.reports()
        for p in sample_index.paragraphs(r.id)
        if "年" in scan_form(" ".join(p.section))
    }
    assert in_headings and hit_ids(sample_index, "heading:年") == in_headings


def test_add_replace_and_remove_keep_single_characters_equal_the_scan(tmp_path):
    """The character sets, and the common grams' (管理) with the phrases met from them
    (test_common_grams.py)."""
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    shutil.copy(folder / SMALL, folder / "same-content.txt")  # a duplicate: its documents are deleted
    ix = Index(tmp_path / "ix")
    ix.build(str(folder))
    chars = ["的", "镇", "垚", "丙", "。", "管理", "人民政府", "管理发展", "建设管理"]
    assert all(hit_ids(ix, f'"{c}"') == scan(ix, c) for c in chars)
    new = tmp_path / "new.txt"
    new.write_text("某镇2024年工作要点\n\n一、重点任务\n\n推进城中村改造管理发展，独有标记垚丙。\n", encoding="utf-8")
    ix.add(new)
    assert hit_ids(ix, '"垚"') == scan(ix, "垚") and len(scan(ix, "垚")) == 1
    assert hit_ids(ix, '"管理发展"') == scan(ix, "管理发展") and len(scan(ix, "管理发展")) >= 1
    new.write_text("某镇2024年工作要点\n\n一、重点任务\n\n改为别的内容，丙。\n", encoding="utf-8")
    ix.add(new)  # replaces the report from the same source
    assert hit_ids(ix, '"垚"') == set()
    assert all(hit_ids(ix, f'"{c}"') == scan(ix, c) for c in chars)
    ix.remove(ix.reports()[0].id)
    assert all(hit_ids(ix, f'"{c}"') == scan(ix, c) for c in chars)


def test_a_failed_write_of_the_character_sets_leaves_the_report_absent(tmp_path, monkeypatch):
    """The sets go in with the rows and the mark, in one transaction: a failure while writing them
    leaves no row, no set and no report; the next writer adds it whole."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(os.path.join(CORPUS, SMALL), folder)
    ix = Index(tmp_path / "ix")
    ix.build(str(folder))
    new = tmp_path / "new.txt"
    new.write_text("某镇2024年工作要点\n\n一、重点任务\n\n独有标记垚。\n", encoding="utf-8")
    real = phrases_module.PhraseIndex.insert_chars

    def failing(self, sets):
        real(self, sets)
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(phrases_module.PhraseIndex, "insert_chars", failing)
        with pytest.raises(OSError):
            ix.add(new)
    assert hit_ids(ix, '"垚"') == set() and hit_ids(ix, '"独有标记"') == set()
    snap = ix.snapshot()
    assert not snap.phrases.with_char("垚", 10**9) and not snap.phrases.with_char("垚", snap.end)
    ix.add(new)
    assert len(hit_ids(ix, '"垚"')) == 1 == len(hit_ids(ix, '"独有标记"'))


def test_a_snapshot_older_than_the_character_sets_sees_only_its_own_documents(tmp_path):
    """A writer commits a report after a reader took its snapshot: the sets it wrote lie beyond
    the reader's end and must stay out of its answers."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(os.path.join(CORPUS, SMALL), folder)
    ix = Index(tmp_path / "ix")
    ix.build(str(folder))
    snap = ix.snapshot()
    before = snap.char_rows([phrase_form("的")], None)
    new = tmp_path / "new.txt"
    new.write_text("某镇2024年工作要点\n\n一、重点任务\n\n新的段落垚。\n", encoding="utf-8")
    Index(tmp_path / "ix").add(new)
    assert snap.phrases.covered() > snap.end
    assert snap.char_rows([phrase_form("的")], None) == before
    assert not snap.char_rows([phrase_form("垚")], None)
    assert len(hit_ids(ix, '"垚"')) == 1
