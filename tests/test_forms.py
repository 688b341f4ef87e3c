"""The forms kept beside each segment (store/forms.py), which kwic and keywords read instead of
Whoosh's stored fields and jieba:
- build and add write one file per segment; every document's match form is its stored text's,
  its words and length are those of its text (no Whoosh field holds them), and the postings
  kept (per segment, and a snapshot's per word) are those words inverted, through add, replace
  and remove;
- after remove, and after a writer failed between its writes (the forms written but no table of
  contents listing them; the Whoosh commit done but not the phrase rows), the index opens and kwic
  and keywords answer exactly as scans of the reports that are in; what a failed writer left is
  deleted by the next one;
- a damaged forms file is one clear error naming the cure (kwic, keywords, a ranked search),
  and a search by date still works without it.
"""

import os
from collections import Counter

import pytest
from click.testing import CliRunner
from helpers import CORPUS, scan_form, words_of
from whoosh.util.numeric import length_to_byte

from policysearch import Index, IndexStateError, read_report
from policysearch.cli import main
from policysearch.query.keywords import shown
from policysearch.store import segments
from policysearch.store.forms import FORMS_SUFFIX, VOCABULARY_FILE, VOCABULARY_FORMAT
from policysearch.store.layout import load_pickle, save_pickle
from policysearch.store.phrases import PhraseIndex
from policysearch.text import match_form

NAMES = sorted(os.listdir(CORPUS))
REPORTS = {name: read_report(os.path.join(CORPUS, name)) for name in NAMES}
PHRASES = ["城中村", "发展", "改造", "2024"]


def forms_files(ix) -> list[str]:
    gen = ix.folder.generation()
    return sorted(n for n in os.listdir(gen) if n.endswith(FORMS_SUFFIX))


def check_forms_are_the_segments(ix) -> None:
    """Each segment's forms against its documents' stored text: match forms, each document's
    words (as jieba cuts its text: helpers.words_of), its length byte (Whoosh's rounding, which
    BM25F uses), the segment's number of words, and the postings of each word; and the
    snapshot's postings of each word. A deleted document stays in its segment with its words:
    Whoosh's idf counts every document of the segments, so the postings keep it."""
    snap = ix.snapshot()
    forms, reader = snap.forms(), snap.reader
    leaves = reader.leaf_readers()
    assert len(forms.segments) == len(leaves) == len(forms_files(ix))
    merged: dict[str, dict[int, int]] = {}
    for (leaf, base), (first, end, seg) in zip(leaves, forms.segments):
        assert (first, end) == (base, base + leaf.doc_count_all())
        documents: dict[int, Counter] = {}
        for doc in range(leaf.doc_count_all()):
            stored = leaf.stored_fields(doc)
            paragraph = stored["kind"] == "p"
            assert seg.form(doc) == (match_form(stored["text"]) if paragraph else "")
            documents[doc] = words_of(stored["text"]) if paragraph else Counter()
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
        numbers, counts = forms.postings(word)
        assert dict(zip(numbers.tolist(), counts.tolist())) == docs and forms.has_word(word), word
        assert numbers.tolist() == sorted(docs), word
    assert not forms.has_word("没有的词") and len(forms.postings("没有的词")[0]) == 0


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
    """kwic and keywords equal scans of exactly these reports."""
    for phrase in PHRASES:
        result = ix.kwic(f'"{phrase}"', width=5)
        got = Counter()
        for line in result["lines"]:
            p = ix.paragraph(line["paragraph_id"])
            got[line["paragraph_id"], len(scan_form(p.text[: line["start"]]))] += 1
        assert got == scan_kwic(reports, phrase) and result["total"] == sum(got.values())
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
    check_forms_are_the_segments(ix)
    ix.add(later)
    assert len(forms_files(ix)) == len(ix.snapshot().reader.leaf_readers()) >= 2
    check_forms_are_the_segments(ix)
    check_answers(ix, list(REPORTS.values()))


def test_the_postings_keep_deleted_documents_through_replace_and_remove(built):
    """A replaced report's documents and a removed one's are deleted, not taken out of their
    segments: their postings stay, as Whoosh's do (its idf counts them); the answers leave them out."""
    ix, later = built
    ix.add(later)
    later.write_text(later.read_text(encoding="utf-8") + "\n\n推进独有标记甲乙丙，新增停车位。\n", encoding="utf-8")
    assert ix.add_files([later]).outcomes[0].status == "replaced"
    check_forms_are_the_segments(ix)
    reports = {**REPORTS, NAMES[-1]: read_report(later)}
    check_answers(ix, list(reports.values()))
    gone = REPORTS[NAMES[0]]
    assert ix.remove(gone.id).removed == [gone.id]
    check_forms_are_the_segments(ix)
    reader = ix.snapshot().reader
    assert len(reader.leaf_readers()) == 3 and sum(map(reader.is_deleted, range(reader.doc_count_all()))) > 10
    check_answers(ix, [r for r in reports.values() if r.id != gone.id])
    assert ix.search('"独有标记甲乙丙"').total == 1


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
    check_forms_are_the_segments(Index(ix.path))  # the postings through the kept merge and its inverse
    # the older reader loads the kept merge of both segments: the second one's words are not its own
    forms = older.forms()
    new = set(extended["index"]) - set(first["index"])
    assert len(forms.segments) == 1 and new and forms.vocabulary()[0][: len(first["index"])] == list(first["index"])
    assert not any(forms.has_word(w) or len(forms.postings(w)[0]) for w in new)
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
    check_forms_are_the_segments(ix)
    check_answers(ix, list(REPORTS.values()))


def test_a_commit_without_its_phrase_rows_is_not_counted(built, monkeypatch):
    """The Whoosh commit (segment and forms listed) done, the phrase rows not: the report is not
    there for kwic and keywords either, and the next writer deletes its documents."""
    ix, later = built

    def fail(self, rows, upto):
        raise OSError("failed before the phrase rows")

    with monkeypatch.context() as m:
        m.setattr(PhraseIndex, "cover", fail)
        with pytest.raises(OSError):
            ix.add(later)
    assert len(ix.snapshot().reader.leaf_readers()) == 2
    check_answers(ix, [REPORTS[n] for n in NAMES[:-1]])
    ix.add(later)
    check_answers(ix, list(REPORTS.values()))


@pytest.mark.parametrize("damage", ["cut", "missing"])
def test_a_damaged_forms_file_is_one_clear_error(built, damage):
    ix, _ = built
    path = os.path.join(ix.folder.generation(), forms_files(ix)[0])
    if damage == "cut":
        with open(path, "r+b") as f:
            f.truncate(os.path.getsize(path) // 2)
    else:
        os.remove(path)
    fresh = Index(ix.path)
    for ask in (lambda: fresh.kwic('"城中村"'), lambda: fresh.search('"城中村"')):  # a ranked search reads postings
        with pytest.raises(IndexStateError, match="rebuild the index with `policysearch build`"):
            ask()
    assert fresh.search('"城中村"', sort="date").total > 0
    for command in (["keywords", "town:车墩镇"], ["query", "城中村"]):
        result = CliRunner().invoke(main, [*command, "--index", ix.path])
        assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1 and "Traceback" not in result.output


def test_an_index_without_documents_has_no_forms_and_answers_nothing(tmp_path):
    ix = Index(tmp_path / "empty")
    assert forms_files(ix) == [] and ix.snapshot().forms().segments == []
    assert ix.kwic('"城中村"') == {"query": '"城中村"', "total": 0, "lines": []}
    result = ix.keywords("town:车墩镇")
    assert result["keywords"] == [] and result["focus"]["words"] == result["reference"]["words"] == 0
