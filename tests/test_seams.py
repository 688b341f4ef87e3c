"""The private internals of Whoosh and jieba that policysearch relies on, one test per entry point
(store/segments.py and text.py name them), and where jieba-rs may stand in for jieba. Each fails if the dependency changes what we use; the
segment writer's entry points are also proven byte for byte by test_index's
test_a_build_writes_the_segment_whoosh_would, and the cut by test_properties' cut equality."""

import importlib
import os
import re
import shutil

import pytest
from helpers import CORPUS, ROOT

from policysearch import Index
from policysearch.store import segments
from policysearch.store.snapshot import DocSet


def test_the_pins_in_pyproject_are_the_versions_the_code_checks():
    import jieba
    import whoosh

    from policysearch.text import JIEBA_VERSION

    pins = dict(re.findall(r'"(whoosh|jieba)==([\d.]+)"', open(os.path.join(ROOT, "pyproject.toml")).read()))
    assert pins == {"whoosh": ".".join(map(str, segments.WHOOSH_VERSION)), "jieba": JIEBA_VERSION}
    assert whoosh.__version__ == segments.WHOOSH_VERSION and jieba.__version__ == JIEBA_VERSION


def test_another_whoosh_is_refused_at_import_with_the_version_expected(monkeypatch):
    import whoosh

    from policysearch.errors import PolicySearchError

    monkeypatch.setattr(whoosh, "__version__", (2, 7, 5))
    with pytest.raises(PolicySearchError, match=r"needs Whoosh 2\.7\.4.*not 2\.7\.5"):
        importlib.reload(segments)
    monkeypatch.undo()
    importlib.reload(segments)


def test_another_jieba_is_refused_with_the_version_expected(monkeypatch):
    import jieba

    from policysearch import text
    from policysearch.errors import PolicySearchError

    monkeypatch.setattr(jieba, "__version__", "0.43")
    with pytest.raises(PolicySearchError, match=r"needs jieba 0\.42\.1.*not 0\.43"):
        text.import_jieba()


@pytest.fixture(scope="module")
def removed_index(tmp_path_factory):
    """The sample corpus with one report removed: its documents are deleted, not yet purged."""
    ix = Index(tmp_path_factory.mktemp("seams") / "ix")
    ix.build(CORPUS)
    assert ix.remove(ix.reports()[1].id)
    return ix


def whoosh_numbers(reader, field: str, value: str) -> list[int]:
    """The live documents that hold a term, from Whoosh's own matcher, one number per call."""
    found, m = [], reader.postings(field, value)
    while m.is_active():
        found.append(m.id())
        m.next()
    return found


TERMS = (("kind", "p"), ("section_type", "plan"), ("town", "车墩镇"))


def test_posting_blocks_hand_out_whooshs_postings_deleted_ones_left_out(removed_index):
    """The block matcher's private fields (_data, _read_data, _lastblock, _next_block;
    FilterMatcher._ids for deletions) read as Whoosh's own matcher does."""
    reader = removed_index.snapshot().reader
    deleted = set(segments.deleted_documents(reader))
    for field, value in TERMS:
        got = [d for ids in segments.posting_blocks(reader, field, value) for d in ids]
        assert got == whoosh_numbers(reader, field, value) and got, value
        assert not set(got) & deleted


def test_posting_blocks_read_every_block_of_a_term(tmp_path, monkeypatch):
    monkeypatch.setattr(segments, "POSTING_BLOCK", 4)
    ix = Index(tmp_path / "ix")
    ix.build(CORPUS)
    reader = ix.snapshot().reader
    for field, value in TERMS:
        blocks = list(segments.posting_blocks(reader, field, value))
        assert len(blocks) > 3 and all(len(ids) <= 4 for ids in blocks)
        assert [d for ids in blocks for d in ids] == whoosh_numbers(reader, field, value)


def test_deleted_documents_are_the_ones_whoosh_calls_deleted(removed_index):
    reader = removed_index.snapshot().reader
    deleted = DocSet(segments.deleted_documents(reader))
    assert deleted and deleted == DocSet(d for d in range(reader.doc_count_all()) if reader.is_deleted(d))


def test_a_segments_terms_open_as_whoosh_opens_them(removed_index):
    """TermsTable and TermsReader hold what Whoosh's OrderedHashReader and W3TermsReader hold
    (HashReader's fields, filetables' _dir_entry and _directory_size), and answer alike."""
    from whoosh.codec.whoosh3 import W3TermsReader
    from whoosh.filedb.filetables import OrderedHashReader

    leaves = [leaf for leaf, _ in removed_index.snapshot().reader.leaf_readers()]
    assert leaves and all(isinstance(leaf._terms, segments.TermsReader) for leaf in leaves)
    for leaf in leaves:
        ours = leaf._terms
        name = leaf.segment().make_filename(segments.Codec.TERMS_EXT)
        storage = leaf.storage()
        table = OrderedHashReader(storage.open_file(name), storage.file_length(name))
        theirs = W3TermsReader(leaf.codec(), table.dbfile, storage.file_length(name), ours._postfile)
        mine = {k: v for k, v in vars(ours._tindex).items() if k not in ("dbfile", "_get_pos")}
        assert mine == {k: v for k, v in vars(table).items() if k not in ("dbfile", "_get_pos")}
        assert len(mine["tables"]) == 256 and ours._fieldmap == theirs._fieldmap
        assert ours._fieldunmap == theirs._fieldunmap and "town" in ours._fieldmap
        assert list(ours.terms()) == list(theirs.terms()) and ours.term_info("town", "车墩镇".encode()).doc_frequency()
        table.close()


def test_our_searcher_answers_as_whooshs(removed_index, tmp_path):
    """segments.Searcher gives a query Whoosh's stored fields, and knows as Whoosh's Searcher does
    when a writer has committed since."""
    from whoosh.searching import Searcher

    ours = removed_index.snapshot().searcher
    theirs = Searcher(ours.reader(), closereader=False)
    assert all(ours.stored_fields(d) == theirs.stored_fields(d) for d in range(ours.reader().doc_count_all()))
    ix = Index(tmp_path / "ix")
    ix.build(CORPUS)
    before = ix.snapshot().searcher
    assert before.up_to_date()
    ix.remove(ix.reports()[0].id)
    assert not before.up_to_date() and ix.snapshot().searcher.up_to_date()


def test_an_abandoned_writer_frees_the_lock_for_the_next(tmp_path):
    """abandon() releases Whoosh's writelock even when cancel fails."""
    ix = Index(tmp_path / "ix")
    gen = ix.folder.generation()
    writer = segments.open_writer(gen)
    writer.cancel = lambda: (_ for _ in ()).throw(OSError("disk full"))
    segments.abandon(writer)
    segments.open_writer(gen).cancel()  # would raise LockError if the lock were still held


def test_our_cut_is_jiebas_precise_mode_step_for_step():
    """text.Cutter stands in for jieba's Tokenizer.cut in precise mode with the HMM: the text split
    by the same two patterns, the runs cut as __cut_DAG cuts them (cut_dag), a run of characters
    that no word covers given to finalseg.cut. Were jieba to change these, the cut would differ."""
    import inspect

    import jieba

    from policysearch import text

    assert (text.HAN_RUN.pattern, text.HAN_RUN.flags) == (jieba.re_han_default.pattern, jieba.re_han_default.flags)
    assert (text.SKIP.pattern, text.SKIP.flags) == (jieba.re_skip_default.pattern, jieba.re_skip_default.flags)
    cut = inspect.getsource(jieba.Tokenizer.cut)
    assert "re_han_default" in cut and "re_skip_default" in cut and "cut_block = self.__cut_DAG" in cut
    assert "finalseg.cut(buf)" in inspect.getsource(jieba.Tokenizer._Tokenizer__cut_DAG)
    text.jieba_module()
    mixed = "推进城中村改造项目，G60科创走廊 2024年\r\n完成“一网通办”改革  abc-def 3.5% 车墩镇联东U谷"
    assert text.cutter(None).lcut(mixed) == jieba.lcut(mixed)


def test_jieba_rs_cuts_for_jieba_where_their_patterns_agree_and_nowhere_else():
    """Indexing hands jieba-rs (rjieba) the texts and runs free of text.APART: there its words are
    jieba's. Where APART finds something, the two part, so those go through cut_dag instead."""
    from importlib.metadata import version

    import jieba
    import rjieba

    from policysearch import text

    pin = re.search(r'"rjieba==([\d.]+)"', open(os.path.join(ROOT, "pyproject.toml")).read())
    assert pin and version("rjieba") == pin.group(1)
    text.jieba_module()
    cut = text.cutter(None, compiled=True)
    assert cut.compiled is rjieba.cut
    agree = "推进城中村改造项目，完成G60科创走廊“一网通办”改革，车墩镇联东U谷2024年"
    assert not text.APART.search(agree) and rjieba.cut(agree) == jieba.lcut(agree)
    for apart in ("第2-3条", "网址www.shandong.cn", "上涨3.5%", "㐀㐁城中村", "城中村 改造"):
        assert text.APART.search(apart)
        assert cut.lcut(apart) == jieba.lcut(apart), apart
    assert all(rjieba.cut(t) != jieba.lcut(t) for t in ("第2-3条", "网址www.shandong.cn", "㐀㐁城中村"))


def test_segment_files_are_named_as_whoosh_names_its_segments_files(tmp_path):
    """Per segment (leaf_readers, segment().make_filename): the file beside it, its first document
    and its number of documents; the name is of the pattern by which Whoosh's commits delete the
    files of segments no longer listed (index.TOC._segment_pattern), so a file of a segment that
    was never listed goes with the segment's own."""
    from whoosh.index import TOC

    first, *rest = sorted(os.listdir(CORPUS))
    (tmp_path / "corpus").mkdir()
    for name in rest:
        shutil.copy(os.path.join(CORPUS, name), tmp_path / "corpus")
    ix = Index(tmp_path / "ix")
    ix.build(tmp_path / "corpus")
    ix.add(os.path.join(CORPUS, first))  # a second segment
    reader, gen = ix.snapshot().reader, ix.folder.generation()
    files = segments.segment_files(reader, gen, ".forms")
    assert [(base, count) for _, base, count in files] == [
        (base, leaf.doc_count_all()) for leaf, base in reader.leaf_readers()
    ]
    assert len(files) == 2 and files[1][1] == files[0][2]
    pattern = TOC._segment_pattern("MAIN")
    for (path, _, _), (leaf, _) in zip(files, reader.leaf_readers()):
        assert os.path.exists(path) and pattern.match(os.path.basename(path)).group(1) == leaf.segment().segment_id()


def test_a_segment_written_in_a_scratch_index_is_moved_in_and_listed_last(tmp_path):
    """commit(writer, segment, scratch): a worker's segment (SegmentBuilder in the scratch index)
    goes into the index's folder under its own name and is listed after the index's segments,
    with the documents the scratch index gave it; nothing of it is left in the scratch index."""
    from policysearch.store.schema import schema

    gen = str(tmp_path / "gen")
    os.makedirs(gen)
    segments.whoosh_index.create_in(gen, schema())
    first = segments.open_writer(gen)
    first.add_document(kind="p", doc_id="a")
    assert segments.commit(first) == 1
    scratch = segments.scratch_index(str(tmp_path))
    builder = segments.SegmentBuilder(scratch)
    for n in range(3):
        builder.add_document(kind="p", doc_id=f"b{n}")
    segment = builder.finish()
    writer = segments.open_writer(gen)
    assert segments.commit(writer, segment, scratch) == 3
    searcher = segments.whoosh_index.open_dir(gen).searcher()
    assert [leaf.segment().segment_id() for leaf, _ in searcher.reader().leaf_readers()][-1] == segment.segment_id()
    assert [searcher.document_number(doc_id=i) for i in ["a", "b0", "b1", "b2"]] == [0, 1, 2, 3]
    assert not [f for f in os.listdir(scratch) if f.startswith(segment.segment_id())]
    searcher.close()


def test_a_segments_deletions_are_kept_in_the_table_of_contents_as_runs(tmp_path):
    """Whoosh pickles a segment (its _deleted set) into the table of contents that every reader
    loads: ours keeps the deletions as runs, and they load back as the same set."""
    import pickle

    segment = segments.Codec().new_segment(None, "MAIN")
    segment.set_doc_count(20_000)
    whoosh_form = pickle.dumps(segment.__dict__ | {"_deleted": set(range(13_000)) | {15_000}})
    for n in [*range(13_000), 15_000]:
        segment.delete_document(n)
    loaded = pickle.loads(pickle.dumps(segment))
    assert len(pickle.dumps(segment)) < 400 < 30_000 < len(whoosh_form)
    assert loaded.deleted_count() == 13_001 and set(loaded.deleted_docs()) == set(range(13_000)) | {15_000}
    assert [loaded.is_deleted(n) for n in (0, 12_999, 13_000, 15_000)] == [True, True, False, True]
    loaded.delete_document(13_000)  # deleted since it was loaded: the runs are made again
    assert pickle.loads(pickle.dumps(loaded)).deleted_count() == 13_002
    # an index's segments are ours, and a reader sees the deletions a writer made
    gen = str(tmp_path / "gen")
    os.makedirs(gen)
    from policysearch.store.schema import schema

    segments.whoosh_index.create_in(gen, schema())
    writer = segments.open_writer(gen)
    for n in range(5):
        writer.add_document(kind="p", doc_id=f"d{n}")
    segments.commit(writer)
    writer = segments.open_writer(gen)
    for n in (1, 2, 4):
        writer.delete_document(n)
    segments.commit(writer)
    reader = segments.whoosh_index.open_dir(gen).reader()
    assert isinstance(reader.segment(), segments.Segment)
    assert sorted(segments.deleted_documents(reader)) == [1, 2, 4]
    reader.close()
