"""Plain data passed between the stages: Report, Paragraph, Section, Hit, Results."""
from __future__ import annotations

from dataclasses import dataclass, field

SECTION_TYPES = ("preamble", "review", "problems", "goals", "plan", "closing", "glossary", "other")
METADATA_KEYS = ("title", "town", "district", "date", "year", "doc_type", "doc_number", "issuer")


@dataclass
class Section:
    """A top-level part of a report and its section type."""
    heading: str
    type: str


@dataclass
class Paragraph:
    id: str
    text: str
    section: list[str]          # heading path, outermost first
    section_type: str
    position: int = 0           # order within the report
    doc_id: str = ""
    heading: bool = False       # a heading, listed among the paragraphs so that it stays searchable


@dataclass
class Report:
    id: str
    source: str
    title: str | None
    town: str | None
    district: str | None
    date: str | None            # YYYY-MM-DD
    year: int | None
    doc_type: str | None
    issuer: str | None = None
    doc_number: str | None = None
    sections: list[Section] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)   # collector's notes and page furniture, not the text

    def metadata(self) -> dict:
        return {k: getattr(self, k) for k in ("id", "source") + METADATA_KEYS}


@dataclass
class Hit:
    id: str
    doc_id: str
    text: str
    snippet: str
    highlights: list[tuple[int, int]]   # character spans in text
    town: str | None
    district: str | None
    year: int | None
    date: str | None
    doc_type: str | None
    title: str | None
    section: list[str]
    section_type: str
    score: float
    position: int = 0
    snippet_span: tuple[int, int] = (0, 0)     # where the snippet lies in text


@dataclass
class Results:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, dict]
    reports: int = 0            # how many reports the hits come from
