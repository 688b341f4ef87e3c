"""policysearch: full-text search for Chinese local-government policy documents.

    from policysearch import Index, read_report
    ix = Index("index"); ix.build("corpus")
    for hit in ix.search('"城中村" 改造', town="车墩镇").hits: print(hit.snippet)
"""
__version__ = "0.1.0"

from .errors import IndexStateError, PolicySearchError, QueryError, ReadError  # noqa: E402
from .model import Hit, Paragraph, Report, Results, Section  # noqa: E402
from .report import read_report  # noqa: E402
from .index import Index  # noqa: E402

__all__ = ["Index", "Report", "Paragraph", "Section", "Hit", "Results", "read_report",
           "PolicySearchError", "ReadError", "QueryError", "IndexStateError", "__version__"]
