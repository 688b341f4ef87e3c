"""The forms kept beside each segment (store/forms.py), which kwic and keywords read instead of
Whoosh's postings and jieba, and from which every paragraph is shown (Whoosh stores none):
- build and add write one file per segment; every paragraph's shown fields are the paragraph as
  read from its file, its match form is its text's, its words and length are those of its text
  (no Whoosh field holds them), and the postings kept (per segment, and a snapshot's per word)
  are those words inverted, through add, replace and remove;
- the paragraphs read back (show, context, kwic's texts) are those of the files, through build,
  add, replace and remove, whatever the size of the compressed blocks;
- after remove, and after a writer failed between its writes (the forms written but no table of
  contents listing them; the Whoosh commit done but not the phrase rows), the index opens and kwic
  and keywords answer exactly as scans of the reports that are in; what a failed writer left is
  deleted by the next one;
- a damaged forms file (cut short, missing, or its blocks of text garbled) is one clear error
  naming the cure, in the library and on the command line.
"""

import json
import os
from array import array
from collections import Counter
from dataclasses import asdict

import pytest
from click.testing import CliRunner
from helpers import CORPUS, scan_form, words_of
from hypothesis import given
from hypothesis import strategies as st
from whoosh.util.numeric import length_to_byte

from policysearch import Index, IndexStateError, read_report
from policysearch.cli import main
from policysearch.query.keywords import shown
from policysearch.store import forms as forms_module
from policysearch.store import segments
from policysearch.store.forms import (
    FORMS_SUFFIX,
    MAGIC,
    VOCABULARY_FILE,
    VOCABULARY_FORMAT,
    extended_holders,
    holders,
    padded,
    posting_arrays,
)
from policysearch.store.layout import load_pickle, save_pickle
from policysearch.store.phrases import PhraseIndex
from policysearch.text import match_form

NAMES = sorted(os.listdir(CORPUS))
REPORTS = {name: read_report(os.path.join(CORPUS, name)) for name in NAMES}
PHRASES = ["城中村", "发展", "改造", "2024"]


def forms_files(ix) -> list[str]:
    gen = ix.folder.generation()
    return sorted(n for n in os.listdir(gen) if n.endswith(FORMS_SUFFIX))


def check_forms_are_the_segments(ix, reports) -> None:
    """Each segment's forms hold, document by document, its paragraph as read from its file (one
    of `reports`, or a version written over since; Whoosh stores a report's `report` only), its
    match form, its words as jieba cuts its text (helpers.words_of) and its length byte (Whoosh's
    rounding, which BM25F uses); and the segment's number of words and each word's postings, per
    segment and the snapshot's. A deleted document stays in its segment with its words: Whoosh's
    idf counts every document of the segments, so the postings keep it."""
    paragraphs = {p.id: asdict(p) for r in reports for p in r.paragraphs}
    snap = ix.snapshot()
    forms, reader = snap.forms(), snap.reader
    leaves = reader.leaf_readers()
    assert len(forms.segments) == len(leaves) == len(forms_files(ix))
    merged: dict[str, dict[int, int]] = {}
    for (leaf, base), (first, end, seg) in zip(leaves, forms.segments):
        assert (first, end) == (base, base + leaf.doc_count_all())
        documents: dict[int, Counter] = {}
        live_paragraphs = set(leaf.postings("kind", "p").all_ids())  # Whoosh's (a deleted document has none)
        positions = leaf.column_reader("position", translate=True)
        for doc in range(leaf.doc_count_all()):
            shown = seg.shown(doc)
            if shown is not None:
                assert shown == paragraphs[shown["id"]] and leaf.stored_fields(doc) == {}
                assert leaf.is_deleted(doc) or (
                    doc in live_paragraphs
                    and doc in leaf.postings("doc_id", shown["doc_id"]).all_ids()
                    and positions[doc] == shown["position"]
                )
                assert seg.form(doc) == match_form(shown["text"])
                documents[doc] = words_of(shown["text"])
            else:
                assert seg.form(doc) == "" and set(leaf.stored_fields(doc)) == {"report"}
                assert doc not in live_paragraphs
                documents[doc] = Counter()
        words = seg.words()
        ends, ids, counts = (seg.numpy(n).tolist() for n in ("word_ends", "word_ids", "word_counts"))
        for doc, want in documents.items():
            run = range(ends[doc - 1] if doc else 0, ends[doc])
            assert Counter({words[ids[i]]: counts[i] for i in run}) == want
            assert seg.arrays["lengths"][doc] == length_to_byte(sum(want.values()))
            for word, n in want.items():
                merged.setdefault(word, {})[base + doc] = n
        assert seg.word_total == sum(sum(c.values()) for c in documents.values())
        ends, docs, counts = (seg.numpy(n).tolist() for n in ("posting_ends", "posting_docs", "posting_counts"))
        assert len(ends) == len(words) and set(words) == {w for c in documents.values() for w in c}
        for number, word in enumerate(words):
            run = [(docs[i], counts[i]) for i in range(ends[number - 1] if number else 0, ends[number])]
            assert run == sorted((d, c[word]) for d, c in documents.items() if word in c), word
    assert forms.documents == reader.doc_count_all()
    for word, docs in merged.items():
        numbers, counts = posting_arrays(forms.posting_runs(word))
        assert dict(zip(numbers.tolist(), counts.tolist())) == docs and forms.has_word(word), word
        assert numbers.tolist() == sorted(docs), word
    assert not forms.has_word("没有的词") and forms.posting_runs("没有的词") == []


def check_texts(ix, reports) -> None:
    """Every paragraph shown is the one read from the file, and exactly these reports' are there."""
    shown = dict(ix.snapshot().stored(ix.snapshot().universe))
    assert sorted(doc["id"] for doc in shown.values()) == sorted(p.id for r in reports for p in r.paragraphs)
    for r in reports:
        assert ix.paragraphs(r.id) == r.paragraphs
        middle = r.paragraphs[len(r.paragraphs) // 2]
        assert ix.paragraph(middle.id) == middle
        assert (
            ix.paragraph(r.paragraphs[0].id) == r.paragraphs[0]
            and ix.paragraph(r.paragraphs[-1].id) == r.paragraphs[-1]
        )
        context = ix.context(middle.id, n=2)
        assert (
            context.paragraph == middle
            and context.around == r.paragraphs[max(0, middle.position - 2) : middle.position + 3]
        )


def scan_kwic(reports, phrase: str) -> Counter:
    """{(paragraph id, offset in the match form): 1} of every occurrence, overlapping ones too."""
    form, found = scan_form(phrase), Counter()
    for r in reports:
        for p in r.paragraphs:
            text = scan_form(p.text)
            found.update((p.id, i) for i in range(len(text)) if text.startswith(form, i))
    return found


def scan_words(reports) -> Counter:
    return sum((words_of(p.text) for r in reports for p in r.paragraphs), Counter())


def check_answers(ix, reports) -> None:
    """kwic (with a limit, its total too) and keywords equal scans of exactly these reports."""
    for phrase in PHRASES:
        result = ix.kwic(f'"{phrase}"', width=5)
        got = Counter()
        for line in result["lines"]:
            p = ix.paragraph(line["paragraph_id"])
            got[line["paragraph_id"], len(scan_form(p.text[: line["start"]]))] += 1
        assert got == scan_kwic(reports, phrase) and result["total"] == sum(got.values())
        # with a limit the total is counted over every segment's forms at once (Forms.joined_forms)
        assert ix.kwic(f'"{phrase}"', width=5, limit=3)["total"] == result["total"]
    town = next(r.town for r in reports)
    result = ix.keywords(f"town:{town}", limit=None, min_reports=1)
    focus, every = scan_words([r for r in reports if r.town == town]), scan_words(reports)
    assert (result["focus"]["words"], result["reference"]["words"]) == (sum(focus.values()), sum(every.values()))
    assert {row["word"]: (row["focus_count"], row["reference_count"]) for row in result["keywords"]} == {
        w: (n, every[w]) for w, n in focus.items() if shown(w)
    }


@pytest.fixture
def built(tmp_path, corpus_copy):
    """The sample corpus less its last report, built; the last one in a folder of its own."""
    later = tmp_path / "later"
    later.mkdir()
    os.replace(corpus_copy / NAMES[-1], later / NAMES[-1])
    ix = Index(tmp_path / "index")
    ix.build(corpus_copy)
    return ix, later / NAMES[-1]


def test_build_and_add_write_each_segments_forms(built):
    ix, later = built
    check_forms_are_the_segments(ix, REPORTS.values())
    check_texts(ix, [REPORTS[n] for n in NAMES[:-1]])
    ix.add(later)
    assert len(forms_files(ix)) == len(ix.snapshot().reader.leaf_readers()) >= 2
    check_forms_are_the_segments(ix, REPORTS.values())
    check_texts(ix, list(REPORTS.values()))
    check_answers(ix, list(REPORTS.values()))


def test_the_postings_keep_deleted_documents_through_replace_and_remove(built):
    """A replaced report's documents and a removed one's are deleted, not taken out of their
    segments: their postings stay, as Whoosh's do (its idf counts them); the answers leave them out."""
    ix, later = built
    ix.add(later)
    later.write_text(later.read_text(encoding="utf-8") + "\n\n推进独有标记甲乙丙，新增停车位。\n", encoding="utf-8")
    assert ix.add_files([later]).outcomes[0].status == "replaced"
    reports = {**REPORTS, NAMES[-1]: read_report(later)}
    check_forms_are_the_segments(ix, [*REPORTS.values(), reports[NAMES[-1]]])
    check_answers(ix, list(reports.values()))
    gone = REPORTS[NAMES[0]]
    assert ix.remove(gone.id).removed == [gone.id]
    check_forms_are_the_segments(ix, [*REPORTS.values(), reports[NAMES[-1]]])
    reader = ix.snapshot().reader
    assert len(reader.leaf_readers()) == 3 and sum(map(reader.is_deleted, range(reader.doc_count_all()))) > 10
    check_answers(ix, [r for r in reports.values() if r.id != gone.id])
    assert ix.search('"独有标记甲乙丙"').total == 1


@pytest.mark.parametrize("block", [1, 300, 1 << 20])  # a block per paragraph, a few, one per segment
def test_paragraphs_read_back_as_written_through_add_replace_and_remove(tmp_path, corpus_copy, monkeypatch, block):
    monkeypatch.setattr(forms_module, "TEXT_BLOCK", block)
    later = tmp_path / "later.txt"
    os.replace(corpus_copy / NAMES[-1], later)
    ix = Index(tmp_path / "index")
    ix.build(corpus_copy)
    check_texts(ix, [REPORTS[n] for n in NAMES[:-1]])
    ix.add(later)
    check_texts(ix, list(REPORTS.values()))
    # the same source with other text: its paragraphs are the new ones, the old ones are gone
    text = later.read_text(encoding="utf-8")
    later.write_text(text.replace("\n\n", "\n\n新增的一段：推进老旧小区改造。\n\n", 1), encoding="utf-8")
    assert ix.add_files([later]).outcomes[0].status == "replaced"
    new = read_report(str(later))
    assert len(new.paragraphs) == len(REPORTS[NAMES[-1]].paragraphs) + 1
    kept = [REPORTS[n] for n in NAMES[:-1]]
    check_texts(ix, [*kept, new])
    check_forms_are_the_segments(ix, [*REPORTS.values(), new])
    assert ix.remove(kept[0].id).removed == [kept[0].id]
    check_texts(ix, [*kept[1:], new])
    assert ix.paragraph(kept[0].paragraphs[0].id) is None and ix.context(kept[0].paragraphs[0].id) is None


def test_the_merged_vocabulary_is_kept_extended_after_add_and_ignored_when_foreign(built):
    ix, later = built
    kept = os.path.join(ix.folder.generation(), VOCABULARY_FILE)
    check_answers(Index(ix.path), [REPORTS[n] for n in NAMES[:-1]])
    first = load_pickle(kept, VOCABULARY_FORMAT)
    assert first["segments"] == forms_files(ix)
    older = Index(ix.path).snapshot()  # a reader of the one segment, its forms not read yet
    ix.add(later)
    check_answers(Index(ix.path), list(REPORTS.values()))  # a new process: the kept merge, extended
    extended = load_pickle(kept, VOCABULARY_FORMAT)
    assert extended["segments"][:1] == first["segments"] and len(extended["segments"]) == 2
    assert list(extended["index"])[: len(first["index"])] == list(first["index"])
    check_forms_are_the_segments(
        Index(ix.path), REPORTS.values()
    )  # the postings through the kept merge and its inverse
    # the older reader loads the kept merge of both segments: the second one's words are not its own
    forms = older.forms()
    new = set(extended["index"]) - set(first["index"])
    assert len(forms.segments) == 1 and new and forms.vocabulary()[0][: len(first["index"])] == list(first["index"])
    assert not any(forms.has_word(w) or forms.posting_runs(w) for w in new)
    assert all(forms.has_word(w) for w in first["index"])
    save_pickle(kept, VOCABULARY_FORMAT, {"segments": ["MAIN_other.forms"], "index": {"发展": 0}, "maps": [[0]]})
    check_answers(Index(ix.path), list(REPORTS.values()))
    assert load_pickle(kept, VOCABULARY_FORMAT)["segments"] == extended["segments"]


def test_answers_are_exact_after_remove(built):
    ix, later = built
    ix.add(later)
    gone = REPORTS[NAMES[1]]
    assert ix.remove(gone.id).removed == [gone.id]
    check_answers(ix, [r for r in REPORTS.values() if r.id != gone.id])
    check_texts(ix, [r for r in REPORTS.values() if r.id != gone.id])


def test_forms_written_but_not_listed_are_not_read_and_go_with_the_next_commit(built, monkeypatch):
    """A writer that fails after writing its segment and forms, before Whoosh lists them (a kill
    there leaves the same files: abandon() deletes none)."""
    ix, later = built
    before = forms_files(ix)

    def fail(self, segments_):
        raise OSError("failed before the table of contents")

    with monkeypatch.context() as m:
        m.setattr(segments.Writer, "_commit_toc", fail)
        with pytest.raises(OSError):
            ix.add(later)
    (orphan,) = set(forms_files(ix)) - set(before)  # written, listed by no one
    check_answers(ix, [REPORTS[n] for n in NAMES[:-1]])
    ix.add(later)
    assert orphan not in forms_files(ix) and len(forms_files(ix)) == len(before) + 1
    check_forms_are_the_segments(ix, REPORTS.values())
    check_texts(ix, list(REPORTS.values()))
    check_answers(ix, list(REPORTS.values()))


def test_a_commit_without_its_phrase_rows_is_not_counted(built, monkeypatch):
    """The Whoosh commit (segment and forms listed) done, the phrase rows not: the report is not
    there for kwic and keywords either, and the next writer deletes its documents."""
    ix, later = built

    def fail(self, rows, upto, sets=None):
        raise OSError("failed before the phrase rows")

    with monkeypatch.context() as m:
        m.setattr(PhraseIndex, "cover", fail)
        with pytest.raises(OSError):
            ix.add(later)
    assert len(ix.snapshot().reader.leaf_readers()) == 2
    check_answers(ix, [REPORTS[n] for n in NAMES[:-1]])
    ix.add(later)
    check_answers(ix, list(REPORTS.values()))


def garble_texts(path: str) -> None:
    """Overwrite the compressed blocks of the paragraphs' shown fields in a forms file (as a bad
    disk block would), where its header says they are."""
    data = open(path, "rb").read()
    size = int.from_bytes(data[len(MAGIC) : len(MAGIC) + 4], "little")
    _, offset, length = json.loads(data[len(MAGIC) + 4 : len(MAGIC) + 4 + size])["arrays"]["texts"]
    start = padded(len(MAGIC) + 4 + size) + offset
    with open(path, "r+b") as f:
        f.seek(start)
        f.write(b"\x5a" * length)


@pytest.mark.parametrize("damage", ["cut", "missing", "garbled"])
def test_a_damaged_forms_file_is_one_clear_error(built, damage):
    ix, _ = built
    path = os.path.join(ix.folder.generation(), forms_files(ix)[0])
    if damage == "cut":
        with open(path, "r+b") as f:
            f.truncate(os.path.getsize(path) // 2)
    elif damage == "garbled":
        garble_texts(path)
    else:
        os.remove(path)
    fresh = Index(ix.path)
    for call in (
        lambda: fresh.kwic('"城中村"'),
        lambda: fresh.search('"城中村"'),
        lambda: fresh.paragraphs(REPORTS[NAMES[0]].id),
    ):
        with pytest.raises(IndexStateError, match="rebuild the index with `policysearch build`"):
            call()
    commands = [["query", "城中村"], ["show", REPORTS[NAMES[0]].paragraphs[0].id]]
    for args in commands + ([["keywords", "town:车墩镇"]] if damage != "garbled" else []):  # (words, not texts)
        result = CliRunner().invoke(main, [*args, "--index", ix.path])
        assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1 and "Traceback" not in result.output
        assert "rebuild the index" in result.stderr


def test_an_index_without_documents_has_no_forms_and_answers_nothing(tmp_path):
    ix = Index(tmp_path / "empty")
    assert forms_files(ix) == [] and ix.snapshot().forms().segments == []
    assert ix.kwic('"城中村"') == {"query": '"城中村"', "total": 0, "lines": []}
    assert ix.search("城中村").hits == [] and ix.paragraphs("r") == [] and ix.context("r-0000") is None
    result = ix.keywords("town:车墩镇")
    assert result["keywords"] == [] and result["focus"]["words"] == result["reference"]["words"] == 0


@given(st.lists(st.lists(st.integers(0, 60), max_size=25, unique=True), min_size=1, max_size=6), st.data())
def test_a_kept_inverse_extended_by_later_segments_equals_the_inverse_counted_afresh(segment_words, data):
    """An add extends the kept inverse of the merge (holders) with its new segments' words rather
    than sorting every segment's again: the same arrays, for words new or known, in segments
    with words or none."""
    index: dict[int, int] = {}
    maps = [array("I", (index.setdefault(w, len(index)) for w in words)) for words in segment_words]
    kept = data.draw(st.integers(1, len(maps)))
    known = len({w for words in segment_words[:kept] for w in words})
    extended = extended_holders(holders(maps[:kept], known), maps[kept:], kept, len(index))
    assert [list(a) for a in extended] == [list(a) for a in holders(maps, len(index))]
