"""The index on disk: schema, build, incremental add/replace/remove, locking.

Layout of an index folder:
    policysearch.json   what built it (schema and analyzer versions) and which generation is current
    .lock               held (flock) by the one writer at a time; the kernel drops it if the writer dies
    lexicon.sqlite      jieba's dictionary, for cutting queries without loading it (analysis.Lexicon)
    gen-000001/         a Whoosh index: one document per paragraph (stored text, metadata, jieba
                        words for BM25), plus one per report;
                        phrases.sqlite: an FTS5 table of each paragraph's bigrams (exact phrases),
                        row number = the paragraph's Whoosh document number
A report goes in with all its paragraphs in one Whoosh commit, then its phrase rows in one SQLite
transaction that also moves the `covered` mark past it. Readers see only documents below that mark,
so a report is there entirely or not at all; the next writer deletes what a crash left above it.
Whoosh segments are never merged between builds, so document numbers stay put. `build` writes a
new generation beside the current one (worker processes write its segments, run of files by run
of files; the build lists them in order at the end) and switches the pointer with an atomic
rename; readers keep the generation they opened.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from whoosh import fields, index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter
from whoosh.writing import SegmentWriter

from . import __version__
from .analysis import ANALYZER_VERSION, CutWords, Lexicon, gram_tokens, index_words
from .errors import IndexStateError, PolicySearchError, ReadError
from .model import METADATA_KEYS, Paragraph, Report

SCHEMA_VERSION = 4
META_FILE = "policysearch.json"
LOCK_FILE = ".lock"
LEXICON_FILE = "lexicon.sqlite"
PHRASES_FILE = "phrases.sqlite"
READABLE = (".txt", ".md", ".markdown", ".text", ".pdf", ".docx", ".html", ".htm")
LOCK_WAIT = 600.0        # seconds a writer waits for another one before giving up
CPUS = os.cpu_count() or 1
SEGMENT_BYTES = 2_500_000    # of files, per segment of a build: about 5,000 paragraphs, whose postings a worker holds
PARALLEL_FROM = 8        # files; fewer are read in the writer's own process (a worker loads jieba: 0.7 s)
POSTING_BLOCK = 1024     # postings per block (Whoosh: 128); ranking reads whole blocks, each with a fixed cost


def schema() -> fields.Schema:
    return fields.Schema(
        kind=fields.ID(stored=True),                 # "p" paragraph, "r" report
        id=fields.ID(stored=True, unique=True),
        doc_id=fields.ID(stored=True, sortable=True),
        text=fields.STORED(),
        words=CutWords(),
        # A paragraph stores only what is its own; its report's metadata is stored once, with the report.
        town=fields.ID(sortable=True),
        district=fields.ID(sortable=True),
        doc_type=fields.ID(sortable=True),
        section_type=fields.ID(stored=True, sortable=True),
        year=fields.NUMERIC(int, bits=32, sortable=True, signed=False, shift_step=0),
        date=fields.ID(sortable=True),
        position=fields.NUMERIC(int, bits=32, stored=True, sortable=True, signed=False, shift_step=0),
        section=fields.STORED(),
        heading=fields.STORED(),
        report=fields.STORED(),                      # report documents: metadata, source, overrides
    )


class Codec(W3Codec):
    """Whoosh's codec with longer posting blocks and without the shortest and longest length per
    block: only Whoosh's own collector reads those (search does not), and a commit looked a
    length up per posting for them."""
    length_stats = False

    def __init__(self):
        super().__init__(blocklimit=POSTING_BLOCK)

    def field_writer(self, storage, segment):
        return FieldWriter(self, storage, segment)


class TermPool:
    """A build worker's postings (see SegmentBuilder): per term, lists in document order."""

    def __init__(self):
        self.terms: dict = {}          # (field name, term bytes) -> ([numbers], [weights], [values])

    def iter_postings(self):
        return self

    def cleanup(self):
        self.terms = {}


class SegmentBuilder(SegmentWriter):
    """A build worker's Whoosh writer. Whoosh's add_document serves any schema (boosts, spelling,
    vectors) and hands its pool a tuple per posting, which keeps them all in one list and sorts
    it; this one puts this schema's fields straight into per-term lists (documents come in
    order), and FieldWriter writes them a block at a time. Tested: the same files as Whoosh's."""

    def __init__(self, folder: str):
        super().__init__(whoosh_index.open_dir(folder), _lk=False, codec=Codec(), compound=False)
        self.pool = TermPool()
        # names interned, as keyword names are: stored fields pickle as Whoosh's would, byte for byte;
        # "shared": values that documents share (town, year, position…), not words and not ids
        self.fields = [(sys.intern(name), spec, spec.indexed, spec.scorable,
                        spec.indexed and not (spec.scorable or spec.unique), spec.stored, spec.column_type)
                       for name, spec in sorted(self.schema.items())]
        self.shared_terms: dict = {}   # (field, value) -> [(term lists, weight, value)] of a value documents share

    def add_document(self, **values):
        perdoc, terms, docnum = self.perdocwriter, self.pool.terms, self.docnum
        perdoc.start_doc(docnum)
        for name, spec, indexed, scorable, shared, stored, column in self.fields:
            value = values.get(name)
            if value is None:
                continue
            length = 0
            if shared:
                if (name, value) not in self.shared_terms:
                    self.shared_terms[name, value] = [(terms.setdefault((name, term), ([], [], [])), weight, posted)
                                                for term, _, weight, posted in spec.index(value)]
                for lists, weight, posted in self.shared_terms[name, value]:
                    lists[0].append(docnum)
                    lists[1].append(weight)
                    lists[2].append(posted)
            elif indexed:                        # words, ids: terms of this document's own
                for term, count, weight, posted in spec.index(value):
                    lists = terms.get((name, term))
                    if lists is None:
                        lists = terms[name, term] = ([], [], [])
                    lists[0].append(docnum)
                    lists[1].append(weight)
                    lists[2].append(posted)
                    length += count if scorable else 0
            perdoc.add_field(name, spec, value if stored else None, length)
            if column is not None:
                perdoc.add_column_value(name, column, spec.to_column_value(value))
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1


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
                part = weights[i:i + size]
                block._ids.extend(ids[i:i + size])
                block._weights.extend(part)
                block._maxweight = max(block._maxweight, max(part))
                block._values.extend(v for v in values[i:i + size] if v)
            self.finish_term()
        if current is not None:
            self.finish_field()


def open_writer(folder: str, **options):
    """A Whoosh writer that commits a segment as plain files: a segment packed in one file is
    copied into memory by every reader that opens it (the whole index, per process)."""
    return whoosh_index.open_dir(folder).writer(codec=Codec(), compound=False, **options)


# Every document gets a value for every column: Whoosh 2.7 cuts a column short when the last
# document of a segment lacks it, and reading that document then fails.
EMPTY_COLUMNS = {"town": "", "district": "", "doc_type": "", "section_type": "", "date": "", "year": 0,
                 "position": 0}

FEW_ROWS = 300           # candidates up to which a phrase is checked row by row

PHRASES_SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE VIRTUAL TABLE grams USING fts5(body, heading, content='', tokenize='ascii', detail=full);
CREATE TABLE meta (k TEXT PRIMARY KEY, v INTEGER);
INSERT INTO meta VALUES ('covered', 0);
"""


class PhraseIndex:
    """phrases.sqlite of one generation: the FTS5 table `grams` (body: the paragraph's bigrams,
    heading: its heading path's) and the `covered` mark (see the module's docstring)."""

    def __init__(self, folder: str, create: bool = False):
        path = os.path.join(folder, PHRASES_FILE)
        if not create and not os.path.exists(path):
            raise IndexStateError(f"{folder}: no {PHRASES_FILE}; rebuild the index with `policysearch build`")
        self.db = sqlite3.connect(path, timeout=LOCK_WAIT, isolation_level=None, check_same_thread=False)
        if create:
            self.db.executescript(PHRASES_SCHEMA)

    def covered(self) -> int:
        return self.db.execute("SELECT v FROM meta WHERE k = 'covered'").fetchone()[0]

    def match(self, query: str, among: set | None, below: int) -> set[int]:
        """Document numbers (below `below`) of the rows that match an FTS5 query (analysis.
        phrase_match). With a few candidates (`among`), FTS5 looks at those rows only (about
        25 us each) instead of handing out every match (a common word has tens of thousands)."""
        # One JSON array, not a row per match: Python's C parser makes the numbers 3 x faster.
        if among is not None and len(among) <= FEW_ROWS:
            found = self.db.execute("SELECT json_group_array(rowid) FROM grams WHERE grams MATCH ? AND rowid IN "
                                    "(SELECT value FROM json_each(?))", (query, json.dumps(sorted(among))))
        else:
            found = self.db.execute("SELECT json_group_array(rowid) FROM grams WHERE grams MATCH ? AND rowid < ?",
                                    (query, below))
        return set(json.loads(found.fetchone()[0]))

    def insert(self, rows) -> None:
        """Rows (document number, body grams, heading grams), inside the caller's transaction."""
        self.db.executemany("INSERT INTO grams (rowid, body, heading) VALUES (?, ?, ?)", rows)

    def mark(self, upto: int) -> None:
        self.db.execute("UPDATE meta SET v = ? WHERE k = 'covered'", (upto,))

    def cover(self, rows, upto: int) -> None:
        """Add rows and move the mark to `upto`, in one transaction."""
        with sqlite_errors():
            self.db.execute("BEGIN IMMEDIATE")
            try:
                self.insert(rows)
                self.mark(upto)
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:     # SQLite rolls back by itself after some errors
                    self.db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        self.db.close()


@contextmanager
def sqlite_errors():
    """A full disk is ENOSPC, as for Whoosh's files; other SQLite failures name the file."""
    try:
        yield
    except sqlite3.Error as e:
        if getattr(e, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)) from e
        raise IndexStateError(f"{PHRASES_FILE}: {e}") from e


@dataclass
class Prepared:
    """A file read and cut for the index (in a worker process when there are many)."""
    path: str
    overrides: dict
    origin: str
    report: Report | None = None
    words: list[str] = field(default_factory=list)                   # per paragraph
    grams: list[tuple[str, str]] = field(default_factory=list)       # per paragraph: body, heading
    error: str = ""
    first: int = 0                                                   # a build's: see Written
    rows: list = field(default_factory=list)


def prepare(item: tuple[str, dict, str]) -> Prepared:
    from .report import read_report      # the reading stages load only when something is read
    path, overrides, origin = item
    try:
        report = read_report(path, **overrides)
    except PolicySearchError as e:
        return Prepared(path, overrides, origin, error=str(e) if str(e).startswith(path) else f"{path}: {e}")
    # a section's paragraphs share their heading path's grams
    headings = {h: gram_tokens(h) for h in {" ".join(p.section) for p in report.paragraphs}}
    return Prepared(path, overrides, origin, report, [index_words(p.text) for p in report.paragraphs],
                    [(gram_tokens(p.text), headings[" ".join(p.section)]) for p in report.paragraphs])


def prepared(items: list) -> Iterator[Prepared]:
    """Prepared files in the order given. Many files are read and cut (jieba) by worker processes
    while the writer indexes (Whoosh) in this one."""
    return in_workers(prepare, items, CPUS - 1 if len(items) >= PARALLEL_FROM else 0)


def in_workers(function, jobs: list, processes: int) -> Iterator:
    """function(job) for every job, in order: by `processes` forked worker processes (none: here),
    at most a few jobs ahead of the caller, which keeps memory flat."""
    if processes < 1:
        yield from map(function, jobs)
        return
    ahead, stopping = threading.Semaphore(2 * processes + 2), threading.Event()

    def feed():
        for job in jobs:
            ahead.acquire()
            if stopping.is_set():
                return
            yield job

    import multiprocessing               # here, not at the top: a query process never forks (~15 ms of imports)
    pool = multiprocessing.get_context("fork").Pool(processes, initializer=die_with_parent)
    try:
        for result in pool.imap(function, feed()):
            ahead.release()
            yield result
    finally:
        stopping.set()
        ahead.release()               # a feeder waiting for room sees `stopping` and ends
        pool.terminate()
        pool.join()


def die_with_parent() -> None:
    """In a worker: be killed when the writer dies (Linux). A worker outliving a killed writer
    would work on to the end of its job, holding the index's lock, which it inherited."""
    try:
        import ctypes
        import signal
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)          # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass                                                # not Linux: the pool's terminate() still ends them


@dataclass
class Written:
    """A run of files that a build worker read, cut and wrote as one Whoosh segment (None when
    none could be read). The files come back without their text; each readable one with the number
    of its first document in the segment and its phrase rows numbered from there."""
    segment: object
    files: list[Prepared]


def write_segment(job: tuple[str, list]) -> Written:
    """Read, cut and write files into a new segment of the Whoosh index in `folder` (not yet in
    its table of contents: the build adds it, in order, when every file before is in). The writer
    is not finished: that would delete the temporary folder which all workers share."""
    folder, items = job
    files, writer = [], None
    try:
        for item in items:
            prep = prepare(item)
            if prep.report is not None:
                if writer is None:
                    writer = SegmentBuilder(folder)
                prep.first = writer.docnum
                prep.rows = write_report(writer, prep, writer.docnum)
                prep.report = replace(prep.report, paragraphs=[replace(p, text="") for p in prep.report.paragraphs])
                prep.words = prep.grams = []
            files.append(prep)
        segment = writer._finalize_segment() if writer is not None else None
    except BaseException:
        if writer is not None:
            abandon(writer)
        raise
    return Written(segment, files)


def runs_of_files(items: list, processes: int) -> list[list]:
    """The files in consecutive runs of about SEGMENT_BYTES each; with workers, at least a few runs
    per worker, and the last round of runs in quarters, so that the workers finish together."""
    sizes = []
    for path, _, _ in items:
        try:
            sizes.append(os.path.getsize(path))
        except OSError:
            sizes.append(0)                        # it fails when read, with its own message
    left = sum(sizes)
    size = SEGMENT_BYTES if processes < 1 else max(1, min(SEGMENT_BYTES, left // (4 * processes)))
    runs, run, total = [], [], 0
    for item, n in zip(items, sizes):
        limit = size if processes < 1 or left > processes * size else max(1, size // 4)
        if run and total + n > limit:
            runs.append(run)
            run, total = [], 0
        run.append(item)
        total += n
        left -= n
    return runs + [run] if run else runs


def files_written(folder: str, items: list) -> Iterator[tuple[Written, Prepared]]:
    """(segment written, file) for every file, in order: runs of files are read, cut and written
    as segments by as many workers as there are CPUs (few files: here)."""
    processes = CPUS if len(items) >= PARALLEL_FROM else 0
    jobs = [(folder, run) for run in runs_of_files(items, processes)]
    for written in in_workers(write_segment, jobs, processes):
        for prep in written.files:
            yield written, prep


def commit_segments(folder: str, segments: list) -> None:
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


def paragraph_documents(report: Report, words: list[str]) -> list[dict]:
    facets = {k: getattr(report, k) for k in ("town", "district", "doc_type", "year", "date")
              if getattr(report, k) is not None}
    return [dict(EMPTY_COLUMNS, **facets, kind="p", id=p.id, doc_id=report.id, text=p.text, words=w,
                 section_type=p.section_type, position=p.position, section=p.section,
                 heading=p.heading)
            for p, w in zip(report.paragraphs, words)]


def report_document(report: Report, origin: str, overrides: dict) -> dict:
    info = report.metadata() | {
        "sections": [[s.heading, s.type] for s in report.sections],
        "paragraphs": len(report.paragraphs), "warnings": report.warnings,
        "added": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
        "origin": origin, "overrides": overrides,
    }
    return dict(EMPTY_COLUMNS, kind="r", id="report:" + report.id, doc_id=report.id, report=info)


def write_report(writer, prep: Prepared, first: int) -> list[tuple[int, str, str]]:
    """Add a report's paragraphs, numbered from `first`, then its report document (a report's
    document follows its paragraphs: search counts reports by that); -> its phrase rows."""
    for doc in paragraph_documents(prep.report, prep.words):
        writer.add_document(**doc)
    writer.add_document(**report_document(prep.report, prep.origin, prep.overrides))
    return [(first + i, body, heading) for i, (body, heading) in enumerate(prep.grams)]


def walk(paths) -> list[str]:
    """Readable files under the given files and folders, each once, in a stable order; symlink
    loops end the walk instead of repeating it."""
    found, seen_dirs, seen_files = [], set(), set()
    for path in paths:
        path = os.fspath(path)
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path, followlinks=True):
                real = os.path.realpath(root)
                if real in seen_dirs:
                    dirs[:] = []
                    continue
                seen_dirs.add(real)
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    full = os.path.join(root, name)
                    if name.startswith(".") or name.endswith(".meta.json") or not name.lower().endswith(READABLE):
                        continue
                    if os.path.realpath(full) not in seen_files:
                        seen_files.add(os.path.realpath(full))
                        found.append(full)
        elif os.path.realpath(path) not in seen_files:
            seen_files.add(os.path.realpath(path))
            found.append(path)
    return found


def abandon(writer) -> None:
    """Cancel a Whoosh writer after a failure and free its lock even when cancelling fails too
    (a full disk fails both); a writer kept alive by a saved traceback must not hold the index."""
    try:
        writer.cancel()
    except Exception:
        pass
    finally:
        lock = getattr(writer, "writelock", None)
        if getattr(lock, "fd", None) is not None:
            lock.release()


def open_searcher(gen: str, index_path: str):
    """A Whoosh searcher on the newest commit. A writer that commits deletes the commit before, so
    a reader that found it a moment ago may see it vanish: then it opens the newer one."""
    for attempt in range(50):
        try:
            return whoosh_index.open_dir(gen).searcher()
        except FileNotFoundError:
            time.sleep(0.01 * attempt)
        except Exception as e:  # a damaged or foreign folder
            raise IndexStateError(f"{index_path}: cannot open index ({e}); rebuild it with `policysearch build`") from None
    raise IndexStateError(f"{index_path}: cannot open index (its files keep vanishing); is something deleting them?")


@dataclass
class AddOutcome:
    """What happened to one file in an add or build run."""
    path: str
    status: str                       # added, replaced, skipped, failed
    report: Report | None = None
    message: str = ""


@dataclass
class RunSummary:
    outcomes: list[AddOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[AddOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]


class Index:
    """A policysearch index folder: open it (or create it empty), build, add, remove, search."""

    def __init__(self, path="index"):
        self.path = os.path.abspath(os.fspath(path))
        self._local = threading.local()
        if not os.path.exists(os.path.join(self.path, META_FILE)):
            with self.writing():
                if not os.path.exists(os.path.join(self.path, META_FILE)):
                    self._switch(self._new_generation())
        self._check_version()

    # -- the generation pointer ---------------------------------------------------------------
    def _meta(self) -> dict:
        try:
            with open(os.path.join(self.path, META_FILE), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError) as e:
            raise IndexStateError(f"{self.path}: not a policysearch index ({e})") from None

    def _check_version(self) -> None:
        meta = self._meta()
        if (meta.get("schema"), meta.get("analyzer")) != (SCHEMA_VERSION, ANALYZER_VERSION):
            raise IndexStateError(
                f"{self.path}: built by policysearch {meta.get('created_by', '?')} (schema {meta.get('schema')}, "
                f"analyzer {meta.get('analyzer')}); this is {__version__} (schema {SCHEMA_VERSION}, analyzer "
                f"{ANALYZER_VERSION}): rebuild it with `policysearch build`")

    def _generation_path(self) -> str:
        return os.path.join(self.path, self._meta()["current"])

    def lexicon_path(self) -> str | None:
        """jieba's dictionary beside the index (see analysis.Lexicon), when a writer has saved it."""
        path = os.path.join(self.path, LEXICON_FILE)
        return path if os.path.exists(path) else None

    def _save_lexicon(self) -> None:
        """Called by writers, which have jieba loaded anyway."""
        if not os.path.exists(os.path.join(self.path, LEXICON_FILE)):
            Lexicon.write(os.path.join(self.path, LEXICON_FILE))

    def _save_facets(self) -> None:
        """Count the new state's facets once, for every reader to load (search.snapshot_facets)."""
        from .search import snapshot_facets
        searcher, _, covered = self.view()
        snapshot_facets(searcher, covered, searcher.cache["folder"])

    def _new_generation(self) -> str:
        os.makedirs(self.path, exist_ok=True)
        existing = [d for d in os.listdir(self.path) if d.startswith("gen-")]
        number = max((int(d[4:]) for d in existing if d[4:].isdigit()), default=0) + 1
        name = f"gen-{number:06d}"
        os.makedirs(os.path.join(self.path, name))
        try:
            whoosh_index.create_in(os.path.join(self.path, name), schema())
            PhraseIndex(os.path.join(self.path, name), create=True).close()
        except BaseException:
            shutil.rmtree(os.path.join(self.path, name), ignore_errors=True)
            raise
        return name

    def _switch(self, generation: str) -> None:
        """Point the index at a complete generation (atomic rename), then drop the ones before
        the previous, which no reader opened after the last switch can be using."""
        meta_path = os.path.join(self.path, META_FILE)
        previous = None
        if os.path.exists(meta_path):
            previous = self._meta().get("current")
        meta = {"schema": SCHEMA_VERSION, "analyzer": ANALYZER_VERSION, "created_by": __version__,
                "current": generation, "previous": previous}
        tmp = meta_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(meta, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, meta_path)
        for d in os.listdir(self.path):
            if d.startswith("gen-") and d not in (generation, previous):
                shutil.rmtree(os.path.join(self.path, d), ignore_errors=True)

    # -- readers --------------------------------------------------------------------------------
    def view(self):
        """(searcher, phrase index, covered) for this thread: the Whoosh searcher is reopened when a
        writer has committed since; documents numbered `covered` and above are not there yet."""
        gen = self._generation_path()
        cached = getattr(self._local, "searcher", None)
        if cached is None or self._local.gen != gen or not cached.up_to_date():
            if cached is not None:
                cached.close()
            searcher = open_searcher(gen, self.path)
            searcher.cache = {"folder": gen}    # what search.py reads once per snapshot: columns, facets
            if getattr(self._local, "gen", None) != gen:
                if getattr(self._local, "phrases", None) is not None:
                    self._local.phrases.close()
                self._local.phrases = PhraseIndex(gen)
            self._local.searcher, self._local.gen = searcher, gen
        with sqlite_errors():
            covered = self._local.phrases.covered()
        return self._local.searcher, self._local.phrases, covered

    def searcher(self):
        return self.view()[0]

    def _documents(self, **terms) -> list[dict]:
        """Stored fields of the documents that have these terms and are there (below `covered`)."""
        s, _, covered = self.view()
        return [s.stored_fields(d) for d in sorted(s.document_numbers(**terms)) if d < covered]

    def reports(self) -> list[dict]:
        """Every report in the index with its metadata, source, paragraph count and whether its
        source file is still on disk."""
        out = []
        for doc in self._documents(kind="r"):
            info = dict(doc["report"])
            info["missing"] = not os.path.exists(info["source"])
            out.append(info)
        return sorted(out, key=lambda r: (r["source"], r["id"]))

    def report(self, report_id: str) -> dict | None:
        docs = self._documents(id="report:" + report_id)
        return dict(docs[0]["report"]) if docs else None

    def paragraphs(self, report_id: str) -> list[Paragraph]:
        """The paragraphs of one report as indexed, in order."""
        docs = [d for d in self._documents(doc_id=report_id) if d["kind"] == "p"]
        docs.sort(key=lambda d: d["position"])
        return [Paragraph(id=d["id"], text=d["text"], section=list(d["section"]), section_type=d["section_type"],
                          position=d["position"], doc_id=d["doc_id"], heading=d.get("heading", False))
                for d in docs]

    def paragraph(self, paragraph_id: str) -> dict | None:
        docs = self._documents(id=paragraph_id)
        return docs[0] if docs else None

    def search(self, query: str, **options):
        """See policysearch.search.search for the options."""
        from .search import search
        return search(self, query, **options)

    def stats(self) -> dict:
        reports = self.reports()
        size = sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(self.path) for f in files)
        meta = self._meta()
        return {"reports": len(reports), "paragraphs": sum(r["paragraphs"] for r in reports),
                "towns": len({r["town"] for r in reports if r["town"]}),
                "years": sorted({r["year"] for r in reports if r["year"]}),
                "size_bytes": size, "built_by": meta.get("created_by"), "schema": meta.get("schema"),
                "analyzer": meta.get("analyzer"), "path": self.path}

    # -- writers --------------------------------------------------------------------------------
    @contextmanager
    def writing(self, wait: float = LOCK_WAIT, on_wait=None):
        """Hold the index's write lock. A second writer waits (telling `on_wait` once), up to `wait`
        seconds; a lock left by a killed process is free, since the kernel releases flocks."""
        os.makedirs(self.path, exist_ok=True)
        fd = os.open(os.path.join(self.path, LOCK_FILE), os.O_CREAT | os.O_RDWR, 0o644)
        try:
            deadline, told = time.monotonic() + wait, False
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as e:
                    if e.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if not told and on_wait:
                        holder = os.pread(fd, 100, 0).decode("utf-8", "replace").strip()
                        on_wait(f"waiting for another writer on {self.path} ({holder or 'unknown'}) to finish…")
                        told = True
                    if time.monotonic() > deadline:
                        raise IndexStateError(f"{self.path}: another writer still holds the index after {wait:g} s")
                    time.sleep(0.1)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
            yield
        finally:
            os.close(fd)

    @contextmanager
    def _writer(self):
        """A Whoosh writer on the current generation, the number its first document gets, and a
        list for the phrase rows of the documents added. What a crash left above the covered mark
        is deleted first. The Whoosh commit never merges segments, so document numbers stay put;
        then the phrase rows go in and the mark moves past the new documents."""
        gen = self._generation_path()
        phrases = PhraseIndex(gen)
        w = open_writer(gen)
        rows: list[tuple[int, str, str]] = []
        try:
            with sqlite_errors():
                covered = phrases.covered()
            first = sum(seg.doc_count_all() for seg in w.segments)
            for docnum in range(covered, first):
                if not w.is_deleted(docnum):
                    w.delete_document(docnum)
            yield w, first, rows
            added = w.docnum              # documents in the new segment
            w.commit(merge=False)
        except BaseException:
            abandon(w)
            phrases.close()
            raise
        try:
            phrases.cover(rows, first + added)
        finally:
            phrases.close()

    def add(self, path, **overrides) -> Report:
        """Add one report (or replace the older version from the same source). Raises ReadError
        for a file that cannot be read."""
        outcome = self.add_files([path], overrides).outcomes[0]
        if outcome.status == "failed":
            raise ReadError(outcome.message)
        return outcome.report

    def add_files(self, paths, overrides: dict | None = None, progress=None, on_wait=None) -> RunSummary:
        """Add files and folders; every report is committed on its own, so a crash loses at most
        the one being written. Failures are collected, not raised."""
        overrides = {k: v for k, v in (overrides or {}).items() if k in METADATA_KEYS and v not in (None, "")}
        summary = RunSummary()
        items = [(path, overrides, "add") for path in walk(paths)]
        with self.writing(on_wait=on_wait):
            known = {r["id"]: r for r in self.reports()}
            by_source = {r["source"]: r for r in known.values()}
            stream = prepared(items)
            for prep in progress(stream) if progress else stream:
                summary.outcomes.append(self._add_one(prep, known, by_source))
            if any(o.status in ("added", "replaced") for o in summary.outcomes):
                self._save_lexicon()
                self._save_facets()
        return summary

    def _add_one(self, prep: Prepared, known, by_source) -> AddOutcome:
        report = prep.report
        if report is None:
            return AddOutcome(prep.path, "failed", message=prep.error)
        if report.id in known:
            return AddOutcome(prep.path, "skipped", report, f"already indexed as {report.id} ({known[report.id]['source']})")
        old = by_source.get(report.source)
        with self._writer() as (w, first, rows):
            if old:
                w.delete_by_term("doc_id", old["id"])
            rows += write_report(w, prep, first)
        info = report.metadata()
        known[report.id] = info
        by_source[report.source] = info
        if old:
            known.pop(old["id"], None)
            return AddOutcome(prep.path, "replaced", report, f"replaced {old['id']}")
        return AddOutcome(prep.path, "added", report)

    def remove(self, report_id: str) -> bool:
        """Remove a report and all its paragraphs; False when it was not there. (Its phrase rows
        stay until the next build: nothing below the mark is seen unless Whoosh has it.)"""
        with self.writing():
            if self.report(report_id) is None:
                return False
            with self._writer() as (w, _, _):
                w.delete_by_term("doc_id", report_id)
            self._save_facets()
        return True

    def build(self, corpus="corpus", progress=None, on_wait=None) -> RunSummary:
        """(Re)build from a folder plus the files added since the last build. The current index
        stays searchable until the new one is complete and switched in."""
        summary = RunSummary()
        with self.writing(on_wait=on_wait):
            added = [r for r in self.reports() if r.get("origin") == "add"] if self._has_generation() else []
            items = [(p, {}, "corpus") for p in walk([corpus])] if os.path.isdir(corpus) else []
            if not os.path.isdir(corpus):
                summary.outcomes.append(AddOutcome(corpus, "failed", message=f"{corpus}: no such folder"))
            in_corpus = {os.path.realpath(p) for p, _, _ in items}
            for r in added:
                if not os.path.exists(r["source"]):
                    summary.outcomes.append(AddOutcome(r["source"], "failed", message=f"{r['source']}: source file has vanished"))
                elif os.path.realpath(r["source"]) not in in_corpus:
                    items.append((r["source"], r.get("overrides", {}), "add"))
            generation, phrases, segments = None, None, []
            known: dict = {}
            try:
                generation = self._new_generation()
                folder = os.path.join(self.path, generation)
                phrases = PhraseIndex(folder)
                docnum = 0               # the first document of the next segment, in the order they are listed
                with sqlite_errors():
                    phrases.db.execute("BEGIN IMMEDIATE")
                    stream = files_written(folder, items)
                    for written, prep in progress(stream) if progress else stream:
                        if written.segment is not None and (not segments or segments[-1] is not written.segment):
                            segments.append(written.segment)
                            base, docnum = docnum, docnum + written.segment.doc_count_all()
                        report = prep.report
                        if report is None:
                            summary.outcomes.append(AddOutcome(prep.path, "failed", message=prep.error))
                        elif report.id in known:          # written, but not listed: its documents are deleted
                            for d in range(prep.first, prep.first + len(prep.rows) + 1):
                                written.segment.delete_document(d)
                            summary.outcomes.append(AddOutcome(prep.path, "skipped", report, f"same content as {known[report.id]}"))
                        else:
                            known[report.id] = prep.path
                            phrases.insert([(base + n, body, heading) for n, body, heading in prep.rows])
                            summary.outcomes.append(AddOutcome(prep.path, "added", report))
                    commit_segments(folder, segments)
                    phrases.mark(docnum)
                    phrases.db.execute("COMMIT")
                phrases.close()
            except BaseException:
                if phrases is not None:
                    phrases.close()
                if generation:
                    shutil.rmtree(os.path.join(self.path, generation), ignore_errors=True)
                raise
            self._switch(generation)
            if known:
                self._save_lexicon()
            self._save_facets()
        return summary

    def _has_generation(self) -> bool:
        try:
            return os.path.isdir(self._generation_path())
        except IndexStateError:
            return False
