"""The fields of the index and the documents a report becomes: one per paragraph, then one for
the report (a report's document follows its paragraphs; snapshot.py counts reports by that)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timezone

from whoosh import fields

from ..model import Report

# 6: each segment's forms beside it (forms.py); a report's source indexed. 7: a paragraph's words
# and shown fields (text, section path, heading flag, id…) kept in the forms only (the words with
# their postings and lengths, the shown fields in compressed blocks), not by Whoosh. 8: the common
# grams' sets (phrases.py); no paragraph id field (a paragraph is found by its report's id and its
# position), and columns only for what results are sorted by (date, position)
SCHEMA_VERSION = 8
PLACE_LEVELS = ("province", "city", "district", "town")
# Metadata that has a facet: counted per value over the hits and usable as a filter.
FACETS = (*PLACE_LEVELS, "year", "section_type", "doc_type")
# Usable as filters too, matched by part of the value (see query/evaluate.py); no facet counts.
PARTIAL_FILTERS = ("doc_number", "issuer")
# What a snapshot keeps a set of documents for, per value (store/snapshot.py).
FILTER_FIELDS = (*FACETS, "place_code", *PARTIAL_FILTERS)
REPORT_FIELDS = (*PLACE_LEVELS, "place_code", "doc_type", "year", "date", *PARTIAL_FILTERS)
# Every document gets a value for every column (the sortable fields): Whoosh 2.7 cuts a column
# short when the last document of a segment lacks it, and reading that document then fails.
EMPTY_COLUMNS = {"date": "", "position": 0}
STOP_WORDS = frozenset("的了和与及在是")
NOT_COUNTED = STOP_WORDS | {""}  # "": what a split finds before a leading space or after a trailing one
SPACES = re.compile(r"[ \t\r\n]+")  # what Whoosh's SpaceSeparatedTokenizer splits at


def schema() -> fields.Schema:
    # Whoosh stores a report's `report` only: a paragraph's own fields are shown from the segment's
    # forms (forms.TEXT_FIELDS), its report's metadata from its report. Only what results are
    # sorted by is a column (sortable): a column per field was a value per document, ~70 MB of a
    # million paragraphs that nothing read.
    return fields.Schema(
        kind=fields.ID(),  # "p" paragraph, "r" report
        doc_id=fields.ID(),
        province=fields.ID(),
        city=fields.ID(),
        district=fields.ID(),
        town=fields.ID(),
        place_code=fields.ID(),
        doc_type=fields.ID(),
        doc_number=fields.ID(),
        issuer=fields.ID(),
        section_type=fields.ID(),
        year=fields.NUMERIC(int, bits=32, signed=False, shift_step=0),
        date=fields.ID(sortable=True),
        position=fields.NUMERIC(int, bits=32, sortable=True, signed=False, shift_step=0),
        report=fields.STORED(),  # report documents: metadata, source, overrides
        source=fields.ID(),  # report documents: the file, so that `add` finds an older version by it
    )


def word_counts(value: str) -> Counter:
    """The words of a text cut by index_words as the index counts them (lowercased, stop words
    left out: as Whoosh's SpaceSeparatedTokenizer | LowercaseFilter | StopFilter would, tested),
    with how often each occurs. They are kept in the segment's forms (forms.py), not in Whoosh."""
    counts = Counter(SPACES.split(value.lower()))
    for w in NOT_COUNTED.intersection(counts):
        del counts[w]
    return counts


def paragraph_documents(report: Report, words: list[Counter], forms: list[str]) -> list[dict]:
    """A report's paragraphs as documents, with their words counted, and their match forms and
    shown fields for the writer's forms (segments.KeepsForms; not fields of Whoosh's)."""
    facets = {k: getattr(report, k) for k in REPORT_FIELDS if getattr(report, k) is not None}
    return [
        dict(
            EMPTY_COLUMNS,
            **facets,
            kind="p",
            doc_id=report.id,
            words=w,
            form=form,
            shown=dict(
                id=p.id,
                doc_id=report.id,
                text=p.text,
                section=p.section,
                section_type=p.section_type,
                position=p.position,
                heading=p.heading,
            ),
            section_type=p.section_type,
            position=p.position,
        )
        for p, w, form in zip(report.paragraphs, words, forms)
    ]


def report_document(report: Report, origin: str, overrides: dict) -> dict:
    info = report.metadata() | {
        "sections": [[s.heading, s.type] for s in report.sections],
        "paragraphs": len(report.paragraphs),
        "warnings": report.warnings,
        "added": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
        "origin": origin,
        "overrides": overrides,
    }
    return dict(EMPTY_COLUMNS, kind="r", doc_id=report.id, source=report.source, report=info)
