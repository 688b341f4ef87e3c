"""Files -> documents ready for the index, by worker processes: read, repair, structure,
describe and cut (jieba) each file; a build's workers also write their run of files as a Whoosh
segment of its own."""

from __future__ import annotations

import os
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import PolicySearchError
from ..model import AddOutcome, Report
from ..text import form_grams, gram_tokens, index_words, match_form
from .phrases import COMMON_GRAMS, RUN_START, char_sets
from .schema import paragraph_documents, report_document, word_counts
from .segments import SegmentBuilder, abandon

CPUS = os.cpu_count() or 1
SEGMENT_BYTES = 2_500_000  # of files, per segment of a build: about 5,000 paragraphs, whose postings a worker holds
PARALLEL_FROM = 8  # files; fewer are read and written in the writer's own process (forking costs more)


@dataclass
class Prepared:
    """A file read and cut for the index (in a worker process when there are many)."""

    path: str
    overrides: dict
    origin: str
    report: Report | None = None
    words: list[Counter] = field(default_factory=list)  # per paragraph: {word: how often} (schema.word_counts)
    forms: list[str] = field(default_factory=list)  # per paragraph: its match form
    grams: list[tuple[str, str]] = field(default_factory=list)  # per paragraph: body, heading (phrases.py)
    error: str = ""
    first: int = 0  # a build's: see Written
    rows: list = field(default_factory=list)
    paragraphs: int = 0  # the report's, of them headings (a worker sends the report back without them)
    headings: int = 0

    def outcome(self, status: str, message: str = "") -> AddOutcome:
        return AddOutcome(self.path, status, self.report, message or self.error, self.paragraphs, self.headings)


def prepare(item: tuple[str, dict, str], lexicon: str) -> Prepared:
    """A file read and cut, with the index's dictionary at `lexicon` (Folder.save_lexicon)."""
    from ..report import read_report  # the reading stages load only when something is read

    path, overrides, origin = item
    try:
        report = read_report(path, **overrides)
    except PolicySearchError as e:
        return Prepared(path, overrides, origin, error=str(e) if str(e).startswith(path) else f"{path}: {e}")
    # a heading path's grams stand once per run of paragraphs under it, in its first one's row
    paths = [" ".join(p.section) for p in report.paragraphs]
    headings = {h: gram_tokens(h) or RUN_START for h in set(paths)}
    starts = [headings[h] if i == 0 or h != paths[i - 1] else "" for i, h in enumerate(paths)]
    # NFKC once: match_form and the cut normalize again, which for a normal text is a quick check
    texts = [unicodedata.normalize("NFKC", p.text) for p in report.paragraphs]
    forms = [match_form(t) for t in texts]
    return Prepared(
        path,
        overrides,
        origin,
        report,
        [word_counts(index_words(t, lexicon)) for t in texts],
        forms,
        [(form_grams(f), heading) for f, heading in zip(forms, starts)],
        paragraphs=len(report.paragraphs),
        headings=sum(p.heading for p in report.paragraphs),
    )


def in_workers(function: Callable, jobs: list, processes: int) -> Iterator:
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

    import multiprocessing  # here, not at the top: a query process never forks (~15 ms of imports)

    pool = multiprocessing.get_context("fork").Pool(processes, initializer=die_with_parent, initargs=(os.getpid(),))
    try:
        for result in pool.imap(function, feed()):
            ahead.release()
            yield result
    finally:
        stopping.set()
        ahead.release()  # a feeder waiting for room sees `stopping` and ends
        pool.terminate()
        pool.join()


def die_with_parent(writer: int) -> None:
    """In a worker: be killed when the writer dies (Linux). A worker outliving a killed writer
    would work on to the end of its job, holding the index's lock, which it inherited; or wait
    for ever on the task queue's lock, held by a worker killed with the writer. A writer killed
    between the fork and the request sends no signal: then the worker is an orphan already."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the pool's terminate() still ends them
    if os.getppid() != writer:
        os._exit(1)


def write_report(writer, prep: Prepared, first: int) -> list[tuple[int, str, str]]:
    """Add a report's paragraphs, numbered from `first`, then its report document (after its
    paragraphs: see snapshot.py); -> its phrase rows."""
    assert prep.report is not None
    for doc in paragraph_documents(prep.report, prep.words, prep.forms):
        writer.add_document(**doc)
    writer.add_document(**report_document(prep.report, prep.origin, prep.overrides))
    return [(first + i, body, heading) for i, (body, heading) in enumerate(prep.grams)]


@dataclass
class Written:
    """A run of files that a build worker read, cut and wrote as one Whoosh segment (None when
    none could be read). The files come back without their text; each readable one with the number
    of its first document in the segment and its phrase rows numbered from there."""

    segment: Any
    files: list[Prepared]
    chars: dict = field(default_factory=dict)  # the segment's character and gram sets (phrases.char_sets), from 0

    def drop(self, prep: Prepared) -> None:
        """Delete a file's documents (its paragraphs and its report's) from the segment."""
        for d in range(prep.first, prep.first + len(prep.rows) + 1):
            self.segment.delete_document(d)


def write_segment(job: tuple[str, list, str, bool]) -> Written:
    """Read, cut and write files into a new segment of the Whoosh index in `folder` (not yet in
    its table of contents: the build adds it, in order, when every file before is in). The
    reports come back without their paragraphs unless `keep` (an add of a few, here)."""
    folder, items, lexicon, keep = job
    files, writer, rows = [], None, []
    try:
        for item in items:
            prep = prepare(item, lexicon)
            if prep.report is not None:
                if writer is None:
                    writer = SegmentBuilder(folder)
                prep.first = writer.docnum
                prep.rows = write_report(writer, prep, writer.docnum)
                rows += prep.rows
                if not keep:  # the writer holds no paragraph of the collection
                    prep.report = replace(prep.report, paragraphs=[])
                prep.words, prep.forms, prep.grams = [], [], []
            files.append(prep)
        segment = writer.finish() if writer is not None else None
    except BaseException:
        if writer is not None:
            abandon(writer)
        raise
    return Written(segment, files, char_sets(rows, COMMON_GRAMS))  # the new generation's (layout.py)


def runs_of_files(items: list, processes: int) -> list[list]:
    """The files in consecutive runs of about SEGMENT_BYTES each; with workers, at least a few runs
    per worker, and the last round of runs in quarters, so that the workers finish together."""
    sizes = []
    for path, _, _ in items:
        try:
            sizes.append(os.path.getsize(path))
        except OSError:
            sizes.append(0)  # it fails when read, with its own message
    left = sum(sizes)
    size = SEGMENT_BYTES if processes < 1 else max(1, min(SEGMENT_BYTES, left // (4 * processes)))
    runs: list[list] = []
    run: list = []
    total = 0
    for item, n in zip(items, sizes):
        limit = size if processes < 1 or left > processes * size else max(1, size // 4)
        if run and total + n > limit:
            runs.append(run)
            run, total = [], 0
        run.append(item)
        total += n
        left -= n
    return runs + [run] if run else runs


def files_written(folder: str, items: list, lexicon: str, alone: bool = False) -> Iterator[tuple[Written, Prepared]]:
    """(segment written, file) for every file, in order: runs of files are read, cut and written
    as segments by as many workers as there are CPUs (few files: here, each file `alone` in a
    segment of its own if asked, and given back with its paragraphs, as Index.add returns it)."""
    processes = CPUS if len(items) >= PARALLEL_FROM else 0
    alone = alone and not processes
    jobs = [
        (folder, run, lexicon, alone)
        for run in ([[item] for item in items] if alone else runs_of_files(items, processes))
    ]
    for written in in_workers(write_segment, jobs, processes):
        for prep in written.files:
            yield written, prep
