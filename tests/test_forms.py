"""The forms kept beside each segment (store/forms.py), which kwic and keywords read instead of
Whoosh's stored fields and jieba:
- build and add write one file per segment; every document's match form is its stored text's,
  its words are, document by document, what Whoosh's postings of the words field hold, and
  the postings kept (per segment, and a snapshot's per word) are Whoosh's, through add,
  replace and remove;
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
from helpers import CORPUS, scan_form

from policysearch import Index, IndexStateError, read_report
from policysearch.cli import main
from policysearch.query.keywords import shown
from policysearch.store import segments
from policysearch.store.forms import FORMS_SUFFIX, VOCABULARY_FILE, VOCABULARY_FORMAT
from policysearch.store.layout import load_pickle, save_pickle
from policysearch.store.phrases import PhraseIndex
from policysearch.store.schema import STOP_WORDS
from policysearch.text import match_form, segment

NAMES = sorted(os.listdir(CORPUS))
REPORTS = {name: read_report(os.path.join(CORPUS, name)) for name in NAMES}
PHRASES = ["城中村", "发展", "改造", "2024"]


def forms_files(ix) -> list[str]:
    gen = ix.folder.generation()
    return sorted(n for n in os.listdir(gen) if n.endswith(FORMS_SUFFIX))


def whoosh_postings(leaf) -> dict[str, dict[int, int]]:
    """{word: {live document in the segment: how often}} from Whoosh's postings of the words field."""
    postings: dict[str, dict[int, int]] = {}
    for term in leaf.lexicon("words"):
        m = leaf.postings("words", term)
        mine = postings[term.decode("utf-8")] = {}
        while m.is_active():
            mine[m.id()] = int(m.weight())
            m.next()
    return postings


def check_forms_are_the_segments(ix) -> None:
    """Each segment's forms against Whoosh's files: match forms, each document's words, and the
    postings of each word; and the snapshot's postings of each word against Whoosh's reader. A
    deleted document stays in its segment: its postings are still counted by Whoosh (the
    document frequency, which its idf uses), and kept in the forms too."""
    snap = ix.snapshot()
    forms, reader = snap.forms(), snap.reader
    leaves = reader.leaf_readers()
    assert len(forms.segments) == len(leaves) == len(forms_files(ix))
    merged: dict[str, dict[int, int]] = {}
    for (leaf, base), (first, end, seg) in zip(leaves, forms.segments):
        assert (first, end) == (base, base + leaf.doc_count_all())
        postings = whoosh_postings(leaf)
        documents: dict[int, Counter] = {}
        for word, docs in postings.items():
            for doc, n in docs.items():
                documents.setdefault(doc, Counter())[word] = n
            merged.setdefault(word, {}).update({base + d: n for d, n in docs.items()})
        words = seg.words()
        ends, ids, counts = (seg.numpy(n).tolist() for n in ("word_ends", "word_ids", "word_counts"))
        for doc in (d for d in range(leaf.doc_count_all()) if not leaf.is_deleted(d)):
            stored = leaf.stored_fields(doc)
            assert seg.form(doc) == (match_form(stored["text"]) if stored["kind"] == "p" else "")
            run = range(ends[doc - 1] if doc else 0, ends[doc])
            assert Counter({words[ids[i]]: counts[i] for i in run}) == documents.get(doc, Counter())
        ends, docs, counts = (seg.numpy(n).tolist() for n in ("posting_ends", "posting_docs", "posting_counts"))
        assert len(ends) == len(words) and set(words) == set(postings)
        for number, word in enumerate(words):
            run = [(docs[i], counts[i]) for i in range(ends[number - 1] if number else 0, ends[number])]
            assert run == sorted(run) and len(run) == leaf.doc_frequency("words", word), word
            assert {d: n for d, n in run if not leaf.is_deleted(d)} == postings[word], word
    assert forms.documents == reader.doc_count_all()
    for word, docs in merged.items():
        numbers, counts = forms.postings(word)
        assert len(numbers) == reader.doc_frequency("words", word) and forms.has_word(word), word
        assert {d: n for d, n in zip(numbers.tolist(), counts.tolist()) if not reader.is_deleted(d)} == docs, word
        assert numbers.tolist() == sorted(set(numbers.tolist())), word
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
    return Counter(
        w.lower() for r in reports for p in r.paragraphs for w in segment(p.text) if w.lower() not in STOP_WORDS
    )


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


def test_the_postings_stay_whooshs_through_replace_and_remove(built):
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
