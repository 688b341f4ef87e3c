"""Plain data passed between the stages: Report, Paragraph, Section; what the index gives back:
ReportEntry, Context, Hit, Results, Stats."""

from __future__ import annotations

from dataclasses import dataclass, field

SECTION_TYPES = ("preamble", "review", "problems", "goals", "plan", "closing", "glossary", "other")
METADATA_KEYS = (
    "title",
    "province",
    "city",
    "district",
    "town",
    "place_code",
    "date",
    "year",
    "doc_type",
    "doc_number",
    "issuer",
)
PLACE_KEYS = ("province", "city", "district", "town", "place_code")  # who issued the report, coarsest first


@dataclass
class Section:
    """A top-level part of a report and its section type."""

    heading: str
    type: str


@dataclass
class Paragraph:
    id: str
    text: str
    section: list[str]  # heading path, outermost first
    section_type: str
    position: int = 0  # order within the report
    doc_id: str = ""
    heading: bool = False  # a heading, listed among the paragraphs so that it stays searchable


@dataclass
class Report:
    id: str
    source: str
    title: str | None
    town: str | None
    district: str | None  # 区/县/县级市/旗
    province: str | None  # 省/自治区/直辖市
    city: str | None  # 地级市/自治州/地区/盟; a 直辖市 is its own city
    place_code: str | None  # the finest level's 12-digit 统计用区划代码
    date: str | None  # YYYY-MM-DD
    year: int | None
    doc_type: str | None
    issuer: str | None = None
    doc_number: str | None = None
    sections: list[Section] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # collector's notes and page furniture, not the text

    def metadata(self) -> dict:
        return {k: getattr(self, k) for k in ("id", "source") + METADATA_KEYS}


@dataclass
class ReportEntry:
    """A report as the index keeps it: its metadata, where it came from and how it went in."""

    id: str
    source: str
    title: str | None
    town: str | None
    district: str | None
    date: str | None
    year: int | None
    doc_type: str | None
    province: str | None = None
    city: str | None = None
    place_code: str | None = None
    issuer: str | None = None
    doc_number: str | None = None
    sections: list[list[str]] = field(default_factory=list)  # [heading, section type]
    paragraphs: int = 0
    warnings: list[str] = field(default_factory=list)
    added: str = ""  # when, ISO 8601
    origin: str = "corpus"  # "corpus": from the folder a build reads; "add": added since
    overrides: dict = field(default_factory=dict)  # metadata given with it, kept for builds
    missing: bool = False  # its source file is no longer on disk


@dataclass
class Context:
    """A paragraph in its report: the paragraphs around it, in reading order, itself included."""

    report: ReportEntry
    paragraph: Paragraph
    around: list[Paragraph]


@dataclass
class Hit:
    id: str
    doc_id: str
    text: str
    snippet: str
    highlights: list[tuple[int, int]]  # character spans in text
    town: str | None
    district: str | None
    year: int | None
    date: str | None
    doc_type: str | None
    title: str | None
    section: list[str]
    section_type: str
    score: float
    province: str | None = None
    city: str | None = None
    position: int = 0
    snippet_span: tuple[int, int] = (0, 0)  # where the snippet lies in text


@dataclass
class Results:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, dict]
    reports: int = 0  # how many reports the hits come from


@dataclass
class Stats:
    path: str
    reports: int
    paragraphs: int
    provinces: int
    cities: int
    districts: int
    towns: int
    years: list[int]
    size_bytes: int
    built_by: str | None
    schema: int | None
    analyzer: int | None


@dataclass
class AddOutcome:
    """What happened to one file in an add or build run."""

    path: str
    status: str  # added, replaced, skipped, failed
    report: Report | None = None  # as read; from a build's or a big add's workers without its paragraphs
    message: str = ""
    paragraphs: int = 0  # the report's, of them headings
    headings: int = 0


@dataclass
class RunSummary:
    outcomes: list[AddOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[AddOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]


@dataclass
class Removal:
    """What a remove did: the ids removed, and what was named but not there (ids, or sources)."""

    removed: list[str]
    absent: list[str]

    def __bool__(self) -> bool:
        return bool(self.removed)
