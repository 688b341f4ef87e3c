"""policysearch: full-text search for Chinese local-government policy documents.

from policysearch import Index, read_report
ix = Index("index"); ix.build("corpus")
for hit in ix.search('"城中村" 改造', town="车墩镇").hits: print(hit.snippet)
"""

__version__ = "0.1.0"

from .errors import IndexStateError, PolicySearchError, QueryError, ReadError  # noqa: E402
from .model import (  # noqa: E402
    AddOutcome,
    Context,
    Hit,
    Paragraph,
    Removal,
    Report,
    ReportEntry,
    Results,
    RunSummary,
    Section,
    Stats,
)

__all__ = [
    "Index",
    "Report",
    "Paragraph",
    "Section",
    "Hit",
    "Results",
    "ReportEntry",
    "Context",
    "Stats",
    "RunSummary",
    "AddOutcome",
    "Removal",
    "read_report",
    "PolicySearchError",
    "ReadError",
    "QueryError",
    "IndexStateError",
    "__version__",
]


def __getattr__(name: str):
    # Imported on first use, so a search does not load the readers and a read does not load Whoosh.
    if name == "Index":
        from .index import Index

        return Index
    if name == "read_report":
        from .report import read_report

        return read_report
    raise AttributeError(f"module 'policysearch' has no attribute {name!r}")
