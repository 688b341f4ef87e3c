"""The index on disk: schema, build, incremental add/replace/remove, locking.

Layout of an index folder:
    policysearch.json   what built it (schema and analyzer versions) and which generation is current
    .lock               held (flock) by the one writer at a time; the kernel drops it if the writer dies
    gen-000001/         a Whoosh index: one document per paragraph, plus one per report
A report goes in with all its paragraphs in one Whoosh commit, so it is there entirely or not at all.
`build` writes a new generation beside the current one and switches the pointer with an atomic
rename; readers keep the generation they opened.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone

from whoosh import columns, fields, formats, index as whoosh_index

from . import __version__
from .analysis import ANALYZER_VERSION, Lexicon, grams_analyzer, match_form, words_analyzer
from .errors import IndexStateError, PolicySearchError, ReadError
from .model import METADATA_KEYS, Paragraph, Report

SCHEMA_VERSION = 3
META_FILE = "policysearch.json"
LOCK_FILE = ".lock"
LEXICON_FILE = "lexicon.sqlite"
READABLE = (".txt", ".md", ".markdown", ".text", ".pdf", ".docx", ".html", ".htm")
LOCK_WAIT = 600.0        # seconds a writer waits for another one before giving up


def schema() -> fields.Schema:
    # scorable: Whoosh then keeps a length column for the field; without one, merging segments
    # looks for the missing column file once per posting (a stat call each: most of a build).
    grams = fields.FieldType(formats.Existence(), grams_analyzer(), scorable=True, stored=False)
    heading_grams = fields.FieldType(formats.Existence(), grams_analyzer(), scorable=True, stored=False)
    return fields.Schema(
        kind=fields.ID(stored=True),                 # "p" paragraph, "r" report
        id=fields.ID(stored=True, unique=True),
        doc_id=fields.ID(stored=True, sortable=True),
        text=fields.STORED(),
        form=fields.COLUMN(columns.VarBytesColumn()),  # match form, read by the substring check
        grams=grams,
        heading_grams=heading_grams,
        words=fields.TEXT(analyzer=words_analyzer(), phrase=False),
        town=fields.ID(stored=True, sortable=True),
        district=fields.ID(stored=True, sortable=True),
        doc_type=fields.ID(stored=True, sortable=True),
        section_type=fields.ID(stored=True, sortable=True),
        year=fields.NUMERIC(int, bits=32, stored=True, sortable=True, signed=False),
        date=fields.ID(stored=True, sortable=True),
        position=fields.NUMERIC(int, bits=32, stored=True, sortable=True, signed=False),
        title=fields.STORED(),
        section=fields.STORED(),
        heading=fields.STORED(),
        report=fields.STORED(),                      # report documents: metadata, source, overrides
    )


# Every document gets a value for every column: Whoosh 2.7 cuts a column short when the last
# document of a segment lacks it, and reading that document then fails.
EMPTY_COLUMNS = {"town": "", "district": "", "doc_type": "", "section_type": "", "date": "", "year": 0,
                 "position": 0, "form": b""}


def paragraph_documents(report: Report) -> list[dict]:
    facets = {k: getattr(report, k) for k in ("town", "district", "doc_type", "year", "date")
              if getattr(report, k) is not None}
    docs = []
    for p in report.paragraphs:
        doc = dict(EMPTY_COLUMNS, **facets, kind="p", id=p.id, doc_id=report.id, text=p.text, grams=p.text,
                   form=match_form(p.text).encode("utf-8"),
                   heading_grams=" ".join(p.section), words=p.text, section_type=p.section_type,
                   position=p.position, title=report.title, section=p.section, heading=p.heading)
        docs.append(doc)
    return docs


def report_document(report: Report, origin: str, overrides: dict) -> dict:
    info = report.metadata() | {
        "sections": [[s.heading, s.type] for s in report.sections],
        "paragraphs": len(report.paragraphs), "warnings": report.warnings,
        "added": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
        "origin": origin, "overrides": overrides,
    }
    return dict(EMPTY_COLUMNS, kind="r", id="report:" + report.id, doc_id=report.id, report=info)


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

    def _new_generation(self) -> str:
        os.makedirs(self.path, exist_ok=True)
        existing = [d for d in os.listdir(self.path) if d.startswith("gen-")]
        number = max((int(d[4:]) for d in existing if d[4:].isdigit()), default=0) + 1
        name = f"gen-{number:06d}"
        os.makedirs(os.path.join(self.path, name))
        try:
            whoosh_index.create_in(os.path.join(self.path, name), schema())
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
    def searcher(self):
        """A searcher for this thread, reopened when a writer has committed since."""
        gen = self._generation_path()
        cached = getattr(self._local, "searcher", None)
        if cached is not None and self._local.gen == gen and cached.up_to_date():
            return cached
        if cached is not None:
            cached.close()
        try:
            searcher = whoosh_index.open_dir(gen).searcher()
        except Exception as e:  # a damaged or foreign folder
            raise IndexStateError(f"{self.path}: cannot open index ({e}); rebuild it with `policysearch build`") from None
        searcher.cache = {}     # what search.py reads once per snapshot: columns, facet postings
        self._local.searcher, self._local.gen = searcher, gen
        return searcher

    def reports(self) -> list[dict]:
        """Every report in the index with its metadata, source, paragraph count and whether its
        source file is still on disk."""
        s = self.searcher()
        out = []
        for doc in s.documents(kind="r"):
            info = dict(doc["report"])
            info["missing"] = not os.path.exists(info["source"])
            out.append(info)
        return sorted(out, key=lambda r: (r["source"], r["id"]))

    def report(self, report_id: str) -> dict | None:
        doc = self.searcher().document(id="report:" + report_id)
        return dict(doc["report"]) if doc else None

    def paragraphs(self, report_id: str) -> list[Paragraph]:
        """The paragraphs of one report as indexed, in order."""
        s = self.searcher()
        docs = [d for d in s.documents(doc_id=report_id) if d["kind"] == "p"]
        docs.sort(key=lambda d: d["position"])
        return [Paragraph(id=d["id"], text=d["text"], section=list(d["section"]), section_type=d["section_type"],
                          position=d["position"], doc_id=d["doc_id"], heading=d.get("heading", False))
                for d in docs]

    def paragraph(self, paragraph_id: str) -> dict | None:
        return self.searcher().document(id=paragraph_id)

    def search(self, query: str, **options):
        """See policysearch.search.search for the options."""
        from .search import search
        return search(self, query, **options)

    def stats(self) -> dict:
        s = self.searcher()
        reports = self.reports()
        size = sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(self.path) for f in files)
        meta = self._meta()
        return {"reports": len(reports), "paragraphs": s.doc_count() - len(reports),
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

    def _writer(self):
        return whoosh_index.open_dir(self._generation_path()).writer()

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
        files = walk(paths)
        with self.writing(on_wait=on_wait):
            known = {r["id"]: r for r in self.reports()}
            by_source = {r["source"]: r for r in known.values()}
            for path in progress(files) if progress else files:
                outcome = self._add_one(path, overrides, known, by_source, origin="add")
                summary.outcomes.append(outcome)
            if any(o.status in ("added", "replaced") for o in summary.outcomes):
                self._save_lexicon()
        return summary

    def _add_one(self, path, overrides, known, by_source, origin) -> AddOutcome:
        from .report import read_report      # the reading stages load only when something is read
        try:
            report = read_report(path, **overrides)
        except PolicySearchError as e:
            return AddOutcome(path, "failed", message=str(e) if str(e).startswith(path) else f"{path}: {e}")
        if report.id in known:
            return AddOutcome(path, "skipped", report, f"already indexed as {report.id} ({known[report.id]['source']})")
        old = by_source.get(report.source)
        w = self._writer()
        try:
            if old:
                w.delete_by_term("doc_id", old["id"])
            for doc in paragraph_documents(report):
                w.add_document(**doc)
            w.add_document(**report_document(report, origin, overrides))
            w.commit()
        except BaseException:
            abandon(w)
            raise
        info = report.metadata()
        known[report.id] = info
        by_source[report.source] = info
        if old:
            known.pop(old["id"], None)
            return AddOutcome(path, "replaced", report, f"replaced {old['id']}")
        return AddOutcome(path, "added", report)

    def remove(self, report_id: str) -> bool:
        """Remove a report and all its paragraphs; False when it was not there."""
        with self.writing():
            if self.report(report_id) is None:
                return False
            w = self._writer()
            try:
                w.delete_by_term("doc_id", report_id)
                w.commit()
            except BaseException:
                abandon(w)
                raise
        return True

    def build(self, corpus="corpus", progress=None, on_wait=None) -> RunSummary:
        """(Re)build from a folder plus the files added since the last build. The current index
        stays searchable until the new one is complete and switched in."""
        from .report import read_report
        summary = RunSummary()
        with self.writing(on_wait=on_wait):
            added = [r for r in self.reports() if r.get("origin") == "add"] if self._has_generation() else []
            files = [(p, {}, "corpus") for p in walk([corpus])] if os.path.isdir(corpus) else []
            if not os.path.isdir(corpus):
                summary.outcomes.append(AddOutcome(corpus, "failed", message=f"{corpus}: no such folder"))
            in_corpus = {os.path.realpath(p) for p, _, _ in files}
            for r in added:
                if os.path.realpath(r["source"]) not in in_corpus:
                    files.append((r["source"], r.get("overrides", {}), "add"))
            generation, w = None, None
            known: dict = {}
            try:
                generation = self._new_generation()
                w = whoosh_index.open_dir(os.path.join(self.path, generation)).writer(limitmb=256)
                for path, overrides, origin in progress(files) if progress else files:
                    if not os.path.exists(path):
                        summary.outcomes.append(AddOutcome(path, "failed", message=f"{path}: source file has vanished"))
                        continue
                    try:
                        report = read_report(path, **overrides)
                    except PolicySearchError as e:
                        summary.outcomes.append(AddOutcome(path, "failed", message=str(e)))
                        continue
                    if report.id in known:
                        summary.outcomes.append(AddOutcome(path, "skipped", report, f"same content as {known[report.id]}"))
                        continue
                    known[report.id] = path
                    for doc in paragraph_documents(report):
                        w.add_document(**doc)
                    w.add_document(**report_document(report, origin, overrides))
                    summary.outcomes.append(AddOutcome(path, "added", report))
                w.commit()                          # one writer makes one segment: no merge needed
            except BaseException:
                if w is not None:
                    abandon(w)
                if generation:
                    shutil.rmtree(os.path.join(self.path, generation), ignore_errors=True)
                raise
            self._switch(generation)
            if known:
                self._save_lexicon()
        return summary

    def _has_generation(self) -> bool:
        try:
            return os.path.isdir(self._generation_path())
        except IndexStateError:
            return False
