"""What a reader sees: one consistent state of the index, and the sets of documents in it.

The rule everything stands on, written here once:
- every paragraph and every report is a Whoosh document; its number (its place in the segments,
  in order) is also its row number in the phrase table (phrases.py);
- segments are never merged between builds (`add` commits with merge=False; a build writes a new
  generation), so a document's number never moves;
- a report's document follows its paragraphs (write.py writes them so), so a paragraph's report
  is the next report document;
- numbers at or above the phrase table's `covered` mark are not there yet: a report is seen whole
  or not at all.
Sets of document numbers are DocSets (CRoaring bitmaps, via pyroaring): hits, filters and facet
values alike, combined in C.
"""

from __future__ import annotations

import bisect
import os
import pickle
import re
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from typing import Any, NamedTuple

from pyroaring import BitMap

from ..model import Paragraph, ReportEntry
from ..text import match_form, phrase_form
from .forms import FORMS_SUFFIX, LENGTH_OF_BYTE, VOCABULARY_FILE, Forms
from .layout import Folder, load_pickle, save_pickle
from .phrases import HEADING_RUNS, PhraseIndex
from .schema import FILTER_FIELDS
from .segments import (
    deleted_documents,
    open_searcher,
    posting_blocks,
    segment_files,
)

DocSet = BitMap
MANY = 20_000  # hits from which numpy pays for its import (~0.15 s), in count_reports
FEW_FOR_NUMPY = 64  # hits from which numpy, once loaded, counts reports faster than a step per report
# Paragraphs up to which a phrase is looked for in their match forms (about 4 us each) rather than
# asked of FTS5 (see set_rows).
LOOK_AT = 2_000
CHINESE = re.compile("[\u4e00-\u9fff]+")  # what jieba cuts a word of that the match form keeps whole
FACETS_FILE = "facets.pickle"
KINDS_FILE = "kinds.pickle"
FACETS_FORMAT = "roaring-3"  # what the saved facets are made of; another format is computed anew
ENTRY_KEYS = {f.name for f in dataclass_fields(ReportEntry)}


@dataclass
class Snapshot:
    """A Whoosh searcher, the phrase table, and the covered mark read after the searcher opened;
    `cache` keeps what is read once per snapshot (facets, columns, lengths, report entries)."""

    searcher: Any
    phrases: PhraseIndex
    covered: int
    folder: str
    lexicon: str | None = None
    cache: dict = field(default_factory=dict)
    asked: dict = field(default_factory=dict)  # (FTS5 query, end) -> its matches (phrase_rows)

    @property
    def reader(self):
        return self.searcher.reader()

    @property
    def end(self) -> int:
        """Numbers from here on are not in this snapshot: not covered yet, or of a newer Whoosh commit."""
        return min(self.covered, self.reader.doc_count_all())

    def postings(self, fieldname: str, text) -> DocSet:
        """Every live document that holds a term."""
        return posting_set(self.reader, fieldname, text)

    def average_length(self) -> float:
        """Words per document, over every document of the segments (deleted ones too), as
        Whoosh's avg_field_length would give it for BM25F."""
        forms = self.forms()
        return forms.word_total / (forms.documents or 1)

    def lengths(self) -> bytes:
        """Every document's number of words, a byte each (LENGTH_OF_BYTE decodes it)."""
        return self.forms().length_bytes()

    length_of_byte = LENGTH_OF_BYTE

    @property
    def universe(self) -> DocSet:
        """The paragraphs that are there: live in the searcher's snapshot and below the mark."""
        return self.kinds()[0]

    def kinds(self, before: Start | None = None) -> tuple[DocSet, DocSet]:
        """(the paragraphs, the report documents) that are there (see kinds_of), read once."""
        if "kinds" not in self.cache:
            self.cache["kinds"] = kinds_of(self, before)
        return self.cache["kinds"]

    def deleted(self) -> DocSet:
        """The deleted documents that the snapshot's segments still hold."""
        if "deleted" not in self.cache:
            self.cache["deleted"] = DocSet(deleted_documents(self.reader))
        return self.cache["deleted"]

    def start(self) -> Start:
        """What a writer starts from, read before it writes (a snapshot's searcher is closed when the
        next one opens): see facets_of."""
        return Start(self.facets(), self.end, self.kinds(), self.deleted())

    def live(self, found: DocSet, within: DocSet | None) -> DocSet:
        """The documents of `found` (all below the end) that are there: within `within`, else not
        deleted (phrase rows stay for deleted paragraphs; there are no rows for reports)."""
        if within is not None:
            return found & within
        deleted = self.deleted()
        return found - deleted if deleted and not found.isdisjoint(deleted) else found

    def phrase_rows(self, query: str, within: DocSet | None) -> DocSet:
        """The paragraphs whose phrase rows match an FTS5 query (text.phrase_match). A few
        candidates are looked at in their match forms instead (set_rows): FTS5 checked them at
        about 250 us a row. What FTS5 hands out is kept with this snapshot object, which lives
        for one library call: a page's hits and its trend ask FTS5 once."""
        key = (query, self.end)
        if key not in self.asked:
            self.asked[key] = self.phrases.match(query, self.end)
        return self.live(self.asked[key], within)

    def heading_rows(self, query: str, within: DocSet | None) -> DocSet:
        """The paragraphs whose heading path matches an FTS5 query (of the heading column): the
        rows that hold a path's grams start a run of paragraphs under it, which lasts up to the
        next run's start (phrases.py)."""
        starts, found = self.phrases.with_char(HEADING_RUNS, self.end), DocSet()
        for first in self.phrase_rows(query, None):
            after = starts.rank(first)  # the starts up to this one, which is among them
            found.add_range(first, starts[after] if after < len(starts) else self.end)
        return found & (within if within is not None else self.universe)  # no report's document

    def char_rows(self, chars: list[str], within: DocSet | None) -> DocSet:
        """The paragraphs whose match form holds every one of the characters, or common grams
        (text.phrase_form)."""
        found = self.phrases.with_char(chars[0], self.end)
        for ch in chars[1:]:
            found &= self.phrases.with_char(ch, self.end)
        return self.live(found, within)

    def set_rows(self, phrase: str, within: DocSet | None) -> DocSet | None:
        """The paragraphs whose match form holds a phrase of two characters or more, from the
        sets of its characters and common grams (phrases.py) when they leave at most LOOK_AT
        paragraphs to look at in their match forms; else None (FTS5's to answer).
        A common gram alone is its set. A phrase of Chinese characters is also in every
        paragraph in which jieba cut it as one word (its postings in the forms: the word stands
        in the text as it is, and the match form keeps a run of Chinese characters whole), so
        only the others need looking at."""
        form, seen = phrase_form(phrase), match_form(phrase)
        grams = [form[i : i + 2] for i in range(len(form) - 1)]
        common = [g for g in grams if g in self.phrases.common]
        found = self.char_rows([*dict.fromkeys(form), *common], within)
        if grams == common and len(grams) == 1:
            return found
        rest = found
        if len(rest) > LOOK_AT and CHINESE.fullmatch(seen):
            rest = found - DocSet.union(
                DocSet(), *(DocSet(docs).shift(base) for base, docs, _ in self.forms().posting_runs(seen))
            )
        if len(rest) > LOOK_AT:
            return None
        return (found - rest) | DocSet(n for n, text in self.forms().match_forms(rest) if seen in text)

    def column(self, name: str):
        if ("column", name) not in self.cache:
            self.cache[("column", name)] = self.reader.column_reader(name, translate=True)
        return self.cache[("column", name)]

    def facets(self) -> Mapping[str, dict[Any, DocSet]]:
        """{field: {value: its paragraphs}} of this snapshot for every facet and filter (see facets_of)."""
        if "facets" not in self.cache:
            self.cache["facets"] = facets_of(self)
        return self.cache["facets"]

    def forms(self) -> Forms:
        """The match forms, words, postings and paragraphs' shown fields kept beside the snapshot's
        segments (forms.py), opened once."""
        if "forms" not in self.cache:
            files = segment_files(self.reader, self.folder, FORMS_SUFFIX)
            self.cache["forms"] = Forms(files, os.path.join(self.folder, VOCABULARY_FILE))
        return self.cache["forms"]

    def report_numbers(self) -> list[int]:
        if "report_docs" not in self.cache:
            self.cache["report_docs"] = list(self.kinds()[1])
        return self.cache["report_docs"]

    def count_reports(self, found: DocSet) -> int:
        """How many reports the paragraphs belong to (a paragraph's report is the next report
        document): from a report's first hit, jump past its document; a step per report met, not
        per report of the index (trend counts many small sets); in numpy for many hits, or for
        more than a few once numpy is loaded (a server: a trend strip counts a hundred sets)."""
        reports, count, i, n = self.kinds()[1], 0, 0, len(found)
        if n >= MANY or (n > FEW_FOR_NUMPY and "numpy" in sys.modules):
            import numpy as np

            if "report_index" not in self.cache:  # every document's report (its index among them), once
                every = np.arange(self.end, dtype=np.uint32)
                reports_at = np.array(self.report_numbers(), dtype=np.uint32)
                self.cache["report_index"] = np.searchsorted(reports_at, every).astype(np.uint32)
            of = self.cache["report_index"][np.frombuffer(found.to_array(), dtype=np.uint32)]
            return int(np.count_nonzero(of[1:] != of[:-1])) + 1
        while i < n:
            after = reports.rank(found[i])  # the report documents before this hit
            count += 1
            if after == len(reports):
                break
            i = found.rank(reports[after])  # the hits up to this hit's report document
        return count

    def documents(self, kind: str | None = None, **terms) -> list[int]:
        """The numbers of the documents of a kind ('p', 'r') that have these terms and are there, in
        order (read from the posting lists: Whoosh's document_numbers makes a query per segment, and
        hands out a number per call). A kind is its set of the index state (kinds), not its posting
        list, which grows with the index: every `add` looks its files' ids up."""
        sets = [self.postings(name, value) for name, value in terms.items()]
        sets += [self.kinds()[("p", "r").index(kind)]] if kind else []
        found = DocSet.intersection(*sets)
        found.remove_range(self.covered, 2**32)
        return list(found)

    def terms(self, fieldname: str) -> set[str]:
        """Every term of a field in the snapshot's segments (of deleted documents too)."""
        return {term for reader, _ in self.reader.leaf_readers() for term in reader.field_terms(fieldname)}

    def report(self, report_id: str) -> ReportEntry | None:
        """A report's metadata (stored once, with the report, not with each paragraph)."""
        if ("report", report_id) not in self.cache:
            docs = self.documents(doc_id=report_id, kind="r")
            self.cache[("report", report_id)] = entry(self.searcher.stored_fields(docs[0])) if docs else None
        return self.cache[("report", report_id)]

    def report_from(self, source: str) -> ReportEntry | None:
        """The report read from this file, if one is there."""
        docs = self.documents(source=source)
        return entry(self.searcher.stored_fields(docs[0])) if docs else None

    def report_of(self, number: int) -> ReportEntry:
        """The report of the paragraph with this number (the next report document)."""
        numbers = self.report_numbers()
        at = numbers[bisect.bisect_left(numbers, number)]
        if ("report_of", at) not in self.cache:
            self.cache[("report_of", at)] = entry(self.searcher.stored_fields(at))
        return self.cache[("report_of", at)]

    def reports(self) -> list[ReportEntry]:
        return [entry(self.searcher.stored_fields(d)) for d in self.documents(kind="r")]

    def paragraph(self, number: int) -> Paragraph | None:
        """The paragraph with this document number (None for a report's document)."""
        return next((paragraph_of(doc) for _, doc in self.stored([number])), None)

    def stored(self, numbers: Iterable[int]) -> Iterator[tuple[int, dict]]:
        """(number, shown fields: id, doc_id, text…) of each paragraph of the (sorted) numbers, in
        order: kept in the forms (forms.TEXT_FIELDS), not by Whoosh."""
        return self.forms().texts(numbers)

    def paragraph_with_id(self, paragraph_id: str) -> Paragraph | None:
        """A paragraph by its id: its report's id and its position (report.py), the paragraph
        documents of a report being its paragraphs in reading order (no field indexes the id: a
        million ids were most of the terms files)."""
        report_id, _, position = paragraph_id.rpartition("-")
        docs = self.documents(doc_id=report_id, kind="p") if re.fullmatch("[0-9]+", position) else []
        if not docs or int(position) >= len(docs):
            return None
        found = [paragraph_of(doc) for _, doc in self.stored([docs[int(position)]])]
        return found[0] if found and found[0].id == paragraph_id else None

    def paragraphs(self, **terms) -> list[Paragraph]:
        """The paragraphs that have these terms, in reading order within each report."""
        found = [paragraph_of(doc) for _, doc in self.stored(self.documents(**terms))]
        return sorted(found, key=lambda p: (p.doc_id, p.position))


def entry(doc: dict) -> ReportEntry:
    info = doc["report"]
    return ReportEntry(**{k: v for k, v in info.items() if k in ENTRY_KEYS}, missing=not os.path.exists(info["source"]))


def paragraph_of(doc: dict) -> Paragraph:
    return Paragraph(
        id=doc["id"],
        text=doc["text"],
        section=list(doc["section"]),
        section_type=doc["section_type"],
        position=doc["position"],
        doc_id=doc["doc_id"],
        heading=doc["heading"],
    )


def posting_set(reader, fieldname: str, text) -> DocSet:
    """Every live document of a reader (the snapshot's, or one segment's) that holds a term."""
    found = DocSet()
    for ids in posting_blocks(reader, fieldname, text):
        found.update(ids)
    return found


class Start(NamedTuple):
    """The state a writer started from: its facets, end, kinds and deleted documents."""

    facets: Mapping[str, dict[Any, DocSet]]
    end: int
    kinds: tuple[DocSet, DocSet]
    deleted: DocSet


def written_since(snap: Snapshot, start: int) -> list[tuple[Any, int]]:
    """(segment reader, its first number) of the segments that hold documents from `start` on."""
    return [(leaf, base) for leaf, base in snap.reader.leaf_readers() if base + leaf.doc_count_all() > start]


def kinds_of(snap: Snapshot, before: Start | None = None) -> tuple[DocSet, DocSet]:
    """(the paragraphs, the report documents) of a snapshot, live and below its end: two posting
    lists that grow with the index, read a block of every segment at a time (kind:p holds every
    paragraph: 0.1 s at a million), so read once per index state and kept as the facets are. A
    writer gives `before`: then the sets it started from lose what was deleted since and gain
    what the segments written since hold."""
    key = (FACETS_FORMAT, snap.reader.generation(), snap.covered)
    path = os.path.join(snap.folder, KINDS_FILE)
    saved = load_pickle(path, key)
    if saved is None:
        below = DocSet(range(snap.end))
        if before is None:
            saved = (snap.postings("kind", "p") & below, snap.postings("kind", "r") & below)
        else:
            gone, since = snap.deleted() - before.deleted, written_since(snap, before.end)
            written = [
                DocSet.union(DocSet(), *(posting_set(leaf, "kind", k).shift(base) for leaf, base in since))
                for k in "pr"
            ]
            paragraphs, reports = ((kept - gone) | (new & below) for kept, new in zip(before.kinds, written))
            saved = (paragraphs, reports)
        save_pickle(path, key, saved)
    return saved


class SavedFacets(Mapping):
    """The facets as facets_of keeps them, each field unpickled when first asked for: a query
    loads the fields it counts or filters by, not the 文号 and issuers of every report."""

    def __init__(self, saved: dict[str, bytes]):
        self.saved: dict[str, bytes] = saved
        self.loaded: dict[str, dict[Any, DocSet]] = {}

    def __getitem__(self, name: str) -> dict[Any, DocSet]:
        if name not in self.loaded:
            self.loaded[name] = pickle.loads(self.saved[name])
        return self.loaded[name]

    def __iter__(self):
        return iter(self.saved)

    def __len__(self) -> int:
        return len(self.saved)


def facets_of(snap: Snapshot, before: Start | None = None) -> Mapping[str, dict[Any, DocSet]]:
    """{facet: {value: DocSet}} of a snapshot. Reading every facet value's posting list takes
    about 0.3 s at 100,000 paragraphs, more than the rest of a query: it is done once per index
    state (by the writer after it commits, else by the first reader) and kept in the generation
    folder, keyed by the Whoosh commit and the covered mark, each field pickled apart; other
    processes load the fields they use (SavedFacets) in ms.
    A writer gives `before`, the state it started from: then only the segments written since are
    read, and the older sets lose what was deleted since (the same sets as reading everything,
    in a time that does not grow with the index)."""
    key = (FACETS_FORMAT, snap.reader.generation(), snap.covered)
    path = os.path.join(snap.folder, FACETS_FILE)
    saved = load_pickle(path, key)
    if saved is not None:
        return SavedFacets(saved)
    universe = snap.kinds(before)[0]
    old, start = (before.facets, before.end) if before else ({}, 0)
    gone = snap.deleted() - before.deleted if before else DocSet()
    facets = {
        name: {v: s - gone if gone and not s.isdisjoint(gone) else s for v, s in old.get(name, {}).items()}
        for name in FILTER_FIELDS
    }
    for leaf, base in written_since(snap, start):
        for name in FILTER_FIELDS:
            spec, values = snap.searcher.schema[name], facets[name]
            for btext in spec.sortable_terms(leaf, name):
                value = spec.from_bytes(btext)
                if value:  # "" and 0 stand for "not known"
                    found = posting_set(leaf, name, btext)
                    found = (found.shift(base) if base else found) & universe
                    values[value] = values[value] | found if value in values else found
    save_pickle(path, key, {name: pickle.dumps(values, pickle.HIGHEST_PROTOCOL) for name, values in facets.items()})
    return facets


class Snapshots:
    """Each thread's current snapshot of an index folder: the Whoosh searcher is reopened when a
    writer has committed since, the phrase table when the generation changed."""

    def __init__(self, folder: Folder):
        self.folder = folder
        self.local = threading.local()

    def current(self) -> Snapshot:
        local, gen = self.local, self.folder.generation()
        cached = getattr(local, "searcher", None)
        if cached is None or local.gen != gen or not cached.up_to_date():
            if cached is not None:  # forgotten first: a failed open below must not leave it closed here
                local.searcher = None
                cached.close()
            searcher = open_searcher(gen, self.folder.path)
            if getattr(local, "gen", None) != gen:
                if getattr(local, "phrases", None) is not None:
                    local.phrases.close()
                local.phrases = PhraseIndex(gen)
            local.searcher, local.gen, local.cache = searcher, gen, {}
        covered = local.phrases.covered()
        if local.cache.get("covered") != covered:  # a new mark: what was read per snapshot is read again
            local.cache = {"covered": covered}
        return Snapshot(local.searcher, local.phrases, covered, gen, self.folder.lexicon_path(), local.cache)
