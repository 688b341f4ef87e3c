"""The writers: add (or replace), remove and build, each under the folder's lock.

A report goes in with all its paragraphs in one Whoosh commit, then its phrase rows in one SQLite
transaction that moves the `covered` mark past it (snapshot.py says why that makes a report whole
or absent); the next writer deletes what a crash left above the mark. A build writes a new
generation and switches to it; the current one stays searchable until then.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cached_property

from ..model import METADATA_KEYS, AddOutcome, ReportEntry, RunSummary
from .build import PARALLEL_FROM, Prepared, Written, files_written
from .layout import Folder
from .phrases import COMMON_GRAMS, PhraseIndex, SpanWriter, sqlite_errors
from .segments import abandon, commit, list_segments, open_writer, scratch_index
from .snapshot import Snapshot, Snapshots, Start, facets_of

Progress = Callable[[Iterable], Iterable] | None
OnWait = Callable[[str], None] | None


@contextmanager
def whoosh_writer(
    folder: Folder, segment=None, scratch: str | None = None, chars: dict | None = None
) -> Iterator[tuple]:
    """A Whoosh writer on the current generation, the number its first document gets, and a
    list for the phrase rows of the documents added. What a crash left above the covered mark
    is deleted first. The Whoosh commit never merges segments, so document numbers stay put;
    then the phrase rows go in and the mark moves past the new documents. With `segment` (a
    worker's, in `scratch`), that segment is what the commit adds; `chars`, its character sets
    as the worker counted them (numbered from 0), spare counting them again here."""
    gen = folder.generation()
    phrases = PhraseIndex(gen)
    w = open_writer(gen)
    rows: list[tuple[int, str, str]] = []
    try:
        covered = phrases.covered()
        first = sum(seg.doc_count_all() for seg in w.segments)
        for docnum in range(covered, first):
            if not w.is_deleted(docnum):
                w.delete_document(docnum)
        yield w, first, rows
        added = commit(w, segment, scratch)
    except BaseException:
        abandon(w)
        phrases.close()
        raise
    try:
        sets = None  # counted again, unless the worker counted the grams this generation keeps
        if chars is not None and phrases.common == COMMON_GRAMS:
            sets = {ch: docs.shift(first) for ch, docs in chars.items()}
        phrases.cover(rows, first + added, sets)
    finally:
        phrases.close()


def save_facets(snapshots: Snapshots, before: Start | None = None) -> None:
    """Count the new state's facets once, for every reader to load: from those of the state the
    writer started from and what was written since; and keep its merged vocabulary (forms.py),
    which every ranked query reads (a second to merge at a million paragraphs)."""
    snap = snapshots.current()
    facets_of(snap, before)
    snap.forms().vocabulary()


def add_files(
    folder: Folder,
    snapshots: Snapshots,
    paths,
    overrides: dict | None = None,
    progress: Progress = None,
    on_wait: OnWait = None,
) -> RunSummary:
    """Add files and folders, read, cut and written as segments as a build writes them: many in
    runs by worker processes, a few here, each in a segment of its own. Each segment is committed
    on its own: a crash loses at most the reports of the commit being made, never part of one.
    Failures are collected, not raised."""
    overrides = {k: v for k, v in (overrides or {}).items() if k in METADATA_KEYS and v not in (None, "")}
    from ..readers import walk  # the reading stages load only when something is read

    summary = RunSummary()
    items = [(path, overrides, "add") for path in walk(paths)]
    with folder.writing(on_wait=on_wait):
        before = snapshots.current()
        start = before.start()
        many = len(items) >= PARALLEL_FROM
        known = Known(before, many)
        lexicon = folder.save_lexicon()
        summary.outcomes += add_in_runs(folder, items, known, lexicon, progress)
        if any(o.status in ("added", "replaced") for o in summary.outcomes):
            save_facets(snapshots, start)
    return summary


def add_in_runs(folder: Folder, items: list, known: Known, lexicon: str, progress: Progress) -> list[AddOutcome]:
    """Runs of files written as segments (by workers, for many) in a scratch index inside the
    index folder (removed at the end), each run committed when its last file has come back."""
    scratch = scratch_index(folder.path)
    outcomes: list[AddOutcome] = []
    try:
        stream = files_written(scratch, items, lexicon, alone=True)
        for written, prep in progress(stream) if progress else stream:
            if prep is written.files[-1]:  # not when the next run's first file comes back
                outcomes += add_run(folder, scratch, written, known)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return outcomes


def add_run(folder: Folder, scratch: str, written: Written, known: Known) -> list[AddOutcome]:
    """A worker's segment in one commit: its reports that are there already (the same content)
    deleted from it, and the older versions of those it replaces deleted from the index."""
    outcomes, fresh, replaced = [], [], []
    for prep in written.files:
        report = prep.report
        outcome = judge(prep, known)
        outcomes.append(outcome)
        if report is None:
            continue
        if outcome.status == "skipped":
            written.drop(prep)
            continue
        old = known.by_source(report.source)
        if old is not None:
            replaced.append(old.id)
        known.added(ReportEntry(**report.metadata()), old)
        fresh.append(prep)
    if fresh:
        dropped = any(o.status == "skipped" for o in outcomes)
        chars = None if dropped else written.chars  # the worker's are of every file it wrote
        with whoosh_writer(folder, written.segment, scratch, chars) as (w, first, rows):
            for old_id in replaced:
                w.delete_by_term("doc_id", old_id)
            rows += [(first + n, body, heading) for prep in fresh for n, body, heading in prep.rows]
    return outcomes


def judge(prep: Prepared, known: Known) -> AddOutcome:
    """What becomes of a file read for `add`: failed, skipped (its content is there), replaced
    (an older version of its source is there) or added."""
    report = prep.report
    if report is None:
        return prep.outcome("failed")
    there = known.by_id(report.id)
    if there is not None:
        return prep.outcome("skipped", f"already indexed as {report.id} ({there.source})")
    old = known.by_source(report.source)
    if old is not None:
        return prep.outcome("replaced", f"replaced {old.id}")
    return prep.outcome("added")


class Known:
    """The reports there are, by id and by source, during a run of `add`: those of the state the
    run started from, looked up in its index as they are asked for (listing every report would
    take longer the larger the index), and those the run itself added or replaced. For a run of
    `many` files, the ids and sources the index holds terms of are read first (0.1 s at a
    million paragraphs): a look-up in every segment, 3 ms there, is then made only for those,
    and they are read when the first file comes back, not before the workers start."""

    def __init__(self, before: Snapshot, many: bool = False):
        self.before = before
        self.many = many
        self.ids: dict[str, ReportEntry | None] = {}
        self.sources: dict[str, ReportEntry | None] = {}

    @cached_property
    def held(self) -> dict[str, set]:
        return {name: self.before.terms(name) for name in ("doc_id", "source")}

    def may_hold(self, fieldname: str, value: str) -> bool:
        return not self.many or value in self.held[fieldname]

    def by_id(self, report_id: str) -> ReportEntry | None:
        if report_id not in self.ids:
            self.ids[report_id] = self.before.report(report_id) if self.may_hold("doc_id", report_id) else None
        return self.ids[report_id]

    def by_source(self, source: str) -> ReportEntry | None:
        if source not in self.sources:
            self.sources[source] = self.before.report_from(source) if self.may_hold("source", source) else None
        return self.sources[source]

    def added(self, info: ReportEntry, old: ReportEntry | None) -> None:
        if old is not None:
            self.ids[old.id] = None
        self.ids[info.id] = self.sources[info.source] = info


def remove(folder: Folder, snapshots: Snapshots, report_ids: list[str]) -> list[str]:
    """Remove reports and all their paragraphs, in one commit; -> the ids that were there. (Their
    phrase rows stay until the next build: nothing below the mark is seen unless Whoosh has it.)"""
    with folder.writing():
        snap = snapshots.current()
        # a report's documents from its id's posting lists, deleted by number: Whoosh's
        # delete_by_term searches every segment again (15 ms a report at a million paragraphs)
        docs = {rid: snap.documents(doc_id=rid) for rid in dict.fromkeys(report_ids)}
        there = [rid for rid, numbers in docs.items() if numbers]
        if there:
            start = snap.start()
            with whoosh_writer(folder) as (w, _, _):
                for rid in there:
                    for number in docs[rid]:
                        w.delete_document(number)
            save_facets(snapshots, start)
    return there


def build(
    folder: Folder, snapshots: Snapshots, corpus: str, progress: Progress = None, on_wait: OnWait = None
) -> RunSummary:
    """(Re)build from a folder plus the files added since the last build."""
    from ..readers import walk

    summary = RunSummary()
    with folder.writing(on_wait=on_wait):
        added = [r for r in snapshots.current().reports() if r.origin == "add"] if folder.has_generation() else []
        items: list[tuple[str, dict, str]] = (
            [(p, {}, "corpus") for p in walk([corpus])] if os.path.isdir(corpus) else []
        )
        if not os.path.isdir(corpus):
            summary.outcomes.append(AddOutcome(corpus, "failed", message=f"{corpus}: no such folder"))
        in_corpus = {os.path.realpath(p) for p, _, _ in items}
        for r in added:
            if not os.path.exists(r.source):
                summary.outcomes.append(AddOutcome(r.source, "failed", message=f"{r.source}: source file has vanished"))
            elif os.path.realpath(r.source) not in in_corpus:
                items.append((r.source, r.overrides, "add"))
        generation: str | None = None
        phrases: PhraseIndex | None = None
        segments: list = []
        known: dict = {}
        try:
            lexicon = folder.save_lexicon()
            generation = folder.new_generation()
            gen_path = os.path.join(folder.path, generation)
            phrases = PhraseIndex(gen_path)
            chars = SpanWriter(phrases)
            docnum = 0  # the first document of the next segment, in the order they are listed
            with sqlite_errors():
                phrases.db.execute("BEGIN IMMEDIATE")
                stream = files_written(gen_path, items, lexicon)
                for written, prep in progress(stream) if progress else stream:
                    if written.segment is not None and (not segments or segments[-1] is not written.segment):
                        segments.append(written.segment)
                        base, docnum = docnum, docnum + written.segment.doc_count_all()
                        chars.add(written.chars, base)
                    report = prep.report
                    if report is None:
                        summary.outcomes.append(prep.outcome("failed"))
                    elif report.id in known:  # written, but not listed: its documents are deleted
                        written.drop(prep)
                        summary.outcomes.append(prep.outcome("skipped", f"same content as {known[report.id]}"))
                    else:
                        known[report.id] = prep.path
                        phrases.insert([(base + n, body, heading) for n, body, heading in prep.rows])
                        summary.outcomes.append(prep.outcome("added"))
                list_segments(gen_path, segments)
                chars.finish()
                phrases.mark(docnum)
                phrases.db.execute("COMMIT")
            phrases.close()
        except BaseException:
            if phrases is not None:
                phrases.close()
            if generation:
                folder.drop(generation)
            raise
        folder.switch(generation)
        save_facets(snapshots)
    return summary
