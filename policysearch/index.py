"""The public Index: a thin facade over store/ (the index on disk) and query/ (searching it)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from .errors import PolicySearchError, ReadError
from .model import Context, Paragraph, Removal, Report, ReportEntry, Results, RunSummary, Stats
from .query import Years, analyze, keywords, query_highlights, search
from .store import layout
from .store.phrases import LOCK_WAIT
from .store.schema import FACETS
from .store.snapshot import Snapshot, Snapshots

if TYPE_CHECKING:  # a search imports none of the writers
    from .store.write import OnWait, Progress


class Index:
    """A policysearch index folder: open it (or create it empty), build, add, remove, search.
    Searching is safe from several threads; each call sees one consistent state of the index."""

    def __init__(self, path: str | os.PathLike = "index"):
        self.path = os.path.abspath(os.fspath(path))
        self.folder = layout.Folder(self.path)
        self.snapshots = Snapshots(self.folder)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike = "index",
        build_from: str | os.PathLike | None = None,
        progress: Progress = None,
        on_wait: OnWait = None,
        on_built: Callable[[RunSummary], object] | None = None,
    ) -> Index:
        """Open an existing index. With `build_from` (a corpus folder), an index that is not there
        yet is built from it first (a new user's first query; `on_built` is told how the build
        went); without, a missing one is an error."""
        path = os.fspath(path)
        if layout.exists(path):
            return cls(path)
        if build_from is None:
            raise PolicySearchError(f"no index at {path}: run `policysearch build` first")
        if not os.path.isdir(build_from):
            raise PolicySearchError(f"no index at {path} and no corpus folder {os.fspath(build_from)} to build it from")
        ix = cls(path)
        summary = ix.build(build_from, progress=progress, on_wait=on_wait)
        if on_built:
            on_built(summary)
        return ix

    # -- reading ----------------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """This thread's view of the current state (reopened when a writer has committed)."""
        return self.snapshots.current()

    def lexicon_path(self) -> str | None:
        return self.folder.lexicon_path()

    def search(
        self,
        query: str,
        *,
        province: str | None = None,
        city: str | None = None,
        district: str | None = None,
        town: str | None = None,
        place: str | None = None,
        year: Years = None,
        section: str | None = None,
        doc_type: str | None = None,
        limit: int | None = 10,
        offset: int = 0,
        sort: str = "relevance",
        facets: Iterable[str] = FACETS,
    ) -> Results:
        """Paragraphs matching the query (see the README for the language) and the filters, ranked
        by relevance or date, with facet counts over all hits. `place` is a unit at any level with
        everything below it. Raises QueryError."""
        return search(
            self.snapshot(),
            query,
            province=province,
            city=city,
            district=district,
            town=town,
            place=place,
            year=year,
            section=section,
            doc_type=doc_type,
            limit=limit,
            offset=offset,
            sort=sort,
            facets=facets,
        )

    def search_with_trend(
        self,
        query: str,
        *,
        limit: int | None = 10,
        offset: int = 0,
        sort: str = "relevance",
        facets: Iterable[str] = FACETS,
        **filters,
    ) -> tuple[Results, dict | None]:
        """What a search page shows: `search` and the query's `trend` by year, under the same filters
        but the year (so that any year can be chosen), both from one state of the index, which asks
        the phrase table once for both; no trend when nothing matched. Raises QueryError."""
        snap = self.snapshot()
        results = search(snap, query, limit=limit, offset=offset, sort=sort, facets=facets, **filters)
        if not results.total:
            return results, None
        others = {k: v for k, v in filters.items() if k != "year"}
        return results, analyze.trend(snap, [query], by="year", **others)

    def trend(self, queries: Sequence[str] | str, *, by: str = "year", per: str = "paragraphs", **filters) -> dict:
        """How often each query is met per year, place, section type or kind (`by`: any facet, or
        section / type), against all paragraphs and reports of the cell under the same filters:
        {"queries", "by", "per", "cells": [{"key", "series": [{"query", "paragraphs", "reports",
        "rate"}], "total_paragraphs", "total_reports", "thin"}]}. `filters` as search takes them.
        Raises QueryError."""
        return analyze.trend(self.snapshot(), queries, by=by, per=per, **filters)

    def kwic(self, query: str, *, width: int = 40, sort: str = "year", limit: int | None = None, **filters) -> dict:
        """Every occurrence of the query's text in context (`width` display columns each side),
        sorted by year, place, left or right context: {"query", "total", "lines": [{"left",
        "match", "right", "paragraph_id", "doc_id", "town", "district", "city", "province",
        "year", "start"}]}. `filters` as search takes them. Raises QueryError."""
        return analyze.kwic(self.snapshot(), query, width=width, sort=sort, limit=limit, **filters)

    def keywords(
        self, focus: str = "", *, vs: str | None = None, limit: int | None = 30, min_reports: int = 2, **filters
    ) -> dict:
        """jieba's words most characteristic of the focus (a query of filters, words or phrases, and
        the keyword filters) against the reference `vs` (a query; the whole index by default), by
        Sketch Engine's simple maths, used by at least `min_reports` focus reports: {"focus",
        "reference": {"query", "paragraphs", "reports", "words"}, "keywords": [{"word", "score",
        "focus_count", "reference_count", "focus_per_million", "reference_per_million",
        "focus_reports"}]}. `filters` as search takes them. Raises QueryError."""
        return keywords.keywords(self.snapshot(), focus, vs=vs, limit=limit, min_reports=min_reports, **filters)

    def highlights(self, query: str, text: str) -> list[tuple[int, int]]:
        """The [start, end) spans of a query's matches in any text, as a hit's `highlights`."""
        return query_highlights(self.snapshot(), query, text)

    def reports(self) -> list[ReportEntry]:
        """Every report in the index, by source, with whether its source file is still on disk."""
        return sorted(self.snapshot().reports(), key=lambda r: (r.source, r.id))

    def report(self, report_id: str) -> ReportEntry | None:
        return self.snapshot().report(report_id)

    def paragraphs(self, report_id: str) -> list[Paragraph]:
        """The paragraphs of one report as indexed, in order."""
        return self.snapshot().paragraphs(doc_id=report_id)

    def paragraph(self, paragraph_id: str) -> Paragraph | None:
        return self.snapshot().paragraph_with_id(paragraph_id)

    def context(self, paragraph_id: str, n: int = 0) -> Context | None:
        """A paragraph with its report and the n paragraphs before and after it (None when there is
        no such paragraph)."""
        snap = self.snapshot()
        found = snap.paragraph_with_id(paragraph_id)
        report = snap.report(found.doc_id) if found else None
        if found is None or report is None:
            return None
        around = [p for p in snap.paragraphs(doc_id=report.id) if abs(p.position - found.position) <= n]
        return Context(report, found, around)

    def stats(self) -> Stats:
        reports = self.reports()
        size = sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(self.path) for f in files)
        meta = self.folder.meta()
        return Stats(
            path=self.path,
            reports=len(reports),
            paragraphs=sum(r.paragraphs for r in reports),
            provinces=len({r.province for r in reports if r.province}),
            cities=len({r.city for r in reports if r.city}),
            districts=len({(r.city, r.district) for r in reports if r.district}),
            towns=len({(r.district, r.town) for r in reports if r.town}),
            years=sorted({r.year for r in reports if r.year}),
            size_bytes=size,
            built_by=meta.get("created_by"),
            schema=meta.get("schema"),
            analyzer=meta.get("analyzer"),
        )

    # -- writing ----------------------------------------------------------------------------------
    def add(self, path, **overrides) -> Report:
        """Add one report (or replace the older version from the same source). Raises ReadError
        for a file that cannot be read."""
        outcome = self.add_files([path], overrides).outcomes[0]
        if outcome.status == "failed" or outcome.report is None:
            raise ReadError(outcome.message)
        return outcome.report

    def add_files(
        self, paths, overrides: dict | None = None, progress: Progress = None, on_wait: OnWait = None
    ) -> RunSummary:
        """Add files and folders; every report is committed on its own. Failures are collected."""
        from .store import write

        return write.add_files(self.folder, self.snapshots, paths, overrides, progress, on_wait)

    def remove(self, *ids: str, sources: Iterable[str] = ()) -> Removal:
        """Remove reports, named by id or by source file, with all their paragraphs, under one lock
        and one commit; the result says which were removed and which named ones were not there
        (it is false when none was removed)."""
        snap = self.snapshot()
        named, absent = list(ids), []
        for source in sources:
            found = snap.report_from(os.path.abspath(source))
            if found is None:
                absent.append(source)
            else:
                named.append(found.id)
        from .store import write

        removed = write.remove(self.folder, self.snapshots, named)
        return Removal(removed, [rid for rid in named if rid not in removed] + absent)

    def build(
        self, corpus: str | os.PathLike = "corpus", progress: Progress = None, on_wait: OnWait = None
    ) -> RunSummary:
        """(Re)build from a folder plus the files added since the last build. The current index
        stays searchable until the new one is complete and switched in."""
        from .store import write

        return write.build(self.folder, self.snapshots, os.fspath(corpus), progress, on_wait)

    def writing(self, wait: float = LOCK_WAIT, on_wait: OnWait = None):
        """Hold the index's write lock (the writers take it themselves)."""
        return self.folder.writing(wait, on_wait)
