"""The writers: add (or replace), remove and build, each under the folder's lock.

A report goes in with all its paragraphs in one Whoosh commit, then its phrase rows in one SQLite
transaction that moves the `covered` mark past it (snapshot.py says why that makes a report whole
or absent); the next writer deletes what a crash left above the mark. A build writes a new
generation and switches to it; the current one stays searchable until then.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from ..model import METADATA_KEYS, AddOutcome, ReportEntry, RunSummary
from .build import Prepared, files_written, prepared, write_report
from .layout import Folder
from .phrases import PhraseIndex, SpanWriter, sqlite_errors
from .segments import abandon, list_segments, open_writer
from .snapshot import Snapshots, facets_of

Progress = Callable[[Iterable], Iterable] | None
OnWait = Callable[[str], None] | None


@contextmanager
def whoosh_writer(folder: Folder) -> Iterator[tuple]:
    """A Whoosh writer on the current generation, the number its first document gets, and a
    list for the phrase rows of the documents added. What a crash left above the covered mark
    is deleted first. The Whoosh commit never merges segments, so document numbers stay put;
    then the phrase rows go in and the mark moves past the new documents."""
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
        added = w.docnum  # documents in the new segment
        w.commit(merge=False)
    except BaseException:
        abandon(w)
        phrases.close()
        raise
    try:
        phrases.cover(rows, first + added)
    finally:
        phrases.close()


def save_facets(snapshots: Snapshots) -> None:
    """Count the new state's facets once, for every reader to load."""
    facets_of(snapshots.current())


def add_files(
    folder: Folder,
    snapshots: Snapshots,
    paths,
    overrides: dict | None = None,
    progress: Progress = None,
    on_wait: OnWait = None,
) -> RunSummary:
    """Add files and folders; every report is committed on its own, so a crash loses at most
    the one being written. Failures are collected, not raised."""
    overrides = {k: v for k, v in (overrides or {}).items() if k in METADATA_KEYS and v not in (None, "")}
    from ..readers import walk  # the reading stages load only when something is read

    summary = RunSummary()
    items = [(path, overrides, "add") for path in walk(paths)]
    with folder.writing(on_wait=on_wait):
        known = {r.id: r for r in snapshots.current().reports()}
        by_source = {r.source: r for r in known.values()}
        stream = prepared(items)
        for prep in progress(stream) if progress else stream:
            summary.outcomes.append(add_one(folder, prep, known, by_source))
        if any(o.status in ("added", "replaced") for o in summary.outcomes):
            folder.save_lexicon()
            save_facets(snapshots)
    return summary


def add_one(
    folder: Folder, prep: Prepared, known: dict[str, ReportEntry], by_source: dict[str, ReportEntry]
) -> AddOutcome:
    report = prep.report
    if report is None:
        return AddOutcome(prep.path, "failed", message=prep.error)
    if report.id in known:
        return AddOutcome(prep.path, "skipped", report, f"already indexed as {report.id} ({known[report.id].source})")
    old = by_source.get(report.source)
    with whoosh_writer(folder) as (w, first, rows):
        if old:
            w.delete_by_term("doc_id", old.id)
        rows += write_report(w, prep, first)
    info = ReportEntry(**report.metadata())
    known[report.id] = info
    by_source[report.source] = info
    if old:
        known.pop(old.id, None)
        return AddOutcome(prep.path, "replaced", report, f"replaced {old.id}")
    return AddOutcome(prep.path, "added", report)


def remove(folder: Folder, snapshots: Snapshots, report_ids: list[str]) -> list[str]:
    """Remove reports and all their paragraphs, in one commit; -> the ids that were there. (Their
    phrase rows stay until the next build: nothing below the mark is seen unless Whoosh has it.)"""
    with folder.writing():
        snap = snapshots.current()
        there = [rid for rid in dict.fromkeys(report_ids) if snap.report(rid) is not None]
        if there:
            with whoosh_writer(folder) as (w, _, _):
                for rid in there:
                    w.delete_by_term("doc_id", rid)
            save_facets(snapshots)
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
            generation = folder.new_generation()
            gen_path = os.path.join(folder.path, generation)
            phrases = PhraseIndex(gen_path)
            chars = SpanWriter(phrases)
            docnum = 0  # the first document of the next segment, in the order they are listed
            with sqlite_errors():
                phrases.db.execute("BEGIN IMMEDIATE")
                stream = files_written(gen_path, items)
                for written, prep in progress(stream) if progress else stream:
                    if written.segment is not None and (not segments or segments[-1] is not written.segment):
                        segments.append(written.segment)
                        base, docnum = docnum, docnum + written.segment.doc_count_all()
                        chars.add(written.chars, base)
                    report = prep.report
                    if report is None:
                        summary.outcomes.append(AddOutcome(prep.path, "failed", message=prep.error))
                    elif report.id in known:  # written, but not listed: its documents are deleted
                        for d in range(prep.first, prep.first + len(prep.rows) + 1):
                            written.segment.delete_document(d)
                        summary.outcomes.append(
                            AddOutcome(prep.path, "skipped", report, f"same content as {known[report.id]}")
                        )
                    else:
                        known[report.id] = prep.path
                        phrases.insert([(base + n, body, heading) for n, body, heading in prep.rows])
                        summary.outcomes.append(AddOutcome(prep.path, "added", report))
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
        if known:
            folder.save_lexicon()
        save_facets(snapshots)
    return summary
