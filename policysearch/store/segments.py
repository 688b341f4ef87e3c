"""Every use of Whoosh's private API, writing and reading, behind names of ours.

Whoosh is pinned to WHOOSH_VERSION (pyproject says `==`), checked when this module is imported;
each entry point below has a test in tests/test_seams.py that fails if Whoosh changes it:
- writing: SegmentWriter._finalize_segment / _close_segment / _commit_toc / _finish (a build's
  workers write segments that the build lists in one table of contents, as Whoosh's own
  multiprocess writer does; `add`'s workers write theirs in a scratch index, and each is moved
  in and listed by a commit of its own), the writer's storage folder, the field writer's posting block (_postwriter: _ids, _weights,
  _values, _maxweight, _blocklimit, _write_block), the writer's lock (writelock);
- reading: the block matcher (_data, _read_data, _lastblock, _next_block; FilterMatcher._ids
  for deletions) and the deleted documents (_perdoc.deleted_docs); what a query takes from
  Whoosh's Searcher, without it (Searcher); opening a segment's terms (TermsTable: HashReader's
  fields and filetables' _hash_functions, _dir_entry, _directory_size; TermsReader:
  W3TermsReader's fields); a segment's state as the table of contents pickles it (W3Segment's
  _deleted, kept as runs: Segment).
Both writers keep their segment's forms (forms.py: the match forms and words, which no Whoosh
field indexes, and a paragraph's shown fields, which Whoosh does not store) as documents come in
and write them when the segment is finalized, before any table of contents lists it.
"""

from __future__ import annotations

import array
import os
import sys
import time
from collections.abc import Iterator, Mapping
from itertools import accumulate

import whoosh
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3Segment, W3TermsReader
from whoosh.filedb import filetables
from whoosh.matching.wrappers import FilterMatcher
from whoosh.writing import SegmentWriter

from ..errors import IndexStateError, PolicySearchError
from .forms import FORMS_SUFFIX, FormsWriter

WHOOSH_VERSION = (2, 7, 4)
if whoosh.__version__ != WHOOSH_VERSION:
    raise PolicySearchError(
        f"policysearch needs Whoosh {'.'.join(map(str, WHOOSH_VERSION))} (it uses its segment "
        f"writer and matchers), not {whoosh.versionstring()}: pip install whoosh==2.7.4"
    )
SCRATCH_PREFIX = "adding-"  # folders of add's workers inside an index folder (see scratch_index)
POSTING_BLOCK = 1024  # postings per block (Whoosh: 128); a term's set is read a block at a time, each with a fixed cost


# -- writing ------------------------------------------------------------------------------------
class Codec(W3Codec):
    """Whoosh's codec with longer posting blocks and without the shortest and longest length per
    block: only Whoosh's own collector reads those (search does not), and a commit looked a
    length up per posting for them."""

    length_stats = False

    def __init__(self):
        super().__init__(blocklimit=POSTING_BLOCK)

    def field_writer(self, storage, segment):
        return FieldWriter(self, storage, segment)

    def new_segment(self, storage, indexname):
        return Segment(self, indexname)

    def terms_reader(self, storage, segment):
        """As W3Codec's, over a TermsTable (every reader opens every segment's terms)."""
        name = segment.make_filename(self.TERMS_EXT)
        return TermsReader(
            self, storage.open_file(name), storage.file_length(name), segment.open_file(storage, self.POSTS_EXT)
        )


class Segment(W3Segment):
    """Whoosh's segment, its deleted documents pickled as runs of numbers. Whoosh pickles a
    segment's deleted set into the table of contents, which every reader and writer loads: the
    4x benchmark's removed adds made it 951 KB for 144 segments (40 KB for a wholly deleted one),
    45 ms a load. The runs are kept once made (a set of deletions only grows)."""

    def __getstate__(self):
        state = self.__dict__.copy()
        deleted, made = state.pop("_runs", None), state.get("_deleted")
        if made:
            if deleted is None or deleted[0] != len(made):
                deleted = self._runs = (len(made), deletion_runs(made))
            state["_deleted"] = deleted[1]
        return state

    def __setstate__(self, state):
        runs = state.get("_deleted")
        if isinstance(runs, bytes):
            numbers = array.array("I", runs)
            state["_deleted"] = set().union(*map(range, numbers[::2], numbers[1::2]))
            state["_runs"] = (len(state["_deleted"]), runs)
        self.__dict__.update(state)


def deletion_runs(numbers) -> bytes:
    """Sorted document numbers as the start and end of each run of consecutive ones."""
    bounds = array.array("I")
    for n in sorted(numbers):
        if bounds and bounds[-1] == n:
            bounds[-1] = n + 1
        else:
            bounds.extend((n, n + 1))
    return bounds.tobytes()


class TermPool:
    """A build worker's postings (see SegmentBuilder): per term, lists in document order."""

    def __init__(self):
        self.terms: dict = {}  # (field name, term bytes) -> ([numbers], [weights], [values])

    def iter_postings(self):
        return self

    def cleanup(self):
        self.terms = {}


class KeepsForms(SegmentWriter):
    """A writer that keeps its segment's forms (forms.py): each document comes with its `form`
    (its match form) and, a paragraph's, its `shown` fields (neither is a field of Whoosh's), and
    the file is written beside the segment's own files when they are, before a table of contents
    lists the segment."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.forms = FormsWriter()

    def keep(self, form: str, words: Mapping[str, int] | None, shown: dict | None) -> None:
        self.forms.add(form, words or {}, shown)

    def _finalize_segment(self):
        segment = super()._finalize_segment()
        self.forms.write(os.path.join(self.storage.folder, segment.make_filename(FORMS_SUFFIX)), self.docnum)
        return segment


class Writer(KeepsForms):
    """Whoosh's own writer (add, remove, and the build's listing), keeping the forms of what it adds."""

    def add_document(self, form: str = "", words: Mapping[str, int] | None = None, shown: dict | None = None, **values):
        self.keep(form, words, shown)
        super().add_document(**values)


class SegmentBuilder(KeepsForms):
    """A build worker's Whoosh writer. Whoosh's add_document serves any schema (boosts, spelling,
    vectors) and hands its pool a tuple per posting, which keeps them all in one list and sorts
    it; this one puts this schema's fields straight into per-term lists (documents come in
    order), and FieldWriter writes them a block at a time. Tested: the same files as Whoosh's."""

    def __init__(self, folder: str):
        super().__init__(whoosh_index.open_dir(folder), _lk=False, codec=Codec(), compound=False)
        self.pool = TermPool()
        # names interned, as keyword names are: stored fields pickle as Whoosh's would, byte for byte;
        # "shared": values that documents share (town, year, position…), not ids
        self.fields = [
            (sys.intern(name), spec, spec.indexed, spec.indexed and not spec.unique, spec.stored, spec.column_type)
            for name, spec in sorted(self.schema.items())
        ]
        self.shared_terms: dict = {}  # (field, value) -> [(term lists, weight, value)] of a value documents share

    def add_document(self, form: str = "", words: Mapping[str, int] | None = None, shown: dict | None = None, **values):
        self.keep(form, words, shown)
        perdoc, terms, docnum = self.perdocwriter, self.pool.terms, self.docnum
        perdoc.start_doc(docnum)
        for name, spec, indexed, shared, stored, column in self.fields:
            value = values.get(name)
            if value is None:
                continue
            if shared:
                if (name, value) not in self.shared_terms:
                    self.shared_terms[name, value] = [
                        (terms.setdefault((name, term), ([], [], [])), weight, posted)
                        for term, _, weight, posted in spec.index(value)
                    ]
                for lists, weight, posted in self.shared_terms[name, value]:
                    lists[0].append(docnum)
                    lists[1].append(weight)
                    lists[2].append(posted)
            elif indexed:  # ids: terms of this document's own
                for term, _, weight, posted in spec.index(value):
                    lists = terms.get((name, term))
                    if lists is None:
                        lists = terms[name, term] = ([], [], [])
                    lists[0].append(docnum)
                    lists[1].append(weight)
                    lists[2].append(posted)
            perdoc.add_field(name, spec, value if stored else None, 0)  # no length: no field is scored
            if column is not None:
                perdoc.add_column_value(name, column, spec.to_column_value(value))
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def finish(self):
        """The segment written, not yet listed (see list_segments). The writer is not finished:
        that would delete the temporary folder which all workers share."""
        return self._finalize_segment()


class FieldWriter(W3FieldWriter):
    """Whoosh's field writer; the postings of a TermPool go into each posting block a block at a
    time, as add_posting would put them one by one (tested equal)."""

    def add_postings(self, schema, lengths, items):
        if not isinstance(items, TermPool):
            return super().add_postings(schema, lengths, items)
        current = None
        for fieldname, term in sorted(items.terms):
            if fieldname != current:
                if current is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                current = fieldname
            ids, weights, values = items.terms[fieldname, term]
            self.start_term(term)
            block, size = self._postwriter, self._postwriter._blocklimit
            for i in range(0, len(ids), size):
                if i:
                    block._write_block()
                part = weights[i : i + size]
                block._ids.extend(ids[i : i + size])
                block._weights.extend(part)
                block._maxweight = max(block._maxweight, max(part))
                block._values.extend(v for v in values[i : i + size] if v)
            self.finish_term()
        if current is not None:
            self.finish_field()


def open_writer(folder: str, **options):
    """A Whoosh writer that commits a segment as plain files: a segment packed in one file is
    copied into memory by every reader that opens it (the whole index, per process)."""
    return Writer(whoosh_index.open_dir(folder), codec=Codec(), compound=False, **options)


def scratch_index(folder: str) -> str:
    """An empty Whoosh index in a new folder inside `folder`, for `add`'s workers to write
    segments in: a segment written beside the index it will join would be deleted by the first
    commit made before it is listed (Whoosh cleans up files of segments it does not list)."""
    import shutil
    import tempfile

    from .schema import schema

    for stale in os.listdir(folder):  # a killed add's (the caller holds the lock: no other is running)
        if stale.startswith(SCRATCH_PREFIX):
            shutil.rmtree(os.path.join(folder, stale), ignore_errors=True)
    scratch = tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=folder)
    whoosh_index.create_in(scratch, schema())
    return scratch


def commit(writer, segment=None, scratch: str | None = None) -> int:
    """Commit a writer without merging segments; -> the documents it added. With `segment`
    (written by a worker in the `scratch` index), that segment is moved into the writer's index
    and listed after the others instead: its files are renamed first, so a crash before the
    table of contents is written leaves files that no table lists (the next commit deletes them)."""
    if segment is None:
        added = writer.docnum
        writer.commit(merge=False)
        return added
    assert scratch is not None
    prefix = segment.segment_id() + "."  # the index's name and the segment's: MAIN_2b7x…
    for name in os.listdir(scratch):
        if name.startswith(prefix):
            os.replace(os.path.join(scratch, name), os.path.join(writer.storage.folder, name))
    writer._close_segment()
    writer._commit_toc([*writer.segments, segment])
    writer._finish()
    return segment.doc_count_all()


def list_segments(folder: str, segments: list) -> None:
    """List the segments that workers wrote in the Whoosh index's table of contents, in order (as
    Whoosh's own multiprocess writer does)."""
    writer = open_writer(folder)
    try:
        writer._close_segment()
        writer._commit_toc(segments)
    except BaseException:
        abandon(writer)
        raise
    writer._finish()


def abandon(writer) -> None:
    """Cancel a Whoosh writer after a failure and free its lock even when cancelling fails too
    (a full disk fails both); a writer kept alive by a saved traceback must not hold the index."""
    try:
        writer.cancel()
    except Exception:
        pass
    finally:
        lock = getattr(writer, "writelock", None)
        if lock is not None and getattr(lock, "fd", None) is not None:
            lock.release()


# -- reading ------------------------------------------------------------------------------------
class TermsTable(filetables.OrderedHashReader):
    """Whoosh's table of a segment's terms, opened as Whoosh opens it but with its directory of
    256 hash tables read in one read, not 256: that loop was two thirds of opening a segment, and
    a fresh process opens every segment."""

    def __init__(self, dbfile, length: int):
        self.dbfile, self.startoffset, self.is_closed = dbfile, 0, False
        dbfile.seek(0)
        if dbfile.read(4) != b"HSH3":
            raise filetables.FileFormatError(f"Unknown file header in {dbfile}")
        self.hashtype = dbfile.read_byte()
        self.hashfn = filetables._hash_functions[self.hashtype]
        dbfile.read_int()  # two ints Whoosh keeps for future use
        dbfile.read_int()
        self.startofdata = dbfile.tell()
        end_of_extras = length - 4  # the extras' length is the file's last int
        extras = end_of_extras - dbfile.get_int(end_of_extras)
        dbfile.seek(extras)
        self._read_extras()
        size = filetables._directory_size
        self.tables = list(filetables._dir_entry.iter_unpack(dbfile.get(extras - size, size)))
        self.endofdata = self.tables[0][0]


class TermsReader(W3TermsReader):
    """Whoosh's terms reader over a TermsTable."""

    def __init__(self, codec, dbfile, length: int, postfile):
        self._codec, self._dbfile, self._postfile = codec, dbfile, postfile
        self._tindex = TermsTable(dbfile, length)
        self._fieldmap = self._tindex.extras["fieldmap"]
        self._fieldunmap = [None] * len(self._fieldmap)
        for fieldname, num in self._fieldmap.items():
            self._fieldunmap[num] = fieldname


class Searcher:
    """Whoosh's reader of one commit, with what a query takes from Whoosh's Searcher (stored
    fields, up_to_date) as Whoosh's gives it. Whoosh's Searcher
    imports whoosh.searching, whoosh.query, highlight, classify… (25 ms of a fresh process) and
    makes a searcher per segment, for nothing a query here uses."""

    def __init__(self, index, reader):
        self.index, self.ixreader, self.schema = index, reader, reader.schema
        self.stored_fields = reader.stored_fields

    def reader(self):
        return self.ixreader

    def up_to_date(self) -> bool:
        """Whether no writer has committed since (Whoosh's Searcher.up_to_date)."""
        return self.index.latest_generation() == self.ixreader.generation()

    def close(self) -> None:
        self.ixreader.close()


def open_searcher(gen: str, index_path: str) -> Searcher:
    """A Whoosh searcher on the newest commit. A writer that commits deletes the commit before, so
    a reader that found it a moment ago may see it vanish: then it opens the newer one. A listing of
    the folder taken while a commit renames its table of contents in may hold neither the old one
    nor the new (readdir is no snapshot; seen under load as "Index 'MAIN' does not exist"): again."""
    for attempt in range(50):
        try:
            index = whoosh_index.open_dir(gen)
            return Searcher(index, index.reader())
        except (FileNotFoundError, whoosh_index.EmptyIndexError):
            if not os.path.isdir(gen):
                raise IndexStateError(
                    f"{index_path}: its current generation {os.path.basename(gen)} is missing; "
                    "rebuild it with `policysearch build`"
                ) from None
            time.sleep(0.01 * attempt)
        except Exception as e:  # a damaged or foreign folder
            raise IndexStateError(
                f"{index_path}: cannot open index ({e}); rebuild it with `policysearch build`"
            ) from None
    raise IndexStateError(f"{index_path}: cannot open index (its files keep vanishing); is something deleting them?")


def posting_blocks(reader, fieldname: str, text) -> Iterator[list[int]]:
    """The numbers of every live document that holds a term, a posting block at a time
    (Whoosh's matchers hand out one number per call, which was most of a query's time)."""
    for leaf, base in reader.leaf_readers():
        if (fieldname, text) not in leaf:
            continue
        m = leaf.postings(fieldname, text)
        deleted = m._ids if isinstance(m, FilterMatcher) else ()
        m = m.child if isinstance(m, FilterMatcher) else m
        while m.is_active():
            if m._data is None:
                m._read_data()
            # the block's numbers as Whoosh's delta_decode gives them, summed in C, not by a generator
            ids: list[int] = list(accumulate(m._data[0], initial=base))[1:]
            yield [d for d in ids if d - base not in deleted] if deleted else ids
            if m._lastblock:
                break
            m._next_block()


def segment_files(reader, folder: str, suffix: str) -> list[tuple[str, int, int]]:
    """(the file named `suffix` beside each segment, the number of its first document, its number
    of documents), in order. (An index without documents has a reader but no segment.)"""
    return [
        (os.path.join(folder, leaf.segment().make_filename(suffix)), base, leaf.doc_count_all())
        for leaf, base in reader.leaf_readers()
        if leaf.doc_count_all()
    ]


def deleted_documents(reader) -> list[int]:
    """The numbers of the deleted documents that a snapshot's segments still hold."""
    return [
        base + d for leaf, base in reader.leaf_readers() if leaf.has_deletions() for d in leaf._perdoc.deleted_docs()
    ]
