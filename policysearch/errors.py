"""The errors policysearch raises on purpose; anything else is a bug."""


class PolicySearchError(Exception):
    """Base of every error the project raises on purpose."""


class ReadError(PolicySearchError):
    """A file could not be read as a report (empty, binary, undecodable, unknown format)."""


class QueryError(PolicySearchError):
    """A query could not be understood."""


class IndexStateError(PolicySearchError):
    """The index cannot be used: built by another version, locked, or damaged."""
